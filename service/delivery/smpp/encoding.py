"""Text to short_message octets: GSM 03.38 (data_coding 0) or UCS-2 (data_coding 8), plus UDH.

With data_coding 0 SMPP carries the GSM 7-bit default alphabet unpacked, one septet per octet;
the SMSC packs it for the air. An extension-table character is sent as the escape 0x1B followed
by its code. smpplib's own ``gsm_encode`` is not used: its table puts '`' where GSM has '§'.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

from ...domain.encoding import GSM_ALPHABET, GSM_ESCAPE, GSM_EXTENSION_CODES, Encoding
from ...domain.message import ConcatPart

DATA_CODING_GSM = 0x00
DATA_CODING_UCS2 = 0x08
ESM_CLASS_DEFAULT = 0x00
ESM_CLASS_UDHI = 0x40
ESCAPE = GSM_ESCAPE

GSM_ENCODE: dict[str, bytes] = {ch: bytes([i]) for i, ch in enumerate(GSM_ALPHABET)
                                if i != ESCAPE}
GSM_ENCODE.update({ch: bytes([ESCAPE, code]) for ch, code in GSM_EXTENSION_CODES.items()})
_GSM_DECODE = {v: k for k, v in GSM_ENCODE.items()}


class UnencodableText(ValueError):
    """A part holds a character its encoding cannot carry (the split upstream was wrong)."""


def encode_gsm7(text: str) -> bytes:
    """GSM 03.38 septets, one per octet, extension characters escaped."""
    try:
        return b"".join(GSM_ENCODE[ch] for ch in text)
    except KeyError as exc:
        raise UnencodableText(f"not in the GSM 03.38 alphabet: {exc.args[0]!r}") from None


def decode_gsm7(octets: bytes) -> str:
    """The inverse of ``encode_gsm7`` (used by the loopback SMSC and tests)."""
    out, i = [], 0
    while i < len(octets):
        if octets[i] == ESCAPE and i + 1 < len(octets):
            out.append(_GSM_DECODE.get(octets[i:i + 2], " "))
            i += 2
        else:
            out.append(_GSM_DECODE.get(octets[i:i + 1], " "))
            i += 1
    return "".join(out)


def encode_ucs2(text: str) -> bytes:
    """UCS-2 big-endian; characters outside the BMP become UTF-16 surrogate pairs."""
    return text.encode("utf-16-be", errors="surrogatepass")


def concat_udh(reference: int, total: int, seq: int) -> bytes:
    """User data header with the 8-bit concatenation IE: 05 00 03 ref total seq."""
    return bytes([0x05, 0x00, 0x03, reference & 0xFF, total, seq])


def concat_udh16(reference: int, total: int, seq: int) -> bytes:
    """User data header with the 16-bit concatenation IE: 06 08 04 ref_hi ref_lo total seq."""
    return bytes([0x06, 0x08, 0x04, reference >> 8 & 0xFF, reference & 0xFF, total, seq])


@dataclass(frozen=True, slots=True)
class PartPayload:
    """What one submit_sm carries for one part."""

    short_message: bytes
    data_coding: int
    esm_class: int


# Octets of user data one part may carry (unpacked septets for GSM), by (coding, multipart).
_LIMITS = {(DATA_CODING_GSM, False): 160, (DATA_CODING_GSM, True): 153,
           (DATA_CODING_UCS2, False): 140, (DATA_CODING_UCS2, True): 134}
# ... beside a 16-bit reference's UDH, one octet longer (GSM: 56 bits pad to 8 septets).
_LIMITS_REF16 = {DATA_CODING_GSM: 152, DATA_CODING_UCS2: 132}

_refs = itertools.count(1)
_refs_lock = threading.Lock()


def next_reference() -> int:
    """A concatenation reference that differs from the last 255 messages of this process."""
    with _refs_lock:
        return next(_refs) & 0xFF


def part_payloads(parts: tuple[str, ...], encoding: Encoding,
                  reference: int | None = None,
                  concat: ConcatPart | None = None) -> list[PartPayload]:
    """One payload per part; several parts get a UDH each and esm_class UDHI.

    ``concat``: the one part of a text the client split itself; it goes out with the client's
    numbering in an 8-bit reference UDH (reference below 256) or a 16-bit one."""
    if encoding is Encoding.GSM7:
        coding, encode = DATA_CODING_GSM, encode_gsm7
    else:
        coding, encode = DATA_CODING_UCS2, encode_ucs2
    if concat is not None:
        if len(parts) != 1:
            raise UnencodableText(f"a client's concatenated part is one SMS, not {len(parts)}")
        return [_client_part(encode(parts[0]), coding, concat)]
    if not 1 <= len(parts) <= 255:
        raise UnencodableText(f"{len(parts)} parts: SMPP concatenation allows 1 to 255")
    bodies = [encode(p) for p in parts]
    limit = _LIMITS[(coding, len(bodies) > 1)]
    for i, body in enumerate(bodies, start=1):
        if len(body) > limit:
            raise UnencodableText(f"part {i} has {len(body)} octets; at most {limit} fit")
    if len(bodies) == 1:
        return [PartPayload(bodies[0], coding, ESM_CLASS_DEFAULT)]
    ref = next_reference() if reference is None else reference
    total = len(bodies)
    return [PartPayload(concat_udh(ref, total, i) + body, coding, ESM_CLASS_UDHI)
            for i, body in enumerate(bodies, start=1)]


def _client_part(body: bytes, coding: int, part: ConcatPart) -> PartPayload:
    if not (0 <= part.reference <= 0xFFFF and 1 <= part.sequence <= part.total <= 255):
        raise UnencodableText(f"bad concatenation numbering {part}")
    small = part.reference <= 0xFF
    limit = _LIMITS[(coding, True)] if small else _LIMITS_REF16[coding]
    if len(body) > limit:
        raise UnencodableText(f"the part has {len(body)} octets; at most {limit} fit")
    udh = (concat_udh if small else concat_udh16)(part.reference, part.total, part.sequence)
    return PartPayload(udh + body, coding, ESM_CLASS_UDHI)
