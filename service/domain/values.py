"""Numbers and times as clients write them, read the same way at every front door.

- An integer is ASCII digits with an optional sign, and fits the column it is stored in (64-bit
  by default). ``str.isdigit()`` and ``int()`` also take other scripts' digits (``²``, ``٣``)
  and thousands of digits, which then fail deep inside a query or a conversion.
- A time is converted to UTC here, once. A time that has no UTC equivalent (year 1 at +14:00,
  year 9999 at -14:00) is the client's error, not an ``OverflowError``.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from .clock import as_utc
from .errors import ConstraintViolation, ValidationError

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
INT32_MIN, INT32_MAX = -(2 ** 31), 2 ** 31 - 1
MAX_ID = INT64_MAX  # the largest id any store keeps (64-bit on SQLite and PostgreSQL)
_INTEGER = re.compile(r"[+-]?[0-9]+")  # [0-9], not \d: ASCII digits only
_MAX_DIGITS = 19  # more cannot fit 64 bits; checked before int() sees the text


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty run of ASCII digits ("²" and "٣" are not)."""
    return bool(text) and text.isascii() and text.isdigit()


def parse_int(value: object, field: str, *, low: int = INT64_MIN, high: int = INT64_MAX) -> int:
    """A client's integer: an int, or text of ASCII digits with an optional sign, in
    [low, high]. Anything else (floats, exponents, booleans, other digits) is refused."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationError(f"{field} must be a whole number", field=field)
    if isinstance(value, str):
        text = value.strip(" \t\r\n")
        if not _INTEGER.fullmatch(text):
            raise ValidationError(f"{field} must be a whole number in ASCII digits", field=field)
        if len(text.lstrip("+-").lstrip("0")) > _MAX_DIGITS:
            raise ConstraintViolation(field, f"{field} must be in {low}..{high}", limit=high)
        value = int(text)
    if not low <= value <= high:
        raise ConstraintViolation(field, f"{field} must be in {low}..{high}", limit=high)
    return value


def utc_time(value: datetime, field: str) -> datetime:
    """A client's time as aware UTC (naive means UTC); refused when UTC cannot express it."""
    try:
        return as_utc(value)
    except (OverflowError, ValueError) as exc:
        raise ValidationError(f"{field} is out of range: it has no UTC equivalent",
                              field=field) from exc


def utc_from_timestamp(seconds: int, field: str) -> datetime:
    """A Unix time from a client as aware UTC; refused outside years 1..9999."""
    try:
        return datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValidationError(f"{field} is out of range", field=field) from exc
