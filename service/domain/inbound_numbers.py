"""Inbound numbers: the one stored form of a long number or a short code, and the forms a
carrier's destination address may match.

Stored forms: a long number is E.164, ``+`` and 8 to 15 digits (``+79991234567``); a short code
is 3 to 8 digits without ``+`` (``4444``). An operator may write spaces, dashes, dots and
parentheses; they are dropped. Without ``+``, 9 digits or more are a long number written
without its ``+`` (``79991234567`` is ``+79991234567``), fewer are a short code. Carriers write
our numbers with or without ``+``, so a destination matches both ``+D`` and ``D``.
"""

from __future__ import annotations

import re

_DECORATION = re.compile(r"[\s\-.()]")
_DIGITS = re.compile(r"[0-9]+")
SHORT_CODE_DIGITS = (3, 8)
LONG_NUMBER_DIGITS = (8, 15)
MAX_NUMBER_LENGTH = 20  # inbound_numbers.number


def canonical_number(raw: str) -> str | None:
    """The stored form of an inbound number (see the module's docstring), or None when ``raw``
    is no number: letters, too few or too many digits, a ``+`` inside."""
    text = _DECORATION.sub("", raw or "")
    plus = text.startswith("+")
    digits = text[1:] if plus else text
    if not digits.isascii() or not _DIGITS.fullmatch(digits):
        return None
    if plus or len(digits) > SHORT_CODE_DIGITS[1]:
        low, high = LONG_NUMBER_DIGITS
        return "+" + digits if low <= len(digits) <= high else None
    low, high = SHORT_CODE_DIGITS
    return digits if low <= len(digits) <= high else None


def number_forms(destination: str) -> tuple[str, ...]:
    """The stored numbers a carrier's destination may be: its digits with and without ``+``
    (the canonical form first). Empty when it holds no digits at all or anything but them."""
    text = _DECORATION.sub("", destination or "").removeprefix("+")
    if not text.isascii() or not _DIGITS.fullmatch(text) or len(text) > MAX_NUMBER_LENGTH - 1:
        return ()
    plus, bare = "+" + text, text
    canonical = canonical_number(destination)
    return (plus, bare) if canonical != bare else (bare, plus)


def display_number(destination: str) -> str:
    """How a destination is kept on an inbound message: its canonical form when it is a number
    (a short code a carrier wrote with ``+`` is still a short code), else what the carrier
    wrote (trimmed)."""
    text = (destination or "").strip()
    return canonical_number(text) or canonical_number(text.removeprefix("+")) or text
