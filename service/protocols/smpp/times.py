"""SMPP 3.4 §7.1.1 times: absolute ``YYMMDDhhmmsstnnp`` and relative ``YYMMDDhhmmss000R``.

Absolute: YY is 2000 + YY, ``t`` tenths of a second, ``nn`` the offset from UTC in quarter hours
(00..48), ``p`` '+' (local time ahead of UTC) or '-' (behind). Relative: a period added to now,
years and months by the calendar (a day past the month's end becomes its last day).
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone

_FORMAT = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})"
                     r"([0-9])([0-9]{2})([-+R])")


class SmppTimeError(ValueError):
    """A schedule_delivery_time or validity_period that is not an SMPP time."""


def parse_smpp_time(value: str, now: datetime) -> datetime | None:
    """The UTC time ``value`` names; None for '' (not set). Relative times count from ``now``."""
    if value == "":
        return None
    match = _FORMAT.fullmatch(value)
    if match is None:
        raise SmppTimeError(f"{value[:40]!r} is not an SMPP time (YYMMDDhhmmsstnnp)")
    yy, mo, dd, hh, mi, ss, tenths, nn = (int(g) for g in match.groups()[:8])
    sign = match.group(9)
    if sign == "R":
        return _relative(_utc(now), yy, mo, dd, hh, mi, ss)
    if nn > 48:
        raise SmppTimeError(f"{value!r}: UTC offset of {nn} quarter hours (at most 48)")
    offset = timedelta(minutes=15 * nn)
    try:
        local = datetime(2000 + yy, mo, dd, hh, mi, ss, tenths * 100_000,
                         tzinfo=timezone(offset if sign == "+" else -offset))
    except ValueError as exc:
        raise SmppTimeError(f"{value!r}: {exc}") from None
    return local.astimezone(timezone.utc)


def format_smpp_time(when: datetime) -> str:
    """``when`` as an absolute SMPP time in UTC (``YYMMDDhhmmss000+``, whole seconds)."""
    utc = _utc(when)
    if not 2000 <= utc.year <= 2099:
        raise SmppTimeError(f"{utc.year} cannot be written in SMPP's two-digit years")
    return utc.strftime("%y%m%d%H%M%S") + "000+"


def format_relative_time(years: int = 0, months: int = 0, days: int = 0,
                         hours: int = 0, minutes: int = 0, seconds: int = 0) -> str:
    """A relative SMPP time (``YYMMDDhhmmss000R``); each field 0..99."""
    fields = (years, months, days, hours, minutes, seconds)
    if not all(0 <= f <= 99 for f in fields):
        raise SmppTimeError(f"relative time fields must be 0..99, not {fields}")
    return "".join(f"{f:02d}" for f in fields) + "000R"


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        return when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def _relative(now: datetime, years: int, months: int, days: int,
              hours: int, minutes: int, seconds: int) -> datetime:
    total = now.month - 1 + months + 12 * years
    year, month = now.year + total // 12, total % 12 + 1
    if year > 9999:
        raise SmppTimeError("a relative time past the year 9999")
    day = min(now.day, calendar.monthrange(year, month)[1])
    moved = now.replace(year=year, month=month, day=day)
    try:
        return moved + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        raise SmppTimeError("a relative time past the year 9999") from None
