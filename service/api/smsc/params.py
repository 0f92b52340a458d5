"""smsc request parameters: ``time`` formats, the ``query`` string, transliteration."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

from ...domain.errors import ValidationError
from ...domain.values import is_ascii_digits, parse_int, utc_from_timestamp

MOSCOW = timezone(timedelta(hours=3))  # smsc's times are Moscow time unless ``tz`` says otherwise
SUPPORTED_QUERY = ("valid", "tz", "translit", "cost")


class DateFormatError(ValidationError):
    """``time`` in none of smsc's formats (smsc error 5)."""

    def __init__(self, value: str) -> None:
        super().__init__(f"invalid time {value!r}: use 0, DDMMYYhhmm, h1-h2 or 0<unix time>",
                         field="time")


def parse_query(text: str | None) -> dict[str, str]:
    """``p1=v1&p2=v2``; unknown parameters are ignored (docs/smsc.md lists what is read)."""
    if not text:
        return {}
    return {k.lower(): v for k, v in parse_qsl(text, keep_blank_values=True)
            if k.lower() in SUPPORTED_QUERY}


def zone(query: dict[str, str]) -> timezone:
    """``tz``: hours relative to Moscow (smsc's convention); 0 or absent is Moscow."""
    offset = parse_int(query.get("tz") or "0", "tz", low=-15, high=12)
    return timezone(timedelta(hours=3 + offset))


def send_time(value: str | None, tz: timezone, now: datetime) -> datetime | None:
    """None for now; otherwise the UTC time to send at."""
    text = (value or "").strip()
    if text in ("", "0"):
        return None
    if text.startswith("0") and is_ascii_digits(text[1:]):
        if len(text) > 13:  # a Unix time of more than 12 digits is past year 9999
            raise DateFormatError(text)
        return utc_from_timestamp(int(text[1:]), "time")
    if "-" in text:
        first, _, last = text.partition("-")
        if is_ascii_digits(first) and is_ascii_digits(last) and len(first) <= 2 \
                and len(last) <= 2 and 0 <= int(first) < int(last) <= 24:
            local = now.astimezone(tz)
            if int(first) <= local.hour < int(last):
                return None
            start = local.replace(hour=int(first), minute=0, second=0, microsecond=0)
            if local.hour >= int(last):
                start += timedelta(days=1)
            return start.astimezone(timezone.utc)
        raise DateFormatError(text)
    if len(text) == 10 and is_ascii_digits(text):
        try:
            local = datetime.strptime(text, "%d%m%y%H%M").replace(tzinfo=tz)
        except ValueError as exc:
            raise DateFormatError(text) from exc
        return local.astimezone(timezone.utc)
    raise DateFormatError(text)


def validity_minutes(query: dict[str, str]) -> int | None:
    """``valid``: hh:mm or whole hours (the use case bounds the total)."""
    value = query.get("valid")
    if not value:
        return None
    hours, _, minutes = value.partition(":")
    if not is_ascii_digits(hours) or (minutes and not is_ascii_digits(minutes)):
        raise ValidationError(f"invalid valid={value!r}: hh:mm or hours", field="valid")
    return parse_int(hours, "valid", low=0, high=10 ** 9) * 60 + \
        parse_int(minutes or "0", "valid", low=0, high=59)


_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "h", "ts", "ch", "sh", "sch", "", "y", "'", "e", "yu", "ya"]))


def transliterate(text: str) -> str:
    out = []
    for ch in text:
        low = ch.lower()
        if low in _TRANSLIT:
            latin = _TRANSLIT[low]
            out.append(latin.capitalize() if ch != low else latin)
        else:
            out.append(ch)
    return "".join(out)
