"""GSM 03.38 / UCS-2 encoding choice and segment counting.

A text that fits the GSM 03.38 default alphabet is sent 7-bit: 160 septets in one SMS, 153 per
part of a multipart message (the UDH takes the rest). An extension-table character costs two
septets (escape + char) and is never split across parts. Anything else is UCS-2: 70 UTF-16 code
units in one SMS, 67 per part; a character outside the BMP is a surrogate pair, two units, that
is never split either.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

# The GSM 03.38 default alphabet by code point; 0x1B is the escape to the extension table,
# not a character. Codecs (delivery/smpp/encoding.py) encode with these two tables.
GSM_ESCAPE = 0x1B
GSM_ALPHABET = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION_CODES = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F,
                       "[": 0x3C, "~": 0x3D, "]": 0x3E, "|": 0x40, "€": 0x65}

GSM_BASIC = frozenset(GSM_ALPHABET) - {GSM_ALPHABET[GSM_ESCAPE]}
GSM_EXTENSION = frozenset(GSM_EXTENSION_CODES)

SINGLE_GSM, PART_GSM = 160, 153
SINGLE_UCS2, PART_UCS2 = 70, 67
# A 16-bit concatenation reference makes the UDH one octet longer (7 instead of 6): one septet
# (7-bit: 56 bits of UDH pad to 8 septets) or one UCS-2 unit (133 octets hold 66) less per part.
PART_GSM_REF16, PART_UCS2_REF16 = 152, 66


class Encoding(enum.Enum):
    GSM7 = "GSM7"
    UCS2 = "UCS2"


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """How a text goes on the air: its encoding, length in units, and its parts."""

    encoding: Encoding
    units: int
    parts: tuple[str, ...]

    @property
    def segments(self) -> int:
        return len(self.parts)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def _gsm_cost(ch: str) -> int:
    return 2 if ch in GSM_EXTENSION else 1


def _ucs2_cost(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _split(text: str, cost: Callable[[str], int], single: int, per_part: int) -> tuple[int, tuple[str, ...]]:
    units = sum(cost(ch) for ch in text)
    if units <= single:
        return units, (text,)
    parts: list[str] = []
    start, used = 0, 0
    for i, ch in enumerate(text):
        c = cost(ch)
        if used + c > per_part:
            parts.append(text[start:i])
            start, used = i, 0
        used += c
    parts.append(text[start:])
    return units, tuple(parts)


def analyse(text: str) -> SegmentInfo:
    """Choose the encoding of ``text`` and split it into the parts a carrier will send."""
    if is_gsm7(text):
        units, parts = _split(text, _gsm_cost, SINGLE_GSM, PART_GSM)
        return SegmentInfo(Encoding.GSM7, units, parts)
    units, parts = _split(text, _ucs2_cost, SINGLE_UCS2, PART_UCS2)
    return SegmentInfo(Encoding.UCS2, units, parts)


def part_capacity(encoding: Encoding, reference: int) -> int:
    """The units one part of a concatenated SMS holds beside its UDH: 153 septets / 67 UCS-2
    units with an 8-bit reference (below 256), 152 / 66 with a 16-bit one."""
    if encoding is Encoding.GSM7:
        return PART_GSM if reference < 256 else PART_GSM_REF16
    return PART_UCS2 if reference < 256 else PART_UCS2_REF16


def analyse_part(text: str, reference: int) -> SegmentInfo | None:
    """A part the client split itself, sent as ONE SMS with a concatenation UDH: its encoding
    and units as one part, or None when it does not fit one (``part_capacity``)."""
    info = analyse(text)
    if info.units > part_capacity(info.encoding, reference):
        return None
    return SegmentInfo(info.encoding, info.units, (text,))
