"""A loopback SMSC speaking SMPP 3.4, for the connector's tests, benchmarks and demos.

It runs an asyncio server on its own thread (127.0.0.1, an ephemeral port by default) and
encodes PDUs with its own struct packing, so the connector (smpplib) is tested against an
independent implementation. ``Behaviour`` is read on every PDU, so tests may change it while
the server runs. The outcome of each message follows the last four digits of its
destination_addr: 0000 UNDELIV, 0001 EXPIRED, 0002 REJECTD, 0003 no receipt, else DELIVRD.

It also sends mobile-originated messages (``send_mo``): single or multipart, GSM, UCS-2 or
Latin-1, numbered by an 8- or 16-bit UDH reference or by SAR TLVs, its parts in any order,
some twice or some never. Like a real SMSC it delivers an MO again after a temporary error in
its deliver_sm_resp (or after the connection dropped before one came); ``mo_acks`` records
every deliver_sm_resp it got for an MO, so tests see temporary errors and resends.

Demo: ``python -m service.delivery.smsc_simulator --port 2775 --system-id smsgw --password secret``
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import logging
import random
import struct
import threading
import time
from datetime import datetime, timezone
from typing import Sequence

from .smsc_wire import (
    BIND_COMMANDS,
    Behaviour,
    DELIVER_SM,
    ENQUIRE_LINK,
    ESME_RBINDFAIL,
    ESME_RINVBNDSTS,
    ESME_RINVCMDID,
    ESME_RMSGQFUL,
    ESME_RTHROTTLED,
    GENERIC_NACK,
    HEADER,
    MO_TEMPORARY,
    NO_RECEIPT,
    OUTCOMES,
    MoAck,
    PendingMo,
    PendingReceipt,
    RESP_BIT,
    SUBMIT_SM,
    SubmitRecord,
    UNBIND,
    encode_mo_text,
    format_id,
    mo_deliver_body,
    mo_parts,
    pack_pdu,
    read_cstr,
    split_mo_text,
)

log = logging.getLogger(__name__)

class _Session(asyncio.Protocol):
    def __init__(self, sim: "SmscSimulator", number: int) -> None:
        self.sim, self.number = sim, number
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.bound = False
        self.seq = 0
        self.outstanding = 0
        self.unacked: dict[int, PendingReceipt | PendingMo] = {}

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.sim._sessions[self.number] = self

    def connection_lost(self, exc) -> None:
        self.transport, self.bound = None, False
        self.sim._session_closed(self)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= 16:
            length, command_id, status, sequence = HEADER.unpack_from(self.buffer)
            if len(self.buffer) < length:
                return
            body = bytes(self.buffer[16:length])
            del self.buffer[:length]
            self.sim._handle(self, command_id, status, sequence, body)
            if self.transport is None or self.transport.is_closing():
                return

    def send(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class SmscSimulator:
    """The loopback SMSC: ``start()`` it, point a connector at ``port``, read what it recorded."""

    def __init__(self, behaviour: Behaviour | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.behaviour = behaviour or Behaviour()
        self.host, self.port = host, port
        self.submits: list[SubmitRecord] = []
        self.submit_count = 0
        self.bind_attempts: list[tuple[float, str, bool]] = []
        self.receipts_sent: list[tuple[str, str, int]] = []       # (receipt id, stat, attempt)
        self.deliver_resps: list[tuple[str, int]] = []            # (receipt id, status)
        self.enquire_links = 0
        self.unbinds_received = 0
        self.mo_resps: list[int] = []                             # every MO status, in order
        self.mo_acks: list[MoAck] = []
        self.mo_sent: list[tuple[int, int | None, int]] = []      # (MO id, part, attempt)
        self._mo_ids = itertools.count(1)
        self._held_mo: list[PendingMo] = []
        self._mo_waiting: collections.deque[PendingMo] = collections.deque()   # window full
        self.max_outstanding = 0
        self._sessions: dict[int, _Session] = {}
        self._numbers = iter(range(1, 1 << 30))
        self._next_id = 0x00A00000
        self._accepted_at: collections.deque[float] = collections.deque()
        self._held: list[PendingReceipt] = []                           # waiting for a bound session
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server = None
        self._thread: threading.Thread | None = None

    # -- lifecycle (any thread) --------------------------------------------------------------

    def start(self) -> "SmscSimulator":
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="smsc-sim",
                                        daemon=True)
        self._thread.start()
        if not ready.wait(5):
            raise RuntimeError("the SMSC simulator did not start")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        self._call(self._shutdown)
        self._thread.join(5)            # type: ignore[union-attr]
        self._loop = None

    def send_unbind(self) -> None:
        """Ask every bound ESME to unbind (as an SMSC does before maintenance)."""
        self._call(self._unbind_all)

    def send_mo(self, source: str, text: str, destination: str = "12345", *,
                alphabet: str = "gsm", parts: int | None = None, concat: str = "udh8",
                reference: int | None = None, order: Sequence[int] | None = None,
                shuffle: bool = False) -> int:
        """Deliver a mobile-originated message to a bound ESME; returns its MO id (``mo_acks``).

        ``alphabet``: "gsm", "ucs2" or "latin1". ``parts``: split the text into that many
        parts (None: as a handset would), numbered by ``concat`` ("udh8", "udh16" or "sar")
        under ``reference`` (random if None). ``order``: the part numbers to send, in that
        order: repeat one to send it twice, leave one out to lose it; ``shuffle``: a random
        order. Parts go out back to back; each is delivered again after a temporary error."""
        data_coding, _ = encode_mo_text("", alphabet)
        pieces = [encode_mo_text(piece, alphabet)[1]
                  for piece in split_mo_text(text, parts, alphabet)]
        if reference is None:
            reference = random.randrange(1 << 8 if concat == "udh8" else 1 << 16)
        mo_id = next(self._mo_ids)
        mos = mo_parts(mo_id, source, destination, pieces, data_coding, concat, reference)
        numbers = list(order) if order is not None else list(range(1, len(mos) + 1))
        if shuffle:
            random.shuffle(numbers)
        self._call(lambda: [self._deliver_mo(PendingMo(**vars(mos[n - 1]))) for n in numbers])
        return mo_id

    def send_mo_raw(self, source: str, destination: str, esm_class: int, data_coding: int,
                    short_message: bytes, tlvs: bytes = b"") -> int:
        """Deliver an MO built by hand (bad input: lying UDHs, odd data codings); its MO id."""
        mo_id = next(self._mo_ids)
        mo = PendingMo(mo_id, None, source, destination, esm_class, data_coding, short_message,
                       tlvs)
        self._call(lambda: self._deliver_mo(mo))
        return mo_id

    def mo_statuses(self, mo_id: int) -> list[tuple[int | None, int]]:
        """(part, status) of each deliver_sm_resp this MO got, in order."""
        return [(a.part, a.status) for a in list(self.mo_acks) if a.mo_id == mo_id]

    def drop_connections(self) -> None:
        self._call(lambda: [s.close() for s in list(self._sessions.values())])

    def accepted(self) -> list[SubmitRecord]:
        return [r for r in list(self.submits) if r.answer == "ok"]

    def _call(self, fn) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(fn)

    def _serve(self, ready: threading.Event) -> None:
        self._loop = loop = asyncio.new_event_loop()
        self._server = loop.run_until_complete(loop.create_server(
            lambda: _Session(self, next(self._numbers)), self.host, self.port))
        self.port = self._server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()
        loop.close()

    def _shutdown(self) -> None:
        self._server.close()
        for session in list(self._sessions.values()):
            session.close()
        self._loop.call_later(0.05, self._loop.stop)    # let the closes reach the sockets

    # -- PDUs (the loop's thread) ------------------------------------------------------------

    def _handle(self, s: _Session, command_id: int, status: int, seq: int, body: bytes) -> None:
        if command_id in BIND_COMMANDS:
            system_id, pos = read_cstr(body, 0)
            password, _ = read_cstr(body, pos)
            ok = (system_id, password) == (self.behaviour.system_id, self.behaviour.password)
            self.bind_attempts.append((time.monotonic(), system_id, ok))
            if not ok:
                s.send(pack_pdu(command_id | RESP_BIT, ESME_RBINDFAIL, seq))
                return
            s.bound = True
            s.send(pack_pdu(command_id | RESP_BIT, 0, seq, b"smscsim\0"))
            held, self._held = self._held, []
            for receipt in held:
                self._deliver(receipt)
            held_mo, self._held_mo = self._held_mo, []
            for mo in held_mo:
                self._deliver_mo(mo)
        elif command_id == ENQUIRE_LINK:
            self.enquire_links += 1
            s.send(pack_pdu(ENQUIRE_LINK | RESP_BIT, 0, seq))
        elif command_id == UNBIND:
            self.unbinds_received += 1
            s.send(pack_pdu(UNBIND | RESP_BIT, 0, seq))
            s.close()
        elif command_id == UNBIND | RESP_BIT:
            s.close()
        elif not s.bound:
            s.send(pack_pdu(GENERIC_NACK, ESME_RINVBNDSTS, seq))
        elif command_id == SUBMIT_SM:
            self._on_submit(s, seq, body)
        elif command_id == DELIVER_SM | RESP_BIT:
            self._on_deliver_resp(s, seq, status)
        elif not command_id & RESP_BIT:
            s.send(pack_pdu(GENERIC_NACK, ESME_RINVCMDID, seq))

    def _on_submit(self, s: _Session, seq: int, body: bytes) -> None:
        b, now = self.behaviour, time.monotonic()
        _, pos = read_cstr(body, 0)
        source, pos = read_cstr(body, pos + 2)
        destination, pos = read_cstr(body, pos + 2)
        esm_class = body[pos]
        _, pos = read_cstr(body, pos + 3)
        _, pos = read_cstr(body, pos)
        registered, data_coding, length = body[pos], body[pos + 2], body[pos + 4]
        message = body[pos + 5:pos + 5 + length]
        udh_len = message[0] + 1 if esm_class & 0x40 and message else 0
        answer, status = self._choose_answer(b, now)
        message_id = None
        if answer == "ok":
            self._accepted_at.append(now)
            number, self._next_id = self._next_id, self._next_id + 1
            message_id = format_id(number, b.resp_id_format)
        self.submit_count += 1
        if b.record:
            self.submits.append(SubmitRecord(
                self.submit_count, s.number, destination, source, esm_class, data_coding,
                registered, message[:udh_len], message[udh_len:], message_id, answer, now))
        if answer == "dropped":
            s.close()
            return
        s.outstanding += 1
        self.max_outstanding = max(self.max_outstanding, s.outstanding)
        if answer == "generic_nack":
            resp = pack_pdu(GENERIC_NACK, status, seq)
        else:
            resp = pack_pdu(SUBMIT_SM | RESP_BIT, status, seq,
                        (message_id or "").encode() + b"\0" if status == 0 else b"")
        self._later(b.resp_delay, self._answer, s, resp)
        if answer == "ok" and registered & 0x01 and b.receipts:
            receipt = self._receipt_for(number, destination, source, data_coding,
                                        message[udh_len:], s.number)
            if receipt is not None:
                self._later(b.resp_delay + b.receipt_delay, self._deliver, receipt)

    def _choose_answer(self, b: Behaviour, now: float) -> tuple[str, int]:
        while self._accepted_at and now - self._accepted_at[0] > 1.0:
            self._accepted_at.popleft()
        if b.drop_on_submit is not None:
            b.drop_on_submit -= 1
            if b.drop_on_submit <= 0:
                b.drop_on_submit = None
                return "dropped", 0
        if b.nack_next > 0:
            b.nack_next -= 1
            return "generic_nack", ESME_RINVCMDID
        for knob, answer, status in (("refuse_next", "refused", b.refuse_status),
                                     ("throttle_next", "throttled", ESME_RTHROTTLED),
                                     ("msgqful_next", "queue full", ESME_RMSGQFUL)):
            if getattr(b, knob) > 0:
                setattr(b, knob, getattr(b, knob) - 1)
                return answer, status
        if b.throttle_above_tps is not None and len(self._accepted_at) >= b.throttle_above_tps:
            return "throttled", ESME_RTHROTTLED
        return "ok", 0

    def _answer(self, s: _Session, resp: bytes) -> None:
        if s.transport is not None:
            s.outstanding -= 1
            s.send(resp)

    def _later(self, delay: float, fn, *args) -> None:
        if delay > 0:
            self._loop.call_later(delay, fn, *args)     # type: ignore[union-attr]
        else:
            fn(*args)

    def _receipt_for(self, number: int, destination: str, source: str, data_coding: int,
                     text: bytes, origin: int) -> PendingReceipt | None:
        tail = destination[-4:]
        if tail == NO_RECEIPT:
            return None
        stat, state, err = OUTCOMES.get(tail, ("DELIVRD", 2, 0))
        decoded = (text.decode("utf-16-be", "replace") if data_coding == 8
                   else text.decode("latin-1"))
        preview = decoded[:20].encode("ascii", "replace").decode()
        return PendingReceipt(number, destination, source, stat, state, err, preview,
                        datetime.now(timezone.utc), origin=origin)

    def _deliver(self, r: PendingReceipt) -> None:
        session = self._sessions.get(r.origin)
        if session is None or not session.bound:
            session = next((s for s in self._sessions.values() if s.bound), None)
        if session is None:
            self._held.append(r)
            return
        b = self.behaviour
        rid = format_id(r.message_id, b.receipt_id_format or b.resp_id_format)
        r.attempts += 1
        stamp = r.submitted.strftime("%y%m%d%H%M")
        done = datetime.now(timezone.utc).strftime("%y%m%d%H%M")
        text = b""
        if b.receipt_form in ("text", "both"):
            text = (f"id:{rid} sub:001 dlvrd:{'001' if r.stat == 'DELIVRD' else '000'} "
                    f"submit date:{stamp} done date:{done} stat:{r.stat} err:{r.err:03d} "
                    f"text:{r.text}").encode("latin-1")
        tlvs = b""
        if b.receipt_form in ("tlv", "both"):
            value = rid.encode() + (b"\0" if b.receipt_id_nul else b"")
            tlvs = (struct.pack(">HH", 0x001E, len(value)) + value
                    + struct.pack(">HHB", 0x0427, 1, r.state))
            if r.err:
                tlvs += struct.pack(">HHBH", 0x0423, 3, 3, r.err)
        self.receipts_sent.append((rid, r.stat, r.attempts))
        self._send_deliver(0x04, r.destination, r.source, text, tlvs, session, r)

    def _send_deliver(self, esm_class: int, source: str, destination: str, text: bytes,
                      tlvs: bytes, session: _Session | None, receipt: PendingReceipt) -> None:
        session = session or next((s for s in self._sessions.values() if s.bound), None)
        if session is None:
            return
        body = (b"\0\x01\x01" + source.encode() + b"\0\x00\x00" + destination.encode() + b"\0"
                + bytes([esm_class, 0, 0]) + b"\0\0" + bytes([0, 0, 0, 0, len(text)]) + text + tlvs)
        session.seq += 1
        session.unacked[session.seq] = receipt
        session.send(pack_pdu(DELIVER_SM, 0, session.seq, body))

    def _deliver_mo(self, mo: PendingMo) -> None:
        session = next((s for s in self._sessions.values() if s.bound), None)
        if session is None:
            self._held_mo.append(mo)
            return
        window = self.behaviour.mo_window
        if window and sum(isinstance(u, PendingMo) for u in session.unacked.values()) >= window:
            self._mo_waiting.append(mo)
            return
        mo.attempts += 1
        self.mo_sent.append((mo.mo_id, mo.part, mo.attempts))
        session.seq += 1
        session.unacked[session.seq] = mo
        session.send(pack_pdu(DELIVER_SM, 0, session.seq, mo_deliver_body(mo)))

    def _on_deliver_resp(self, s: _Session, seq: int, status: int) -> None:
        if seq not in s.unacked:
            return
        r = s.unacked.pop(seq)
        if isinstance(r, PendingMo):
            self.mo_resps.append(status)
            self.mo_acks.append(MoAck(r.mo_id, r.part, r.attempts, status))
            if status in MO_TEMPORARY and r.attempts <= self.behaviour.mo_redeliver_limit:
                self._later(self.behaviour.redeliver_delay, self._deliver_mo, r)
            if self._mo_waiting:
                self._deliver_mo(self._mo_waiting.popleft())
            return
        b = self.behaviour
        self.deliver_resps.append((format_id(r.message_id, b.receipt_id_format or b.resp_id_format),
                                   status))
        if status != 0 and r.attempts <= b.redeliver_limit:
            self._later(b.redeliver_delay, self._deliver, r)

    def _session_closed(self, s: _Session) -> None:
        self._sessions.pop(s.number, None)
        # Receipts the ESME never acknowledged are delivered again on its next bind.
        for r in s.unacked.values():
            if isinstance(r, PendingMo):
                self._loop.call_soon(self._deliver_mo, r)  # type: ignore[union-attr]
            else:
                self._loop.call_soon(self._deliver, r)  # type: ignore[union-attr]
        s.unacked.clear()

    def _unbind_all(self) -> None:
        for s in list(self._sessions.values()):
            if s.bound:
                s.bound, s.seq = False, s.seq + 1
                s.send(pack_pdu(UNBIND, 0, s.seq))
                self._loop.call_later(1.0, s.close)     # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--host", default="127.0.0.1")
    add("--port", type=int, default=2775, help="0: any free port (printed)")
    add("--system-id", default="smsgw")
    add("--password", default="secret")
    add("--receipt-delay", type=float, default=1.0)
    add("--receipt-form", choices=("text", "tlv", "both"), default="both")
    add("--resp-id-format", choices=("hex", "decimal"), default="hex")
    add("--no-receipts", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    sim = SmscSimulator(Behaviour(
        system_id=args.system_id, password=args.password, receipt_delay=args.receipt_delay,
        receipt_form=args.receipt_form, resp_id_format=args.resp_id_format,
        receipts=not args.no_receipts, record=False), args.host, args.port).start()
    print(f"SMSC simulator listening on {args.host}:{sim.port} (Ctrl-C stops it)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sim.stop()


if __name__ == "__main__":
    main()
