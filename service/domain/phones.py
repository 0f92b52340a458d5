"""Recipient numbers: split a list, normalise each number to E.164 with ``phonenumbers``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

_SEPARATORS = re.compile(r"[,;\n]")
_MAX_RAW_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Recipient:
    """One requested recipient: what the client wrote, and its E.164 form when it is valid."""

    raw: str
    e164: str | None

    @property
    def valid(self) -> bool:
        return self.e164 is not None

    @property
    def address(self) -> str:
        """What we store and show: E.164 when valid, else the client's text, trimmed."""
        return self.e164 or self.raw


def split_recipients(items: list[str] | tuple[str, ...]) -> list[str]:
    """Flatten items that may each hold several numbers separated by commas or semicolons."""
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        for piece in _SEPARATORS.split(item):
            piece = piece.strip()
            if piece:
                out.append(piece)
    return out


@lru_cache(maxsize=65536)
def normalise(raw: str, default_region: str) -> Recipient:
    """Normalise one number. ``8 (999) 123-45-67`` needs the default region; ``+`` never does.

    A number without ``+`` whose digits already carry a country code (``79991234567``) is
    taken as international when it is valid that way and not in the default region.
    """
    text = raw.strip()[:_MAX_RAW_LENGTH]
    candidates: list[tuple[str, str | None]] = []
    if text.startswith("+"):
        candidates.append((text, None))
    else:
        candidates.append((text, default_region))
        digits = re.sub(r"\D", "", text)
        if digits:
            candidates.append(("+" + digits, None))
    for number, region in candidates:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return Recipient(raw=text, e164=phonenumbers.format_number(
                parsed, phonenumbers.PhoneNumberFormat.E164))
    return Recipient(raw=text, e164=None)
