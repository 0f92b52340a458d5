"""SMPP 3.4 framing and the PDUs an SMPP *server* reads and writes, hand-written with struct.

smpplib (our connector's library) is a client only, and it is not hardened against hostile
input: it trusts ``command_length`` and reads C-Octet strings without bounds. A server faces
anyone who can open a TCP connection, so every decoder here checks every length and raises
``PduError(status)`` with the ESME status to answer; it never raises anything else on bytes.

Lengths follow SMPP 3.4 section 4, except that ``system_id`` and ``password`` are read
leniently (up to 64 octets, where the standard says 16 and 9) so that the use case, not the
codec, decides what an over-long login means.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

HEADER = struct.Struct(">IIII")
HEADER_LENGTH = 16
# message_payload may carry up to 64 KiB of text; nothing legitimate is longer.
MAX_COMMAND_LENGTH = 70_000
RESP = 0x80000000

GENERIC_NACK = 0x80000000
BIND_RECEIVER = 0x00000001
BIND_TRANSMITTER = 0x00000002
QUERY_SM = 0x00000003
SUBMIT_SM = 0x00000004
DELIVER_SM = 0x00000005
UNBIND = 0x00000006
REPLACE_SM = 0x00000007
CANCEL_SM = 0x00000008
BIND_TRANSCEIVER = 0x00000009
OUTBIND = 0x0000000B
ENQUIRE_LINK = 0x00000015
SUBMIT_MULTI = 0x00000021
DATA_SM = 0x00000103
BIND_COMMANDS = frozenset({BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER})

ESME_ROK = 0x00
ESME_RINVMSGLEN = 0x01
ESME_RINVCMDLEN = 0x02
ESME_RINVCMDID = 0x03
ESME_RINVBNDSTS = 0x04
ESME_RALYBND = 0x05
ESME_RSYSERR = 0x08
ESME_RINVSRCADR = 0x0A
ESME_RINVDSTADR = 0x0B
ESME_RINVMSGID = 0x0C
ESME_RBINDFAIL = 0x0D
ESME_RINVPASWD = 0x0E
ESME_RINVSYSID = 0x0F
ESME_RCANCELFAIL = 0x11
ESME_RMSGQFUL = 0x14
ESME_RINVSERTYP = 0x15
ESME_RINVESMCLASS = 0x43
ESME_RSUBMITFAIL = 0x45
ESME_RINVSYSTYP = 0x53
ESME_RTHROTTLED = 0x58
ESME_RINVSCHED = 0x61
ESME_RINVEXPIRY = 0x62
ESME_RQUERYFAIL = 0x67
ESME_RINVTLVSTREAM = 0xC1
ESME_RINVTLVVAL = 0xC4

STATUS_NAMES = {value: name for name, value in globals().items()
                if name.startswith("ESME_R") and isinstance(value, int)}

TAG_RECEIPTED_MESSAGE_ID = 0x001E
TAG_SC_INTERFACE_VERSION = 0x0210
TAG_NETWORK_ERROR_CODE = 0x0423
TAG_MESSAGE_PAYLOAD = 0x0424
TAG_MESSAGE_STATE = 0x0427

ESM_CLASS_MESSAGE = 0x00       # a short message (an MO), neither receipt nor UDH
ESM_CLASS_RECEIPT = 0x04
ESM_CLASS_INTERMEDIATE = 0x20
INTERFACE_VERSION = 0x34
MAX_SHORT_MESSAGE = 254
MAX_TLV_VALUE = 0xFFFF


class PduError(ValueError):
    """A PDU we cannot accept; ``status`` is the ESME command_status to answer it with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Header:
    length: int
    command_id: int
    status: int
    sequence: int

    @property
    def is_response(self) -> bool:
        return bool(self.command_id & RESP)


def read_header(data: bytes | bytearray | memoryview) -> Header:
    """The header at the start of ``data`` (16 octets at least); ``PduError(RINVCMDLEN)`` for
    a command_length under 16 or over MAX_COMMAND_LENGTH, which ends the connection: after
    it, nothing on the stream can be framed."""
    length, command_id, status, sequence = HEADER.unpack_from(data)
    if length < HEADER_LENGTH or length > MAX_COMMAND_LENGTH:
        raise PduError(ESME_RINVCMDLEN, f"command_length {length} outside 16..{MAX_COMMAND_LENGTH}")
    return Header(length, command_id, status, sequence)


# -- decoding ----------------------------------------------------------------------------------

class _Reader:
    """A cursor over a PDU body; every read is bounded and raises PduError."""

    __slots__ = ("body", "pos")

    def __init__(self, body: bytes) -> None:
        self.body, self.pos = body, 0

    def octet(self) -> int:
        if self.pos >= len(self.body):
            raise PduError(ESME_RINVCMDLEN, "body cut short")
        value = self.body[self.pos]
        self.pos += 1
        return value

    def cstring(self, max_length: int, status: int, name: str) -> str:
        """A C-Octet string of at most ``max_length`` octets before its NUL, as ASCII.

        No NUL before the body ends: cut short (RINVCMDLEN). Too long or not printable
        ASCII: ``status`` (the field's own error)."""
        end = self.body.find(b"\0", self.pos, self.pos + max_length + 1)
        if end < 0:
            if self.body.find(b"\0", self.pos) < 0:
                raise PduError(ESME_RINVCMDLEN, f"{name} has no terminating NUL")
            raise PduError(status, f"{name} longer than {max_length} octets")
        raw = self.body[self.pos:end]
        self.pos = end + 1
        if any(b < 0x20 or b > 0x7E for b in raw):
            raise PduError(status, f"{name} is not printable ASCII")
        return raw.decode("ascii")

    def octets(self, count: int) -> bytes:
        if self.pos + count > len(self.body):
            raise PduError(ESME_RINVCMDLEN, "body cut short")
        value = self.body[self.pos:self.pos + count]
        self.pos += count
        return value

    def tlvs(self) -> dict[int, bytes]:
        """The optional parameters up to the end of the body (the first of a repeated tag)."""
        found: dict[int, bytes] = {}
        while self.pos < len(self.body):
            if self.pos + 4 > len(self.body):
                raise PduError(ESME_RINVTLVSTREAM, "a TLV header is cut short")
            tag, length = struct.unpack_from(">HH", self.body, self.pos)
            self.pos += 4
            if self.pos + length > len(self.body):
                raise PduError(ESME_RINVTLVSTREAM, f"TLV 0x{tag:04X} runs past the body")
            found.setdefault(tag, self.body[self.pos:self.pos + length])
            self.pos += length
        return found

    def end(self) -> None:
        """Trailing octets after the last mandatory field of a PDU that has no TLVs are
        ignored: some clients pad, and nothing in them can be misread."""


@dataclass(frozen=True, slots=True)
class Address:
    ton: int
    npi: int
    addr: str


@dataclass(frozen=True, slots=True)
class Bind:
    system_id: str
    password: str
    system_type: str
    interface_version: int
    address: Address


@dataclass(frozen=True, slots=True)
class SubmitSm:
    service_type: str
    source: Address
    destination: Address
    esm_class: int
    protocol_id: int
    priority_flag: int
    schedule_delivery_time: str
    validity_period: str
    registered_delivery: int
    replace_if_present: int
    data_coding: int
    sm_default_msg_id: int
    short_message: bytes
    tlvs: dict[int, bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QuerySm:
    message_id: str
    source: Address


@dataclass(frozen=True, slots=True)
class CancelSm:
    service_type: str
    message_id: str
    source: Address
    destination: Address


def _address(r: _Reader, status: int, name: str, max_length: int = 21) -> Address:
    ton, npi = r.octet(), r.octet()
    return Address(ton, npi, r.cstring(max_length - 1, status, name))


def decode_bind(body: bytes) -> Bind:
    r = _Reader(body)
    system_id = r.cstring(64, ESME_RINVSYSID, "system_id")
    password = r.cstring(64, ESME_RINVPASWD, "password")
    system_type = r.cstring(12, ESME_RINVSYSTYP, "system_type")
    version = r.octet()
    address = _address(r, ESME_RBINDFAIL, "address_range", 41)
    r.end()
    return Bind(system_id, password, system_type, version, address)


def decode_submit_sm(body: bytes) -> SubmitSm:
    r = _Reader(body)
    service_type = r.cstring(5, ESME_RINVSERTYP, "service_type")
    source = _address(r, ESME_RINVSRCADR, "source_addr")
    destination = _address(r, ESME_RINVDSTADR, "destination_addr")
    esm_class, protocol_id, priority_flag = r.octet(), r.octet(), r.octet()
    schedule = r.cstring(16, ESME_RINVSCHED, "schedule_delivery_time")
    validity = r.cstring(16, ESME_RINVEXPIRY, "validity_period")
    registered, replace, data_coding, default_id = r.octet(), r.octet(), r.octet(), r.octet()
    sm_length = r.octet()
    if sm_length > MAX_SHORT_MESSAGE:
        raise PduError(ESME_RINVMSGLEN, f"sm_length {sm_length} over {MAX_SHORT_MESSAGE}")
    if r.pos + sm_length > len(body):
        raise PduError(ESME_RINVMSGLEN, "short_message runs past the body")
    short_message = r.octets(sm_length)
    tlvs = r.tlvs()
    if not destination.addr:
        raise PduError(ESME_RINVDSTADR, "destination_addr is empty")
    return SubmitSm(service_type, source, destination, esm_class, protocol_id, priority_flag,
                    schedule, validity, registered, replace, data_coding, default_id,
                    short_message, tlvs)


def decode_query_sm(body: bytes) -> QuerySm:
    r = _Reader(body)
    message_id = r.cstring(64, ESME_RINVMSGID, "message_id")
    source = _address(r, ESME_RINVSRCADR, "source_addr")
    r.end()
    return QuerySm(message_id, source)


def decode_cancel_sm(body: bytes) -> CancelSm:
    r = _Reader(body)
    service_type = r.cstring(5, ESME_RINVSERTYP, "service_type")
    message_id = r.cstring(64, ESME_RINVMSGID, "message_id")
    source = _address(r, ESME_RINVSRCADR, "source_addr")
    destination = _address(r, ESME_RINVDSTADR, "destination_addr")
    r.end()
    return CancelSm(service_type, message_id, source, destination)


# -- encoding ----------------------------------------------------------------------------------

def pack(command_id: int, status: int, sequence: int, body: bytes = b"") -> bytes:
    return HEADER.pack(HEADER_LENGTH + len(body), command_id, status, sequence) + body


def _c(text: str) -> bytes:
    return text.encode("ascii", "replace") + b"\0"


def tlv(tag: int, value: bytes) -> bytes:
    return struct.pack(">HH", tag, len(value)) + value


def generic_nack(sequence: int, status: int) -> bytes:
    return pack(GENERIC_NACK, status, sequence)


def bind_resp(command_id: int, sequence: int, status: int, system_id: str) -> bytes:
    """bind_*_resp: our system_id and sc_interface_version on success, no body on an error."""
    if status != ESME_ROK:
        return pack(command_id | RESP, status, sequence)
    body = _c(system_id) + tlv(TAG_SC_INTERFACE_VERSION, bytes([INTERFACE_VERSION]))
    return pack(command_id | RESP, status, sequence, body)


def submit_sm_resp(sequence: int, status: int, message_id: str = "") -> bytes:
    """submit_sm_resp: the message_id on success, no body on an error (SMPP 3.4, 4.4.2)."""
    return pack(SUBMIT_SM | RESP, status, sequence,
                _c(message_id) if status == ESME_ROK else b"")


def query_sm_resp(sequence: int, status: int, message_id: str = "", final_date: str = "",
                  message_state: int = 0, error_code: int = 0) -> bytes:
    if status != ESME_ROK:
        return pack(QUERY_SM | RESP, status, sequence)
    body = _c(message_id) + _c(final_date) + bytes([message_state & 0xFF, error_code & 0xFF])
    return pack(QUERY_SM | RESP, status, sequence, body)


def empty_resp(command_id: int, sequence: int, status: int = ESME_ROK) -> bytes:
    """The response of a command whose response has no body (cancel_sm, unbind, enquire_link)."""
    return pack(command_id | RESP, status, sequence)


def enquire_link(sequence: int) -> bytes:
    return pack(ENQUIRE_LINK, ESME_ROK, sequence)


def unbind(sequence: int) -> bytes:
    return pack(UNBIND, ESME_ROK, sequence)


def address_of(number: str | None) -> Address:
    """How an address is written in a PDU: international digits 1/1 (without '+'),
    alphanumeric 5/0, a short code 3/0, none 0/0."""
    if not number:
        return Address(0, 0, "")
    digits = number[1:] if number.startswith("+") else number
    if not digits.isdigit():
        return Address(5, 0, number[:20])
    if number.startswith("+") or len(digits) > 8:
        return Address(1, 1, digits[:20])
    return Address(3, 0, digits)


def deliver_sm(sequence: int, source: Address, destination: Address, esm_class: int,
               data_coding: int, short_message: bytes, tlvs: bytes = b"") -> bytes:
    if len(short_message) > MAX_SHORT_MESSAGE:
        raise ValueError("short_message over 254 octets: use message_payload")
    body = (_c("") + bytes([source.ton, source.npi]) + _c(source.addr)
            + bytes([destination.ton, destination.npi]) + _c(destination.addr)
            + bytes([esm_class, 0, 0]) + _c("") + _c("")
            + bytes([0, 0, data_coding, 0, len(short_message)]) + short_message + tlvs)
    return pack(DELIVER_SM, ESME_ROK, sequence, body)


def receipt_tlvs(message_id: str, message_state: int, network_error: int | None) -> bytes:
    """receipted_message_id, message_state and (when there is one) network_error_code, whose
    first octet says the error is a GSM one (3)."""
    value = tlv(TAG_RECEIPTED_MESSAGE_ID, _c(message_id))
    value += tlv(TAG_MESSAGE_STATE, bytes([message_state & 0xFF]))
    if network_error:
        value += tlv(TAG_NETWORK_ERROR_CODE, struct.pack(">BH", 3, network_error & 0xFFFF))
    return value
