"""SMPP 3.4 PDUs as bytes: built and parsed with smpplib, except deliver_sm (parsed here).

deliver_sm is read by a small lenient parser because smpplib drops the last character of a
TLV string sent without its NUL (receipted_message_id, as some SMSCs send it) and rejects the
whole PDU on a TLV length it does not expect; a receipt must never be lost to either.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import datetime, timezone

from smpplib import smpp

from .encoding import PartPayload

HEADER = struct.Struct(">IIII")
GENERIC_NACK = 0x80000000
BIND_TRANSCEIVER, BIND_TRANSCEIVER_RESP = 0x00000009, 0x80000009
SUBMIT_SM, SUBMIT_SM_RESP = 0x00000004, 0x80000004
DELIVER_SM, DELIVER_SM_RESP = 0x00000005, 0x80000005
UNBIND, UNBIND_RESP = 0x00000006, 0x80000006
ENQUIRE_LINK, ENQUIRE_LINK_RESP = 0x00000015, 0x80000015
ALERT_NOTIFICATION = 0x00000102

ESME_ROK = 0x00
ESME_RINVCMDLEN = 0x02
ESME_RINVCMDID = 0x03
ESME_RBINDFAIL = 0x0D
ESME_RMSGQFUL = 0x14
ESME_RTHROTTLED = 0x58
ESME_RX_T_APPN = 0x64
ESME_RSYSERR = 0x08
RETRYABLE = frozenset({ESME_RTHROTTLED, ESME_RMSGQFUL})
# Not about this message: the worker retries it later with its own backoff.
TEMPORARY = frozenset({ESME_RSYSERR, ESME_RX_T_APPN})


class _NoSequence:
    """The 'client' smpplib asks for sequence numbers; ours are set on each PDU instead."""

    sequence = 0

    def next_sequence(self) -> int:
        return 0


_CLIENT = _NoSequence()


@dataclass(frozen=True, slots=True)
class Frame:
    """One PDU as read off the wire: its header fields and all of its bytes."""

    command_id: int
    status: int
    sequence: int
    raw: bytes

    @property
    def is_response(self) -> bool:
        return bool(self.command_id & 0x80000000)


def build(command: str, sequence: int, **fields) -> bytes:
    """The bytes of one PDU (smpplib encodes the body)."""
    pdu = smpp.make_pdu(command, client=_CLIENT, **fields)
    pdu.sequence = sequence
    return pdu.generate()


def with_sequence(raw: bytes, sequence: int) -> bytes:
    """The same PDU under another sequence number (templates are built once, sent often)."""
    return raw[:12] + sequence.to_bytes(4, "big") + raw[16:]


def parse(frame: Frame):
    """The smpplib PDU object for ``frame`` (raises on a body it cannot read)."""
    return smpp.parse_pdu(frame.raw, client=_CLIENT, allow_unknown_opt_params=True)


def submit_sm_resp_id(frame: Frame) -> str:
    """The message_id of a successful submit_sm_resp, as the SMSC wrote it."""
    value = parse(frame).message_id or b""
    return value.decode("latin-1").strip() if isinstance(value, bytes) else str(value).strip()


def bind_transceiver(sequence: int, system_id: str, password: str, system_type: str) -> bytes:
    return build("bind_transceiver", sequence, system_id=system_id, password=password,
                 system_type=system_type, addr_ton=0, addr_npi=0, address_range="")


def source_address(sender: str | None) -> tuple[int, int, str]:
    """(ton, npi, addr): alphanumeric 5/0, international 1/1, short code 3/0, none 0/0."""
    if not sender:
        return 0, 0, ""
    digits = sender[1:] if sender.startswith("+") else sender
    if not digits.isdigit():
        return 5, 0, sender
    if sender.startswith("+") or len(digits) > 8:
        return 1, 1, digits
    return 3, 0, digits


def validity_period(valid_until: datetime) -> str:
    """SMPP absolute time in UTC: YYMMDDhhmmss, tenths 0, offset 00 quarter hours, '+'."""
    if valid_until.tzinfo is None:
        valid_until = valid_until.replace(tzinfo=timezone.utc)
    return valid_until.astimezone(timezone.utc).strftime("%y%m%d%H%M%S") + "000+"


def submit_sm_template(recipient: str, sender: str | None, valid_until: datetime,
                       payload: PartPayload) -> bytes:
    """A submit_sm for one part with sequence 0, asking for a delivery receipt."""
    ton, npi, source = source_address(sender)
    return build("submit_sm", 0, service_type="", source_addr_ton=ton, source_addr_npi=npi,
                 source_addr=source, dest_addr_ton=1, dest_addr_npi=1,
                 destination_addr=recipient.lstrip("+"), esm_class=payload.esm_class,
                 registered_delivery=1, data_coding=payload.data_coding,
                 validity_period=validity_period(valid_until),
                 short_message=payload.short_message)


@dataclass(frozen=True, slots=True)
class DeliverSm:
    """The parts of a deliver_sm that matter here; ``tlvs`` maps tag to raw value."""

    source_addr: str
    esm_class: int
    data_coding: int
    short_message: bytes
    tlvs: dict[int, bytes] = field(default_factory=dict)
    destination_addr: str = ""
    source_ton: int = 0
    destination_ton: int = 0


def parse_deliver_sm(raw: bytes) -> DeliverSm:
    """Read a deliver_sm body leniently; raises ValueError only if its fields are cut short."""
    body, pos = raw[16:], 0

    def cstring() -> bytes:
        nonlocal pos
        end = body.index(b"\0", pos)
        value, pos = body[pos:end], end + 1
        return value

    try:
        cstring()                                  # service_type
        source_ton = body[pos]
        pos += 2
        source = cstring()
        destination_ton = body[pos]
        pos += 2
        destination = cstring()
        esm_class = body[pos]
        pos += 3                                   # esm_class, protocol_id, priority_flag
        cstring()                                  # schedule_delivery_time
        cstring()                                  # validity_period
        data_coding = body[pos + 2]                # after registered_delivery, replace_if_present
        sm_length = body[pos + 4]
        pos += 5
        short_message = body[pos:pos + sm_length]
        pos += sm_length
    except (ValueError, IndexError) as exc:
        raise ValueError(f"deliver_sm body cut short: {exc}") from None
    tlvs: dict[int, bytes] = {}
    while pos + 4 <= len(body):
        tag, length = struct.unpack_from(">HH", body, pos)
        tlvs.setdefault(tag, body[pos + 4:pos + 4 + length])
        pos += 4 + length
    return DeliverSm(source.decode("latin-1"), esm_class, data_coding, short_message, tlvs,
                     destination.decode("latin-1"), source_ton, destination_ton)
