"""Sending limits (seed 001's BANNED causes, smsc's ``users.php`` limits): the pure rules.

Six limits, each set per account or taken from the gateway's default:

- ``per_day`` / ``per_month``: messages accepted in the current UTC day / month. A message is
  one stored SMS (one recipient, one text); its segments do not matter. 0 turns it off.
- ``flood`` (N/M): the same number more than N times in M minutes: the extra ones are BANNED.
- ``duplicate_minutes`` (M): the same text to the same number within M minutes: BANNED.
- ``countries``: the destination regions allowed (phonenumbers region codes); others BANNED.
  Empty means any.
- ``quiet_hours`` (``21-09``): mailing messages due in the recipient's local night wait until
  the window ends there.

Here live the parsers of those specs, the windows, the repeat rules and the quiet-hours
arithmetic; no clock is read (times are passed in) and nothing is stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_zones

from .errors import ValidationError

MAX_COUNT = 1_000_000_000
MAX_MINUTES = 7 * 24 * 60
OFF = "off"
DEFAULT = "default"
_NO_REGION = "001"   # phonenumbers' "non-geographic" (+800, +882...): never a country


@dataclass(frozen=True)
class Flood:
    """At most ``count`` messages to one number in ``minutes``; ``Flood(0, 0)`` is off."""

    count: int
    minutes: int

    @property
    def on(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        return f"{self.count}/{self.minutes}" if self.on else OFF


@dataclass(frozen=True)
class QuietHours:
    """Local hours [start, end) in which mailing messages wait; wraps midnight when
    start > end (``21-09``). ``QuietHours(0, 0)`` is off."""

    start: int
    end: int

    @property
    def on(self) -> bool:
        return self.start != self.end

    def covers(self, hour: int) -> bool:
        if self.start < self.end:
            return self.start <= hour < self.end
        return hour >= self.start or hour < self.end

    def __str__(self) -> str:
        return f"{self.start:02d}-{self.end:02d}" if self.on else OFF


@dataclass(frozen=True)
class Limits:
    """One account's limits, or the gateway's defaults. ``None``: take the default (an
    account's own value only); 0, ``Flood(0, 0)``, ``()`` and ``QuietHours(0, 0)``: off."""

    per_day: int | None = None
    per_month: int | None = None
    flood: Flood | None = None
    duplicate_minutes: int | None = None
    countries: tuple[str, ...] | None = None
    quiet_hours: QuietHours | None = None

    def over(self, defaults: "Limits") -> "Limits":
        """These limits where set, else ``defaults``'."""
        return Limits(**{f.name: getattr(self, f.name) if getattr(self, f.name) is not None
                         else getattr(defaults, f.name) for f in fields(self)})

    def changed(self, **specs: str | None) -> "Limits":
        """These limits with the given specs applied (``None``: unchanged; ``default``:
        back to the gateway's default); raises ValidationError naming a bad spec."""
        changes: dict[str, object] = {}
        for name, spec in specs.items():
            if spec is None:
                continue
            changes[name] = None if spec.strip().lower() == DEFAULT else _PARSERS[name](spec)
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def active(self) -> bool:
        """Whether any limit applies at all (else nothing needs to be read or counted)."""
        return bool(self.per_day or self.per_month or (self.flood and self.flood.on)
                    or self.duplicate_minutes or self.countries
                    or (self.quiet_hours and self.quiet_hours.on))

    def describe(self) -> dict[str, str]:
        """Each limit as its spec (``off``, or ``default`` for an account's unset one)."""
        def show(value: object) -> str:
            if value is None:
                return DEFAULT
            if isinstance(value, tuple):
                return ",".join(value) if value else "any"
            if value == 0:
                return OFF
            return str(value)
        return {f.name: show(getattr(self, f.name)) for f in fields(self)}


# -- parsers (CLI flags and SMSGW_LIMIT_* share them) -----------------------------------------

def _digits(text: str, field: str, lowest: int, highest: int) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        raise ValidationError(f"{field}: expected a whole number, got {text[:40]!r}", field=field)
    value = int(text)
    if not lowest <= value <= highest:
        raise ValidationError(f"{field}: {value} is outside {lowest}..{highest}", field=field)
    return value


def parse_count(spec: str, field: str = "per_day") -> int:
    """Messages per period: ``0``/``off`` (no limit) or 1..10^9."""
    if spec.strip().lower() == OFF:
        return 0
    return _digits(spec, field, 0, MAX_COUNT)


def parse_minutes(spec: str, field: str = "duplicate_minutes") -> int:
    """Minutes: ``0``/``off`` or 1..10080 (a week)."""
    if spec.strip().lower() == OFF:
        return 0
    return _digits(spec, field, 0, MAX_MINUTES)


def parse_flood(spec: str) -> Flood:
    """``N/MINUTES`` (more than N messages to one number in MINUTES are banned), or ``off``."""
    text = spec.strip()
    if text.lower() in (OFF, "0"):
        return Flood(0, 0)
    count, slash, minutes = text.partition("/")
    if not slash:
        raise ValidationError(f"flood: expected N/MINUTES such as 5/10, got {text[:40]!r}",
                              field="flood")
    return Flood(_digits(count, "flood", 1, MAX_COUNT), _digits(minutes, "flood", 1, MAX_MINUTES))


def parse_quiet_hours(spec: str) -> QuietHours:
    """``START-END`` in whole local hours 0..23 (``21-09``: 21:00 to 09:00), or ``off``."""
    text = spec.strip()
    if text.lower() == OFF:
        return QuietHours(0, 0)
    start, dash, end = text.partition("-")
    if not dash:
        raise ValidationError(f"quiet_hours: expected START-END hours such as 21-09, got "
                              f"{text[:40]!r}", field="quiet_hours")
    quiet = QuietHours(_digits(start, "quiet_hours", 0, 23), _digits(end, "quiet_hours", 0, 23))
    if not quiet.on:
        raise ValidationError("quiet_hours: start and end are the same hour", field="quiet_hours")
    return quiet


def parse_countries(spec: str) -> tuple[str, ...]:
    """Region codes such as ``RU,KZ`` (phonenumbers', validated), or ``any``/empty for any."""
    text = spec.strip()
    if text.lower() in ("any", ""):
        return ()
    out: list[str] = []
    for piece in text.split(","):
        code = piece.strip().upper()
        if code not in phonenumbers.SUPPORTED_REGIONS:
            raise ValidationError(f"countries: {piece.strip()[:10]!r} is not a region code "
                                  "(ISO 3166 alpha-2 as phonenumbers knows them, such as RU)",
                                  field="countries")
        if code not in out:
            out.append(code)
    return tuple(out)


_PARSERS = {"per_day": lambda s: parse_count(s, "per_day"),
            "per_month": lambda s: parse_count(s, "per_month"),
            "flood": parse_flood, "duplicate_minutes": parse_minutes,
            "countries": parse_countries, "quiet_hours": parse_quiet_hours}


def parse_limits(**specs: str | None) -> Limits:
    """Limits from specs (``None`` or empty: off); the gateway's defaults come this way."""
    full = {name: (specs.get(name) or "").strip() or (
        "any" if name == "countries" else OFF) for name in _PARSERS}
    return Limits().changed(**full)


# -- windows -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """A counting window: ``key`` names it (``d2026-12-01``, ``m2026-12``), [start, end) UTC."""

    key: str
    start: datetime
    end: datetime

    def seconds_left(self, now: datetime) -> int:
        return max(1, int((self.end - now).total_seconds()))


def day_of(now: datetime) -> Period:
    start = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return Period(f"d{start:%Y-%m-%d}", start, start + timedelta(days=1))


def month_of(now: datetime) -> Period:
    start = now.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0,
                                                 microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 \
        else start.replace(month=start.month + 1)
    return Period(f"m{start:%Y-%m}", start, end)


# -- destinations ------------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def region_of(e164: str) -> str | None:
    """The region code of an E.164 number (``+7701...`` is KZ), or None."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return None
    return region if region and region != _NO_REGION else None


def country_refusal(limits: Limits, e164: str) -> str | None:
    """Why ``e164`` may not be sent to under these limits' countries, or None."""
    if not limits.countries:
        return None
    region = region_of(e164)
    if region in limits.countries:
        return None
    return (f"destination country {region or 'unknown'} is not allowed for this account "
            f"(allowed: {','.join(limits.countries)})")


# -- repeats: flood and duplicates -------------------------------------------------------------

@dataclass(frozen=True)
class Sent:
    """A message already accepted for the account: to whom, what (the text's digest, see
    text_digest), when."""

    recipient: str
    text: str
    at: datetime


def text_digest(text: str) -> str:
    """What the duplicate guard compares: a SHA-256 of the text, so the guard keeps no text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def repeat_refusals(limits: Limits, earlier: Sequence[Sent], batch: Sequence[tuple[str, str]],
                    now: datetime) -> list[str | None]:
    """For each (recipient, text) of ``batch``, in order, why it is BANNED (duplicate first,
    then flood), or None. ``earlier`` are the account's accepted messages to these numbers;
    the batch's own accepted items count too, a banned one does not. Texts are compared as
    given: the screen passes digests on both sides."""
    flood = limits.flood if limits.flood and limits.flood.on else None
    dup = limits.duplicate_minutes or 0
    flood_since = now - timedelta(minutes=flood.minutes) if flood else None
    dup_since = now - timedelta(minutes=dup)
    counts: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    for s in earlier:
        if flood_since is not None and s.at >= flood_since:
            counts[s.recipient] = counts.get(s.recipient, 0) + 1
        if dup and s.at >= dup_since:
            seen.add((s.recipient, s.text))
    out: list[str | None] = []
    for recipient, text in batch:
        if dup and (recipient, text) in seen:
            out.append(f"duplicate: the same text was sent to this number within {dup} minutes")
            continue
        if flood and counts.get(recipient, 0) >= flood.count:
            out.append(f"flood: more than {flood.count} messages to this number in "
                       f"{flood.minutes} minutes")
            continue
        out.append(None)
        counts[recipient] = counts.get(recipient, 0) + 1
        seen.add((recipient, text))
    return out


# -- quiet hours -------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def zones_of(e164: str) -> tuple[str, ...]:
    """The time zones phonenumbers gives for a number that this machine's tz database knows."""
    try:
        names = phone_zones.time_zones_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return ()
    return tuple(n for n in names if _zone(n) is not None)


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _quiet_end(at: datetime, quiet: QuietHours, zone: ZoneInfo) -> datetime | None:
    """When the quiet window around ``at`` ends in ``zone`` (UTC), or None if ``at`` is not
    in it."""
    local = at.astimezone(zone)
    if not quiet.covers(local.hour):
        return None
    day = local.date()
    if quiet.start > quiet.end and local.hour >= quiet.start:
        day += timedelta(days=1)
    end = datetime(day.year, day.month, day.day, quiet.end, tzinfo=zone)
    return end.astimezone(timezone.utc)


def quiet_until(due: datetime, quiet: QuietHours | None, zones: Sequence[str]) -> datetime | None:
    """When a message due at ``due`` may go, if that is later than ``due``; None otherwise.

    One zone: the end of its quiet window, when ``due`` falls in it. Several zones (Russian,
    Kazakh, Australian or North-American mobiles): the earliest moment that is outside the
    window in every zone; when no such moment exists (zones more than ``24 - quiet length``
    hours apart), the westernmost zone (smallest UTC offset at ``due``) decides, so every zone
    is past its morning. No known zone: the message is not held.
    """
    known = [z for z in (_zone(n) for n in zones) if z is not None]
    if quiet is None or not quiet.on or not known:
        return None
    at = due
    for _round in range(2 * len(known) + 2):
        ends = [e for e in (_quiet_end(at, quiet, z) for z in known) if e is not None]
        if not ends:
            return at if at > due else None
        at = max(ends)
        if at - due > timedelta(hours=48):
            break
    west = min(known, key=lambda z: (due.astimezone(z).utcoffset() or timedelta(0), str(z)))
    return _quiet_end(due, quiet, west)
