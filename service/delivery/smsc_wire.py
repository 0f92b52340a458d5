"""The loopback SMSC's wire format and test knobs: PDU framing, what it records, how it behaves."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime

from ..domain.encoding import GSM_ALPHABET, GSM_ESCAPE, GSM_EXTENSION_CODES

HEADER = struct.Struct(">IIII")
GENERIC_NACK, SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK = 0x80000000, 0x04, 0x05, 0x06, 0x15
BIND_COMMANDS = {0x01, 0x02, 0x09}     # bind_receiver, bind_transmitter, bind_transceiver
RESP_BIT = 0x80000000
ESME_RINVBNDSTS, ESME_RBINDFAIL, ESME_RINVCMDID = 0x04, 0x0D, 0x03
ESME_RMSGQFUL, ESME_RTHROTTLED = 0x14, 0x58
OUTCOMES = {"0000": ("UNDELIV", 5, 1), "0001": ("EXPIRED", 3, 0), "0002": ("REJECTD", 8, 0)}
NO_RECEIPT = "0003"


@dataclass
class Behaviour:
    """What the SMSC does; counters named ``*_next`` count down as they are used."""

    system_id: str = "smsgw"
    password: str = "secret"
    resp_id_format: str = "hex"             # "hex" (upper case, 8 digits) or "decimal"
    receipt_id_format: str | None = None    # None: the same form as in submit_sm_resp
    receipt_form: str = "text"              # "text", "tlv" or "both"
    receipt_id_nul: bool = True             # False: receipted_message_id without its NUL
    receipts: bool = True
    receipt_delay: float = 0.0
    resp_delay: float = 0.0
    throttle_above_tps: int | None = None   # RTHROTTLED once this many were accepted in 1 s
    throttle_next: int = 0                  # the next K submit_sm get RTHROTTLED
    msgqful_next: int = 0                   # the next K submit_sm get RMSGQFUL
    nack_next: int = 0                      # the next K submit_sm get generic_nack
    refuse_next: int = 0                    # the next K submit_sm get ``refuse_status``
    refuse_status: int = 0x0B               # ESME_RINVDSTADR
    drop_on_submit: int | None = None       # the Nth submit_sm from now: close, no answer
    redeliver_delay: float = 0.2            # after a non-OK deliver_sm_resp
    redeliver_limit: int = 5
    mo_redeliver_limit: int = 50            # resends of an MO answered with a temporary error
    mo_window: int = 0                      # MO deliver_sm unanswered at once per bind (0: any)
    record: bool = True                     # keep a SubmitRecord per submit_sm (off for demos)


@dataclass(frozen=True)
class SubmitRecord:
    """One submit_sm as the SMSC received it, and how it answered ("ok", "throttled", ...)."""

    ordinal: int
    session: int
    destination_addr: str
    source_addr: str
    esm_class: int
    data_coding: int
    registered_delivery: int
    udh: bytes
    body: bytes
    message_id: str | None
    answer: str
    received_at: float

    @property
    def short_message(self) -> bytes:
        return self.udh + self.body


@dataclass
class PendingReceipt:
    message_id: int
    destination: str
    source: str
    stat: str
    state: int
    err: int
    text: str
    submitted: datetime
    attempts: int = 0
    origin: int = 0


def read_cstr(body: bytes, pos: int) -> tuple[str, int]:
    end = body.index(b"\0", pos)
    return body[pos:end].decode("latin-1"), end + 1


def pack_pdu(command_id: int, status: int, sequence: int, body: bytes = b"") -> bytes:
    return HEADER.pack(16 + len(body), command_id, status, sequence) + body


def format_id(number: int, form: str) -> str:
    return f"{number:08X}" if form == "hex" else str(number)


# -- mobile-originated messages (MO) -----------------------------------------------------------

ESME_RX_T_APPN, ESME_RSYSERR = 0x64, 0x08
# deliver_sm_resp statuses after which a real SMSC delivers the MO again later.
MO_TEMPORARY = frozenset({ESME_RX_T_APPN, ESME_RSYSERR, ESME_RMSGQFUL, ESME_RTHROTTLED})
MO_CONCAT = ("udh8", "udh16", "sar")


@dataclass
class PendingMo:
    """One deliver_sm carrying an MO (or one part of one), delivered until acknowledged."""

    mo_id: int
    part: int | None            # its part number, None for a single message
    source: str
    destination: str
    esm_class: int
    data_coding: int
    short_message: bytes
    tlvs: bytes = b""
    attempts: int = 0


@dataclass(frozen=True)
class MoAck:
    """A deliver_sm_resp the SMSC got for an MO part: its MO, part, attempt and status."""

    mo_id: int
    part: int | None
    attempt: int
    status: int


def encode_mo_text(text: str, alphabet: str) -> tuple[int, bytes]:
    """(data_coding, octets): "gsm" unpacked septets (0), "ucs2" big-endian (8), "latin1" (3).
    Written here, independently of the connector's codec, so that the two check each other."""
    if alphabet == "ucs2":
        return 0x08, text.encode("utf-16-be")
    if alphabet == "latin1":
        return 0x03, text.encode("latin-1")
    out = bytearray()
    for ch in text:
        if ch in GSM_EXTENSION_CODES:
            out += bytes([GSM_ESCAPE, GSM_EXTENSION_CODES[ch]])
        else:
            code = GSM_ALPHABET.index(ch)       # ValueError: not in the GSM alphabet
            if code == GSM_ESCAPE:
                raise ValueError("the escape placeholder is no character")
            out.append(code)
    return 0x00, bytes(out)


def split_mo_text(text: str, parts: int | None, alphabet: str) -> list[str]:
    """The text in ``parts`` pieces of (nearly) equal length; None: as a handset splits it
    (one part up to 160 GSM / 70 UCS-2 characters, else 153 / 67 per part)."""
    if parts is None:
        single, each = (70, 67) if alphabet == "ucs2" else (160, 153)
        if len(text) <= single:
            return [text]
        parts = -(-len(text) // each)
    size = -(-len(text) // parts) if text else 0
    return [text[i * size:(i + 1) * size] for i in range(parts)]


def mo_deliver_body(mo: PendingMo) -> bytes:
    """A deliver_sm body: source international (1/1), destination unknown TON (0/1)."""
    sm = mo.short_message
    tlvs = mo.tlvs
    if len(sm) > 254:                       # too long for short_message: message_payload
        tlvs, sm = tlvs + struct.pack(">HH", 0x0424, len(sm)) + sm, b""
    return (b"\0" + bytes([1, 1]) + mo.source.encode() + b"\0" + bytes([0, 1])
            + mo.destination.encode() + b"\0" + bytes([mo.esm_class, 0, 0]) + b"\0\0"
            + bytes([0, 0, mo.data_coding, 0, len(sm)]) + sm + tlvs)


def mo_parts(mo_id: int, source: str, destination: str, pieces: list[bytes], data_coding: int,
             concat: str, reference: int) -> list[PendingMo]:
    """One PendingMo per piece, numbered 1..n with ``concat`` ("udh8", "udh16" or "sar")."""
    if len(pieces) == 1:
        return [PendingMo(mo_id, None, source, destination, 0, data_coding, pieces[0])]
    total, out = len(pieces), []
    for n, piece in enumerate(pieces, 1):
        esm, sm, tlvs = 0, piece, b""
        if concat == "udh8":
            esm, sm = 0x40, bytes([5, 0x00, 3, reference & 0xFF, total, n]) + piece
        elif concat == "udh16":
            esm, sm = 0x40, bytes([6, 0x08, 4, (reference >> 8) & 0xFF, reference & 0xFF,
                                   total, n]) + piece
        else:
            tlvs = (struct.pack(">HHH", 0x020C, 2, reference & 0xFFFF)
                    + struct.pack(">HHB", 0x020E, 1, total) + struct.pack(">HHB", 0x020F, 1, n))
        out.append(PendingMo(mo_id, n, source, destination, esm, data_coding, sm, tlvs))
    return out
