"""A submit_sm's text: data_coding, the user data header and the SAR / message_payload TLVs.

SMPP carries GSM 03.38 (data_coding 0) unpacked, one septet per octet, extension characters
escaped with 0x1B; the SMSC packs it for the air. A user data header (esm_class UDHI) precedes
the text in the same octets, with no fill bits. Decoding is strict: a text that would reach a
handset garbled is refused with the command_status in ``TextError.status``.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from ...domain.encoding import GSM_ALPHABET, GSM_ESCAPE, GSM_EXTENSION_CODES
from ...domain.message import ConcatPart

# command_status values (SMPP 3.4 §5.1.3) a text can earn.
ESME_RINVMSGLEN = 0x01       # the octets do not add up: UDH lengths, odd UCS-2, both text fields
ESME_RSUBMITFAIL = 0x45      # undecodable text or unsupported data_coding (3.4 has no ESME_RINVDCS)
ESME_RINVPARLEN = 0xC2       # a SAR TLV of the wrong length
ESME_RMISSINGOPTPARAM = 0xC3  # one or two of the three SAR TLVs
ESME_RINVOPTPARAMVAL = 0xC4  # concatenation numbers out of range (sequence 0 or over total)

DC_DEFAULT = 0x00   # SMSC default alphabet: GSM 03.38 here
DC_IA5 = 0x01
DC_LATIN1 = 0x03
DC_UCS2 = 0x08

ESM_UDHI = 0x40

TLV_SAR_MSG_REF_NUM = 0x020C
TLV_SAR_TOTAL_SEGMENTS = 0x020E
TLV_SAR_SEGMENT_SEQNUM = 0x020F
TLV_MESSAGE_PAYLOAD = 0x0424

IEI_CONCAT_8BIT = 0x00
IEI_CONCAT_16BIT = 0x08

_UNDEFINED = "\ufffe"   # codecs.charmap_decode's marker for an octet with no character

# Octet -> character for unescaped GSM septets; 0x1B and 0x80..0xFF have none.
# (typeshed types charmap tables narrower than the C codec takes: a str, octets as values.)
_GSM_DECODING_TABLE: Any = "".join(
    ch if i != GSM_ESCAPE else _UNDEFINED for i, ch in enumerate(GSM_ALPHABET)
) + _UNDEFINED * 128

# The octet after an escape -> character. GSM 03.38 §6.2.1.1: a code the extension table
# lacks shows the main-table character, and 0x1B 0x1B (a further table, undefined) a space.
_GSM_ESCAPED: list[str | None] = [GSM_ALPHABET[i] for i in range(128)] + [None] * 128
for _ch, _code in GSM_EXTENSION_CODES.items():
    _GSM_ESCAPED[_code] = _ch
_GSM_ESCAPED[GSM_ESCAPE] = " "

# Character -> octets, for charmap_encode; the escape placeholder itself is not encodable.
_gsm_encoding: dict[int, int | bytes] = {
    ord(ch): i for i, ch in enumerate(GSM_ALPHABET) if i != GSM_ESCAPE}
_gsm_encoding.update(
    {ord(ch): bytes([GSM_ESCAPE, code]) for ch, code in GSM_EXTENSION_CODES.items()})
_GSM_ENCODING_MAP = cast(Any, _gsm_encoding)


class TextError(ValueError):
    """The short_message cannot be taken as text; ``status`` is the command_status to answer."""

    def __init__(self, message: str, status: int = ESME_RSUBMITFAIL) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class ShortMessage:
    """The text of one submit_sm, and the part of a client-split message it is, if any."""

    text: str
    concat: ConcatPart | None


def decode_short_message(data_coding: int, esm_class: int, short_message: bytes,
                         tlvs: Mapping[int, bytes]) -> ShortMessage:
    """The text and concatenation of a submit_sm; raises TextError.

    ``message_payload`` (0x0424) carries the text when ``short_message`` is empty; both non-empty
    is refused. With UDHI in ``esm_class`` the user data starts with a UDH whose concatenation
    IE (0x00 8-bit or 0x08 16-bit reference) gives the part; other IEs are skipped. Otherwise the
    three SAR TLVs, when present, give it.
    """
    data, concat = short_message, None
    if tlvs:
        payload = tlvs.get(TLV_MESSAGE_PAYLOAD)
        if payload:
            if short_message:
                raise TextError("both short_message and message_payload carry a text",
                                ESME_RINVMSGLEN)
            data = payload
        if TLV_SAR_MSG_REF_NUM in tlvs or TLV_SAR_TOTAL_SEGMENTS in tlvs \
                or TLV_SAR_SEGMENT_SEQNUM in tlvs:
            concat = _sar(tlvs)
    if esm_class & ESM_UDHI:
        udh_concat, data = _split_udh(data)
        if udh_concat is not None:   # the UDH wins over SAR TLVs, as it would on a handset
            concat = udh_concat
    if data_coding == DC_DEFAULT:    # the common case, kept to one table-driven C call
        return ShortMessage(_decode_gsm(data), concat)
    return ShortMessage(decode_text(data_coding, data), concat)


def decode_text(data_coding: int, data: bytes) -> str:
    """The user data after any UDH, as text, by ``data_coding``; raises TextError."""
    if data_coding == DC_DEFAULT:
        return _decode_gsm(data)
    if data_coding == DC_UCS2:
        if len(data) % 2:
            raise TextError(f"UCS-2 text of {len(data)} octets, an odd number", ESME_RINVMSGLEN)
        try:
            text = data.decode("utf-16-be")
        except UnicodeDecodeError:
            raise TextError("UCS-2 text with a broken surrogate pair") from None
    elif data_coding == DC_LATIN1:
        text = data.decode("latin-1")
    elif data_coding == DC_IA5:
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise TextError("IA5 text with an octet over 0x7F") from None
    else:
        raise TextError(f"data_coding 0x{data_coding:02X} is not supported (0, 1, 3, 8 are)")
    return _without_nul(text)


def encode_for_deliver(text: str) -> tuple[int, bytes]:
    """(data_coding, octets) for a deliver_sm: GSM 03.38 unpacked (0) if every character fits,
    else UCS-2 big-endian (8), a character it cannot carry (a lone surrogate) as '?'."""
    try:
        return DC_DEFAULT, codecs.charmap_encode(text, "strict", _GSM_ENCODING_MAP)[0]
    except UnicodeEncodeError:
        return DC_UCS2, text.encode("utf-16-be", errors="replace")


SMS_GSM_SEPTETS = 160   # one SMS: 140 octets of user data, as GSM septets
SMS_UCS2_OCTETS = 140   # ... or as UCS-2 (70 characters)


def fits_one_sms(data_coding: int, octets: bytes) -> bool:
    """Whether ``octets`` (as ``encode_for_deliver`` made them) fit one SMS without a UDH:
    160 GSM 03.38 septets (an escaped character counts two) or 140 octets of UCS-2."""
    limit = SMS_GSM_SEPTETS if data_coding == DC_DEFAULT else SMS_UCS2_OCTETS
    return len(octets) <= limit


def encode_gsm(text: str) -> bytes:
    """GSM 03.38 unpacked octets; raises TextError for a character outside the alphabet."""
    try:
        return codecs.charmap_encode(text, "strict", _GSM_ENCODING_MAP)[0]
    except UnicodeEncodeError as exc:
        raise TextError(f"not in the GSM 03.38 alphabet: {exc.object[exc.start]!r}") from None


def _charmap(data: bytes) -> str:
    try:
        return codecs.charmap_decode(data, "strict", _GSM_DECODING_TABLE)[0]
    except UnicodeDecodeError as exc:
        raise TextError(f"octet 0x{exc.object[exc.start]:02X} is not a GSM 03.38 septet") from None


def _decode_gsm(data: bytes) -> str:
    if GSM_ESCAPE not in data:
        return _charmap(data)
    out: list[str] = []
    start, end = 0, len(data)
    while True:
        i = data.find(GSM_ESCAPE, start)
        if i < 0:
            out.append(_charmap(data[start:]))
            return "".join(out)
        out.append(_charmap(data[start:i]))
        if i + 1 == end:
            raise TextError("GSM 03.38 text ends in an escape (0x1B) with nothing after it")
        ch = _GSM_ESCAPED[data[i + 1]]
        if ch is None:
            raise TextError(f"octet 0x{data[i + 1]:02X} is not a GSM 03.38 septet")
        out.append(ch)
        start = i + 2


def _without_nul(text: str) -> str:
    # C-string habits leave a trailing NUL; a NUL inside could not be stored (PostgreSQL text).
    if "\x00" in text:
        text = text.rstrip("\x00")
        if "\x00" in text:
            raise TextError("the text holds a NUL character")
    return text


def _split_udh(data: bytes) -> tuple[ConcatPart | None, bytes]:
    if not data:
        raise TextError("UDHI is set but the user data is empty", ESME_RINVMSGLEN)
    end = 1 + data[0]
    if end > len(data):
        raise TextError(f"the UDH length {data[0]} runs past the {len(data)} octets of user data",
                        ESME_RINVMSGLEN)
    concat = None
    i = 1
    while i < end:
        if i + 2 > end:
            raise TextError("a UDH information element is cut short", ESME_RINVMSGLEN)
        iei, length = data[i], data[i + 1]
        i += 2
        if i + length > end:
            raise TextError(f"UDH element 0x{iei:02X} of {length} octets runs past the UDH",
                            ESME_RINVMSGLEN)
        if iei == IEI_CONCAT_8BIT:
            if length != 3:
                raise TextError(f"8-bit concatenation element of {length} octets, not 3",
                                ESME_RINVMSGLEN)
            concat = _concat(data[i], data[i + 1], data[i + 2])
        elif iei == IEI_CONCAT_16BIT:
            if length != 4:
                raise TextError(f"16-bit concatenation element of {length} octets, not 4",
                                ESME_RINVMSGLEN)
            concat = _concat((data[i] << 8) | data[i + 1], data[i + 2], data[i + 3])
        i += length
    return concat, data[end:]


def _sar(tlvs: Mapping[int, bytes]) -> ConcatPart:
    values = [tlvs.get(TLV_SAR_MSG_REF_NUM), tlvs.get(TLV_SAR_TOTAL_SEGMENTS),
              tlvs.get(TLV_SAR_SEGMENT_SEQNUM)]
    if any(v is None for v in values):
        raise TextError("sar_msg_ref_num, sar_total_segments and sar_segment_seqnum go together",
                        ESME_RMISSINGOPTPARAM)
    ref, total, seq = (v or b"" for v in values)
    if len(ref) != 2 or len(total) != 1 or len(seq) != 1:
        raise TextError("SAR TLV lengths must be 2, 1 and 1 octets", ESME_RINVPARLEN)
    return _concat(int.from_bytes(ref, "big"), total[0], seq[0], ESME_RINVOPTPARAMVAL)


def _concat(reference: int, total: int, sequence: int,
            status: int = ESME_RSUBMITFAIL) -> ConcatPart:
    if not 1 <= sequence <= total:
        raise TextError(f"part {sequence} of {total}: parts are numbered 1 to the total", status)
    return ConcatPart(reference, total, sequence)
