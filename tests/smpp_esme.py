"""A raw asyncio ESME (SMPP 3.4 client) for load and crash tests, written apart from smsgw's
own codec and from smpplib, so that neither tests itself.

It is cheap on purpose, so that one process can drive a server at thousands of PDUs a second:
a submit_sm is encoded once (``SubmitTemplate``) and only its sequence number is patched per
PDU; of a response only the header and the message_id are read. ``Esme`` keeps up to
``window`` submits in flight and refills the window from whatever arrived in one read, in one
write; in fixed-rate mode it sends at the times a ``Pacer`` hands out and measures latency
from the moment each submit is written, and counts the submits it wrote late (more than
``LATE`` after their time: the window was full, or this process was not scheduled), so a
stalled server shows either in the latency or in that count.

It answers what a server sends unasked: enquire_link, unbind, and deliver_sm (recorded and
acknowledged with ESME_ROK, or with ``deliver_status``).
"""

from __future__ import annotations

import asyncio
import collections
import struct
import time
from dataclasses import dataclass, field
from typing import Callable

HEADER = struct.Struct(">IIII")
RESP = 0x80000000
GENERIC_NACK = 0x80000000
BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER = 0x01, 0x02, 0x09
BINDS = {"rx": BIND_RECEIVER, "tx": BIND_TRANSMITTER, "trx": BIND_TRANSCEIVER}
QUERY_SM, SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK = 0x03, 0x04, 0x05, 0x06, 0x15
TAG_RECEIPTED_MESSAGE_ID, TAG_MESSAGE_STATE = 0x001E, 0x0427
ESME_ROK = 0
LATE = 0.005


def pdu(command_id: int, sequence: int, body: bytes = b"", status: int = 0) -> bytes:
    return HEADER.pack(16 + len(body), command_id, status, sequence) + body


def cstr(value: str | bytes) -> bytes:
    return (value.encode() if isinstance(value, str) else value) + b"\0"


def bind_body(system_id: str, password: str, system_type: str = "") -> bytes:
    # interface_version 0x34, addr_ton 0, addr_npi 0, address_range ""
    return cstr(system_id) + cstr(password) + cstr(system_type) + bytes([0x34, 0, 0]) + b"\0"


def submit_sm_body(destination: str, text: bytes, *, source: str = "smsgw",
                   registered_delivery: int = 0, data_coding: int = 0, esm_class: int = 0,
                   source_ton: int = 5, source_npi: int = 0, dest_ton: int = 1,
                   dest_npi: int = 1, tlvs: bytes = b"") -> bytes:
    """A submit_sm body: no service_type, schedule or validity; ``text`` in short_message."""
    if len(text) > 254:
        raise ValueError("short_message holds at most 254 octets; use message_payload")
    return (b"\0" + bytes([source_ton, source_npi]) + cstr(source)
            + bytes([dest_ton, dest_npi]) + cstr(destination)
            + bytes([esm_class, 0, 0]) + b"\0" + b"\0"        # protocol_id, priority, 2 times
            + bytes([registered_delivery, 0, data_coding, 0, len(text)]) + text + tlvs)


class SubmitTemplate:
    """One submit_sm encoded once: ``pdu(seq)`` is three byte strings joined."""

    def __init__(self, body: bytes) -> None:
        self._head = struct.pack(">III", 16 + len(body), SUBMIT_SM, 0)
        self._body = body

    def pdu(self, sequence: int) -> bytes:
        return self._head + sequence.to_bytes(4, "big") + self._body


@dataclass(frozen=True)
class Receipt:
    """A deliver_sm as received: esm_class, the receipted_message_id TLV (or the id: in the
    text), message_state, and the short_message text."""

    esm_class: int
    message_id: str | None
    message_state: int | None
    text: bytes
    received_at: float


def parse_deliver_sm(body: bytes, now: float) -> Receipt:
    pos = body.index(0) + 1                            # service_type
    pos += 2
    pos = body.index(0, pos) + 1                       # source_addr
    pos += 2
    pos = body.index(0, pos) + 1                       # destination_addr
    esm_class = body[pos]
    pos += 3
    pos = body.index(0, pos) + 1                       # schedule_delivery_time
    pos = body.index(0, pos) + 1                       # validity_period
    length = body[pos + 4]
    text = body[pos + 5:pos + 5 + length]
    pos += 5 + length
    message_id = state = None
    while pos + 4 <= len(body):
        tag, size = struct.unpack_from(">HH", body, pos)
        value = body[pos + 4:pos + 4 + size]
        if tag == TAG_RECEIPTED_MESSAGE_ID:
            message_id = value.rstrip(b"\0").decode("ascii", "replace")
        elif tag == TAG_MESSAGE_STATE and value:
            state = value[0]
        pos += 4 + size
    if message_id is None and text.startswith(b"id:"):
        message_id = text[3:].split(b" ", 1)[0].decode("ascii", "replace")
    return Receipt(esm_class, message_id, state, text, now)


class Budget:
    """How many submits all binds of a run may still start: a count, or until a deadline."""

    def __init__(self, count: int | None = None, seconds: float | None = None) -> None:
        self.remaining = count
        self.deadline = None if seconds is None else time.perf_counter() + seconds

    def take(self) -> bool:
        if self.remaining is not None:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
        return self.deadline is None or time.perf_counter() < self.deadline


class Pacer:
    """Fixed-rate mode: hands the binds intended send times at ``rate`` per second, round
    robin, and wakes them when the next one is due."""

    def __init__(self, esmes: list["Esme"], rate: float, budget: Budget) -> None:
        self.esmes, self.rate, self.budget = esmes, rate, budget
        self.issued = 0

    async def run(self) -> None:
        start = time.perf_counter()
        turn = 0
        while True:
            now = time.perf_counter()
            due = int((now - start) * self.rate) + 1      # submit k is due at start + k/rate
            while self.issued < due:
                if not self.budget.take():
                    for e in self.esmes:
                        # What this round made due goes out first: with nothing in flight no
                        # submit_resp would pump it, and drained would never resolve (under
                        # load one late wake-up can make the whole budget due in one round).
                        e.pump()
                        e.no_more()
                    return
                esme = self.esmes[turn % len(self.esmes)]
                turn += 1
                esme.due.append(start + self.issued / self.rate)
                self.issued += 1
            for e in self.esmes:
                e.pump()
            wait = start + self.issued / self.rate - time.perf_counter()
            await asyncio.sleep(max(0.0, wait))


@dataclass
class Tally:
    """What one bind saw of its submits."""

    sent: int = 0
    ok: int = 0
    refused: collections.Counter = field(default_factory=collections.Counter)  # status -> n
    latencies: list[float] = field(default_factory=list)                     # seconds, ok only
    late: int = 0                       # fixed rate: written more than LATE after their time


class Esme(asyncio.Protocol):
    """One TCP connection, one bind. Requests other than submit_sm are awaited one at a time
    (``request``); submits are driven by ``start_window`` or a ``Pacer``."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.seq = 0
        self.waiting: dict[int, asyncio.Future] = {}
        self.in_flight: dict[int, float] = {}         # seq -> time written
        self.tally = Tally()
        self.receipts: list[Receipt] = []
        self.deliver_status = ESME_ROK
        self.on_submit_resp: Callable[[int, int, bytes | None], None] | None = None
        self.on_deliver: Callable[[Receipt], None] | None = None
        self.lost = asyncio.get_running_loop().create_future()
        self.due: collections.deque[float] = collections.deque()
        self.window = 1
        self._make: Callable[[int], bytes | None] | None = None
        self._budget: Budget | None = None
        self._paced = False
        self._done = False
        self.drained = asyncio.get_running_loop().create_future()

    # -- connection ------------------------------------------------------------------------

    @classmethod
    async def connect(cls, host: str, port: int) -> "Esme":
        _, esme = await asyncio.get_running_loop().create_connection(cls, host, port)
        return esme

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.transport = None
        for fut in self.waiting.values():
            if not fut.done():
                fut.set_exception(ConnectionError("connection lost"))
        if not self.lost.done():
            self.lost.set_result(exc)
        if not self.drained.done():
            self.drained.set_result(False)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def next_seq(self) -> int:
        self.seq = self.seq + 1 if self.seq < 0x7FFFFFFF else 1
        return self.seq

    async def request(self, command_id: int, body: bytes = b"",
                      timeout: float = 10.0) -> tuple[int, bytes]:
        """Send one request and wait for its response: (command_status, body)."""
        if self.transport is None:
            raise ConnectionError("not connected")
        seq = self.next_seq()
        fut = asyncio.get_running_loop().create_future()
        self.waiting[seq] = fut
        self.transport.write(pdu(command_id, seq, body))
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            self.waiting.pop(seq, None)

    async def bind(self, kind: str, system_id: str, password: str) -> int:
        status, _ = await self.request(BINDS[kind], bind_body(system_id, password))
        return status

    async def unbind(self) -> None:
        try:
            await self.request(UNBIND, timeout=5)
        except (ConnectionError, asyncio.TimeoutError):
            pass
        self.close()

    # -- submits ---------------------------------------------------------------------------

    def start_window(self, make: Callable[[int], bytes | None], window: int,
                     budget: Budget) -> None:
        """Keep ``window`` submits in flight; ``make(seq)`` is the PDU (None: stop).
        ``drained`` resolves when the budget (or ``make``) ran out and all were answered."""
        self._restart()
        self._make, self.window, self._budget, self._paced = make, window, budget, False
        self.pump()

    def start_paced(self, make: Callable[[int], bytes | None], window: int) -> None:
        """Send when a Pacer says so, still never more than ``window`` in flight."""
        self._restart()
        self._make, self.window, self._paced = make, window, True

    def _restart(self) -> None:
        self._done = False
        if self.drained.done():
            self.drained = asyncio.get_running_loop().create_future()

    def no_more(self) -> None:
        self._done = True
        self._check_drained()

    def pump(self) -> None:
        if self.transport is None or self._make is None:
            return
        room = self.window - len(self.in_flight)
        if room <= 0:
            return
        out = []
        now = time.perf_counter()
        while room > 0:
            if self._paced:
                if not self.due:
                    break
                if now - self.due.popleft() > LATE:
                    self.tally.late += 1
            else:
                if self._done or not self._budget.take():     # type: ignore[union-attr]
                    self._done = True
                    break
            seq = self.next_seq()
            data = self._make(seq)
            if data is None:
                self._done = True
                break
            self.in_flight[seq] = now
            out.append(data)
            room -= 1
        if out:
            self.tally.sent += len(out)
            self.transport.write(b"".join(out))
        self._check_drained()

    def _check_drained(self) -> None:
        if self._done and not self.in_flight and not self.due and not self.drained.done():
            self.drained.set_result(True)

    # -- reading ---------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        pos, end = 0, len(buf)
        now = time.perf_counter()
        replies = []
        got_submit_resp = False
        while end - pos >= 16:
            length, command_id, status, seq = HEADER.unpack_from(buf, pos)
            if length < 16:
                self.close()
                return
            if end - pos < length:
                break
            if command_id == SUBMIT_SM | RESP or (command_id == GENERIC_NACK
                                                  and seq in self.in_flight):
                got_submit_resp = True
                sent = self.in_flight.pop(seq, None)
                tally = self.tally
                message_id = None
                if status == 0 and command_id != GENERIC_NACK:
                    tally.ok += 1
                    if sent is not None:
                        tally.latencies.append(now - sent)
                    if self.on_submit_resp is not None:
                        nul = buf.find(0, pos + 16, pos + length)
                        message_id = bytes(buf[pos + 16:nul if nul >= 0 else pos + length])
                else:
                    tally.refused[status] += 1
                if self.on_submit_resp is not None:
                    self.on_submit_resp(seq, status, message_id)
            elif command_id & RESP:
                fut = self.waiting.get(seq)
                if fut is not None and not fut.done():
                    fut.set_result((status, bytes(buf[pos + 16:pos + length])))
            elif command_id == DELIVER_SM:
                receipt = parse_deliver_sm(bytes(buf[pos + 16:pos + length]), now)
                self.receipts.append(receipt)
                if self.on_deliver is not None:
                    self.on_deliver(receipt)
                replies.append(pdu(DELIVER_SM | RESP, seq, b"\0", self.deliver_status))
            elif command_id == ENQUIRE_LINK:
                replies.append(pdu(ENQUIRE_LINK | RESP, seq))
            elif command_id == UNBIND:
                replies.append(pdu(UNBIND | RESP, seq))
            else:
                replies.append(pdu(GENERIC_NACK, seq, status=0x03))
            pos += length
        del buf[:pos]
        if replies and self.transport is not None:
            self.transport.write(b"".join(replies))
        if got_submit_resp:
            self.pump()


def percentile(sorted_values: list[float], p: float) -> float:
    """The nearest-rank percentile of an ascending list (nan when empty)."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values))) - 1))
    return sorted_values[rank]
