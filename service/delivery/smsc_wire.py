"""The loopback SMSC's wire format and test knobs: PDU framing, what it records, how it behaves."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime

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
