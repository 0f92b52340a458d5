"""JSON from clients, decoded one bounded way: every door that reads JSON reads it here.

Python's decoder alone accepts what the domain cannot hold and fails in ways no door catches:
nesting 100,000 deep raises RecursionError, an integer of 5,000 digits raises ValueError (the
interpreter's int limit), ``NaN`` and ``Infinity`` pass, and a repeated key silently keeps the
last value. Each of these is a ValidationError here, naming the field that carried the JSON.
"""

from __future__ import annotations

import json
import math

from ..domain.errors import ValidationError
from ..domain.values import INT64_MAX, INT64_MIN

MAX_DEPTH = 16  # the deepest real request is a list of contact cards with their fields: 3


class NotJson(ValidationError):
    """The text is not JSON at all (as opposed to JSON outside the bounds)."""


def loads(text: str | bytes, field: str) -> object:
    """The decoded value, or ValidationError(field) for anything outside the bounds above."""

    def refuse(message: str) -> ValidationError:
        return ValidationError(f"{field}: {message}", field=field)

    def integer(digits: str) -> int:
        if len(digits.lstrip("-")) > 19 or not INT64_MIN <= int(digits) <= INT64_MAX:
            raise refuse(f"the number {digits[:24]}... does not fit 64 bits")
        return int(digits)

    def number(digits: str) -> float:
        value = float(digits)
        if not math.isfinite(value):
            raise refuse(f"the number {digits[:24]} is out of range")
        return value

    def constant(name: str):
        raise refuse(f"{name} is not a JSON number")

    def unique(pairs: list[tuple[str, object]]) -> dict:
        out = dict(pairs)
        if len(out) != len(pairs):
            seen = set()
            duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))
            raise refuse(f"the key {duplicate!r} appears twice")
        return out

    try:
        value = json.loads(text, parse_int=integer, parse_float=number, parse_constant=constant,
                           object_pairs_hook=unique)
    except RecursionError as exc:
        raise refuse(f"nested deeper than {MAX_DEPTH} levels") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise NotJson(f"{field}: not valid JSON: {exc}", field=field) from exc
    if _depth(value) > MAX_DEPTH:
        raise refuse(f"nested deeper than {MAX_DEPTH} levels")
    return value


def _depth(value: object) -> int:
    """How deeply lists and objects nest (iteratively: the value may be ~1000 deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest
