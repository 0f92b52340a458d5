"""The one way a door translates a domain error into its own answer (in the spirit of httpx's
``_exceptions.py``).

Each door keeps exactly one table, from error class to what that door answers: a value (a
fault code, an OMS code, an smsc number...) or a small function of the error, for the cases
that depend on more than the class (a field, a ``retry_after``). ``translate`` picks the entry
of the most specific class, walking the error's MRO, so the order of a table never matters and
a subclass added later falls back to its nearest ancestor. Every table has a row for
``SmsgwError``, so every domain error has an answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, Union

T = TypeVar("T")

# An entry: the answer itself, or a function of the error that returns it. Answers are never
# callables themselves (strings, numbers, frozen dataclasses), which is how the two are told apart.
Entry = Union[T, Callable[[Any], T]]


def translate(table: Mapping[type[BaseException], Entry[T]], error: BaseException) -> T:
    """The answer ``table`` gives for ``error``: the entry of its most specific class."""
    for cls in type(error).__mro__:
        if cls in table:
            entry = table[cls]
            return entry(error) if callable(entry) else entry  # type: ignore[return-value]
    raise LookupError(f"no entry for {type(error).__name__}: the table needs a SmsgwError row")


__all__ = ["Entry", "translate"]
