"""Template texts: ``{placeholder}`` names filled per recipient, ``{{`` and ``}}`` for braces.

Rendering is strict: a placeholder the recipient has no value for is an error for that
recipient, unless a default is given for it. Only plain names are allowed (letters, digits,
``_``): no attribute access, indexing or format specs, so a template can neither reach into
objects nor ask for a megabyte of padding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from .errors import ValidationError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class MissingValue(ValidationError):
    """The recipient has no value for a placeholder and the template gives no default."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no value for {{{name}}}", field=name)
        self.name = name


@dataclass(frozen=True)
class Template:
    """A parsed template: literal pieces and placeholder names, alternating."""

    pieces: tuple[str | tuple[str], ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(p[0] for p in self.pieces if isinstance(p, tuple))

    def render(self, values: Mapping[str, str],
               defaults: Mapping[str, str] | None = None) -> str:
        out = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            name = piece[0]
            value = values.get(name)
            if value is None or value == "":
                value = (defaults or {}).get(name)
            if value is None:
                raise MissingValue(name)
            out.append(str(value))
        return "".join(out)


def parse(text: str, field: str = "text") -> Template:
    """Parse a template; a brace that is neither escaped nor part of ``{name}`` is an error."""
    pieces: list[str | tuple[str]] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "{}" and text.startswith(ch * 2, i):
            literal.append(ch)
            i += 2
        elif ch == "{":
            end = text.find("}", i + 1)
            name = text[i + 1:end] if end != -1 else ""
            if end == -1 or not _NAME.fullmatch(name):
                raise ValidationError(f"bad placeholder at position {i + 1}: write {{name}} with "
                                      "letters, digits and _, or {{ for a brace", field=field)
            if literal:
                pieces.append("".join(literal))
                literal = []
            pieces.append((name,))
            i = end + 1
        elif ch == "}":
            raise ValidationError(f"unmatched }} at position {i + 1}: write }}}} for a brace",
                                  field=field)
        else:
            literal.append(ch)
            i += 1
    if literal:
        pieces.append("".join(literal))
    return Template(tuple(pieces))
