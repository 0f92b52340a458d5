"""Inbound messages (MO) inside deliver_sm: from the PDU to an ``InboundPart``.

A deliver_sm without the receipt bits in ``esm_class`` is a short message from a handset. Its
text is read with the shared codec (``protocols/smpp/text.py``) where the octets allow, and
best-effort where they do not, because refusing an MO loses a customer's message for good
(a permanent error: the SMSC drops it) or forever (a temporary one: it is resent for days):

- an unknown or binary ``data_coding``, or octets the declared alphabet lacks: stored, decoded
  as Latin-1 (every octet kept, one character each), with a warning naming the data_coding;
- UCS-2 of an odd length or with a broken surrogate pair: the unreadable units become U+FFFD;
- a NUL inside the text (it could not be stored): U+FFFD; trailing NULs (C habits) dropped;
- a concatenation element whose part number is 0 or above the part count, or whose part count
  is 0: ignored, as 3GPP TS 23.040 §9.2.3.24.1 tells a handset to; the part is kept as a
  message of its own. 255 parts is legal and kept as such;
- an empty text: stored as an empty message (a handset can send one; it is still a reply).

Only a deliver_sm whose octets cannot be framed is refused, permanently, with
``ESME_RINVMSGLEN``: a user data header whose length, or one of whose elements, runs past the
octets it claims (resending the same octets cannot help; the PDU is logged in hex so the
operator can take it up with the carrier).
"""

from __future__ import annotations

import logging
from datetime import datetime

from ...domain.inbound import InboundPart
from ...domain.message import ConcatPart
from ...protocols.smpp.text import (
    DC_DEFAULT,
    DC_IA5,
    DC_LATIN1,
    DC_UCS2,
    ESM_UDHI,
    IEI_CONCAT_8BIT,
    IEI_CONCAT_16BIT,
    TLV_MESSAGE_PAYLOAD,
    TLV_SAR_MSG_REF_NUM,
    TLV_SAR_SEGMENT_SEQNUM,
    TLV_SAR_TOTAL_SEGMENTS,
    TextError,
    decode_text,
)
from .pdus import DeliverSm

log = logging.getLogger(__name__)

ESME_RINVMSGLEN = 0x01
TON_INTERNATIONAL = 1

# data_coding values the shared codec reads exactly.
_EXACT = {DC_DEFAULT, DC_IA5, DC_LATIN1, DC_UCS2}
# Other SMPP 3.4 data codings with a Python codec: Cyrillic, Latin/Hebrew.
_CODECS = {0x06: "iso8859_5", 0x07: "iso8859_8"}


class MoRefused(ValueError):
    """A deliver_sm whose octets cannot be framed; ``status`` is the permanent error to answer."""

    def __init__(self, message: str, status: int = ESME_RINVMSGLEN) -> None:
        super().__init__(message)
        self.status = status


def part_from_deliver(deliver: DeliverSm, received_at: datetime) -> InboundPart:
    """The inbound part a (non-receipt) deliver_sm carries; raises MoRefused (see the module)."""
    data = deliver.short_message
    payload = deliver.tlvs.get(TLV_MESSAGE_PAYLOAD, b"")
    if payload and data:
        log.warning("MO from %s has both short_message and message_payload; using short_message",
                    deliver.source_addr)
    data = data or payload
    concat = _sar(deliver.tlvs)
    if deliver.esm_class & ESM_UDHI and data:
        udh_concat, data, had_concat = read_udh(data)
        if had_concat:
            concat = udh_concat    # the UDH wins over SAR TLVs, as it would on a handset
    text = mo_text(deliver.data_coding, data)
    return InboundPart(source=address(deliver.source_addr, deliver.source_ton),
                       destination=address(deliver.destination_addr, deliver.destination_ton),
                       text=text, received_at=received_at, concat=concat)


def address(addr: str, ton: int) -> str:
    """An SMPP address as the gateway writes numbers: international ones with their ``+``."""
    addr = addr.strip()
    if ton == TON_INTERNATIONAL and addr.isdigit():
        return "+" + addr
    return addr


def read_udh(data: bytes) -> tuple[ConcatPart | None, bytes, bool]:
    """(concatenation, the user data after the UDH, whether the UDH had a concatenation
    element). An invalid concatenation element is ignored (None); raises MoRefused when the
    UDH's lengths run past the octets."""
    end = 1 + data[0]
    if end > len(data):
        raise MoRefused(f"the UDH length {data[0]} runs past the {len(data)} octets of user data")
    concat, had_concat, i = None, False, 1
    while i < end:
        if i + 2 > end:
            raise MoRefused("a UDH information element is cut short")
        iei, length = data[i], data[i + 1]
        i += 2
        if i + length > end:
            raise MoRefused(f"UDH element 0x{iei:02X} of {length} octets runs past the UDH")
        value = data[i:i + length]
        if iei == IEI_CONCAT_8BIT and length == 3:
            had_concat, concat = True, _concat(value[0], value[1], value[2])
        elif iei == IEI_CONCAT_16BIT and length == 4:
            had_concat = True
            concat = _concat(int.from_bytes(value[:2], "big"), value[2], value[3])
        i += length
    return concat, data[end:], had_concat


def mo_text(data_coding: int, data: bytes) -> str:
    """The text of an MO's user data (after any UDH), exact where the codec allows, else
    best-effort with a warning; never raises."""
    alphabet = _alphabet(data_coding)
    if alphabet in _EXACT:
        try:
            return decode_text(alphabet, data)
        except TextError as exc:
            log.warning("MO text in data_coding 0x%02X is not quite that (%s); kept best-effort",
                        data_coding, exc)
            if alphabet == DC_UCS2:
                return _clean(data.decode("utf-16-be", errors="replace"))
            return _clean(data.decode("latin-1"))
    if data_coding in _CODECS:
        return _clean(data.decode(_CODECS[data_coding], errors="replace"))
    log.warning("MO in data_coding 0x%02X (binary or unknown) kept as Latin-1, octet for octet",
                data_coding)
    return _clean(data.decode("latin-1"))


def _alphabet(data_coding: int) -> int | None:
    """The SMPP alphabet (0, 1, 3, 8) a data_coding means, or None (binary, unknown).

    0x00-0x0F are SMPP's own values; above them the GSM 03.38 data coding scheme groups hold:
    general coding (0x00-0x3F, uncompressed only), message waiting (0xC0-0xDF GSM, 0xE0-0xEF
    UCS-2) and data coding / message class (0xF0-0xFF: bit 2 set means 8-bit data)."""
    if data_coding < 0x10:
        return data_coding if data_coding in _EXACT else None
    if data_coding < 0x40:
        if data_coding & 0x20:      # compressed
            return None
        return {0: DC_DEFAULT, 2: DC_UCS2}.get((data_coding >> 2) & 0x03)
    if 0xC0 <= data_coding < 0xE0:
        return DC_DEFAULT
    if 0xE0 <= data_coding < 0xF0:
        return DC_UCS2
    if data_coding >= 0xF0:
        return None if data_coding & 0x04 else DC_DEFAULT
    return None


def _clean(text: str) -> str:
    text = text.rstrip("\x00")
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _sar(tlvs: dict[int, bytes]) -> ConcatPart | None:
    ref, total, seq = (tlvs.get(TLV_SAR_MSG_REF_NUM), tlvs.get(TLV_SAR_TOTAL_SEGMENTS),
                       tlvs.get(TLV_SAR_SEGMENT_SEQNUM))
    if ref is None and total is None and seq is None:
        return None
    if ref is None or total is None or seq is None or len(ref) != 2 or len(total) != 1 \
            or len(seq) != 1:
        log.warning("MO with incomplete or malformed SAR TLVs; kept as a message of its own")
        return None
    return _concat(int.from_bytes(ref, "big"), total[0], seq[0])


def _concat(reference: int, total: int, sequence: int) -> ConcatPart | None:
    if not 1 <= sequence <= total:
        log.warning("MO part %d of %d ignored as a part (TS 23.040: the element is ignored); "
                    "kept as a message of its own", sequence, total)
        return None
    return ConcatPart(reference, total, sequence)
