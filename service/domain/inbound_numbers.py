"""Inbound numbers: the one stored form of a long number or a short code, and the forms a
carrier's destination address may match.

Stored forms: a long number is E.164, ``+`` and 8 to 15 digits (``+79991234567``); a short code
is 3 to 8 digits without ``+`` (``4444``). An operator may write spaces, dashes, dots and
parentheses; they are dropped. Without ``+``, 9 digits or more are a long number written
without its ``+`` (``79991234567`` is ``+79991234567``), fewer are a short code (and a short
code written with ``+``, 3 to 7 digits, is still one: ``+4444`` is ``4444``). Carriers write
our numbers with or without ``+``, so a destination matches both ``+D`` and ``D``.
"""

from __future__ import annotations

import re

from .errors import ConstraintViolation, MissingParameter, ValidationError
from .inbound import fold_word

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
    if len(digits) > SHORT_CODE_DIGITS[1] or plus and len(digits) >= LONG_NUMBER_DIGITS[0]:
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
    """How a destination is kept on an inbound message: its canonical form when it is a number,
    else what the carrier wrote (trimmed)."""
    return canonical_number(destination) or (destination or "").strip()


MAX_KEYWORD_LENGTH = 32  # inbound_keywords.keyword


class InvalidInboundNumber(ValidationError):
    """Not a long number (``+`` and 8 to 15 digits) nor a short code (3 to 8 digits)."""

    def __init__(self, raw: str) -> None:
        super().__init__(f"invalid inbound number {raw[:40]!r}: expected a long number "
                         "(+ and 8 to 15 digits) or a short code (3 to 8 digits)", field="number")


class NumberTaken(ValidationError):
    """The number is already dedicated to an account, or shared through keywords (``how``
    says which), so it cannot be assigned this way."""

    def __init__(self, number: str, how: str) -> None:
        super().__init__(f"number {number} {how}", field="number")
        self.number = number


class KeywordTaken(ValidationError):
    """The keyword is already assigned on this number (to ``login``)."""

    def __init__(self, number: str, keyword: str, login: str) -> None:
        super().__init__(f"keyword {keyword!r} on {number} is already assigned to {login}",
                         field="keyword")


def inbound_number(raw: str) -> str:
    """``raw`` in its stored form, or InvalidInboundNumber."""
    number = canonical_number(raw)
    if number is None:
        raise InvalidInboundNumber(raw or "")
    return number


def keyword(raw: str) -> str:
    """A keyword as stored and compared (``fold_word``): one word, 1 to 32 characters once
    folded. MissingParameter when nothing is left; ConstraintViolation when too long;
    ValidationError when it holds spaces (the first word of a text can never match it)."""
    words = (raw or "").split()
    if len(words) > 1:
        raise ValidationError(f"keyword {raw[:40]!r} must be one word", field="keyword")
    word = fold_word(words[0]) if words else ""
    if not word:
        raise MissingParameter("keyword", "the keyword is empty (punctuation alone is no word)")
    if len(word) > MAX_KEYWORD_LENGTH:
        raise ConstraintViolation("keyword", f"keyword {word[:40]!r}… is longer than "
                                  f"{MAX_KEYWORD_LENGTH} characters", limit=MAX_KEYWORD_LENGTH)
    return word
