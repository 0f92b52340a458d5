"""The I/O thread of one SMPP bind: the only code that reads or writes its socket.

smpplib's Client is not thread-safe, does not rebind and dies silently when ``listen`` raises,
so the session owns the connection itself and uses smpplib for PDU bodies only. One thread
binds, writes every PDU (submits, deliver_sm_resp, enquire_link, unbind) and reads every PDU;
other threads talk to it through two queues and a wake-up socket. An exception in the loop is
logged, the connection dropped (in-flight submits become Unknown) and the bind made again.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections import Counter, deque
from contextlib import suppress

from ...app.delivery.carrier import InboundSink, ReceiptSink
from ...domain.clock import Clock, SystemClock
from . import pdus
from .config import SmppConfig
from .flow import SubmitFlow, describe
from .jobs import Job
from .pacing import ReconnectBackoff
from .mo import MoRefused, part_from_deliver
from .receipt_pump import Ack, DeliverPump
from .receipts import MalformedReceipt, receipt_from_pdu
from .transport import ConnectionLost, Transport

log = logging.getLogger(__name__)


class SmppSession:
    """One bind_transceiver kept up on its own thread; submits arrive as Jobs via ``enqueue``."""

    def __init__(self, config: SmppConfig, sink: ReceiptSink, inbound: InboundSink,
                 clock: Clock | None = None) -> None:
        self.config = config
        self._clock = clock or SystemClock()
        self.bound = threading.Event()
        self.first_attempt_done = threading.Event()
        self.stats: Counter[str] = Counter()
        self._stop = threading.Event()
        self._inbox: deque[Job] = deque()
        self._acks: deque[Ack] = deque()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._pump = DeliverPump(sink, inbound, self._post_acks, config.receipt_batch)
        self._thread = threading.Thread(target=self._run, name="smpp-io", daemon=True)
        # Everything below belongs to the I/O thread.
        self._transport: Transport | None = None
        self._generation = 0
        self._seq = 0
        self._flow = SubmitFlow(config, self.stats)
        self._backoff = ReconnectBackoff(config.reconnect_initial, config.reconnect_max,
                                         config.reconnect_stable, config.reconnect_jitter)
        self._next_attempt = 0.0
        self._last_rx = 0.0
        self._enquire: tuple[int, float] | None = None
        self._receipts_pending = 0
        self._drain_deadline: float | None = None
        self._unbind: tuple[int, float] | None = None

    # -- any thread --------------------------------------------------------------------------

    def start(self) -> None:
        self._pump.start()
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def enqueue(self, jobs: list[Job]) -> bool:
        if self._stop.is_set() or not self._thread.is_alive():
            return False
        self._inbox.extend(jobs)
        self._wake()
        return True

    def stop(self) -> None:
        self._stop.set()
        self._wake()
        cfg = self.config
        self._thread.join(cfg.stop_timeout + 2 * cfg.response_timeout + 1)
        self._pump.stop(cfg.response_timeout)
        if not self._thread.is_alive():
            self._wake_r.close()
            self._wake_w.close()

    def revive(self) -> None:
        """Start the threads again if one of them died (only a bug can do that)."""
        if not self._stop.is_set() and not self._thread.is_alive():
            log.error("SMPP I/O thread had died; starting it again")
            self._thread = threading.Thread(target=self._run, name="smpp-io", daemon=True)
            self._thread.start()
        self._pump.revive()

    def _post_acks(self, acks: list[Ack]) -> None:
        self._acks.extend(acks)
        self._wake()

    def _wake(self) -> None:
        with suppress(OSError):     # full (a wake-up is pending anyway) or closed at stop
            self._wake_w.send(b"x")

    # -- the I/O thread ----------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                if self._step():
                    return
            except Exception:  # noqa: BLE001 - never die silently: log, drop, bind again
                log.exception("SMPP I/O loop failed; dropping the connection")
                self.stats["loop_errors"] += 1
                try:
                    self._drop("internal error", time.monotonic())
                except Exception:  # noqa: BLE001
                    log.exception("dropping the connection failed too")
                    self._transport = None
                time.sleep(0.05)

    def _step(self) -> bool:
        now = time.monotonic()
        if self._transport is None:
            return self._step_disconnected(now)
        self._step_connected(now)
        return False

    def _step_disconnected(self, now: float) -> bool:
        while self._inbox:
            self._inbox.popleft().not_sent("not bound to the SMSC")
        self._acks.clear()          # for a closed connection; the SMSC sends those again
        if self._stop.is_set():
            self.first_attempt_done.set()
            return True
        if now < self._next_attempt:
            self._select([], self._next_attempt - now)
            return False
        self._connect(now)
        return False

    def _connect(self, now: float) -> None:
        cfg = self.config
        self.stats["bind_attempts"] += 1
        transport = None
        try:
            transport = Transport.connect(cfg.host, cfg.port, cfg.response_timeout)
            seq = self._next_seq()
            transport.send(pdus.bind_transceiver(seq, cfg.system_id, cfg.password, cfg.system_type))
            resp = transport.read_frame(cfg.response_timeout)
            if resp.command_id != pdus.BIND_TRANSCEIVER_RESP or resp.status != pdus.ESME_ROK:
                self.stats["bind_refused"] += 1
                raise ConnectionLost(f"bind_transceiver refused: {describe(resp.status)}")
        except ConnectionLost as exc:
            if transport is not None:
                transport.close()
            self._schedule_reconnect(now, str(exc))
            return
        self._transport, self._generation = transport, self._generation + 1
        self._last_rx, self._enquire, self._unbind = now, None, None
        self._backoff.bound(now)
        self.stats["binds"] += 1
        self.bound.set()
        self.first_attempt_done.set()
        log.info("bound as transceiver to %s:%s as %r", cfg.host, cfg.port, cfg.system_id)
        for frame in transport.buffered():
            self._handle(frame, now)

    def _schedule_reconnect(self, now: float, reason: str) -> None:
        delay = self._backoff.next_delay(now)
        self._next_attempt = now + delay
        self.first_attempt_done.set()
        log.warning("SMPP %s:%s: %s; next bind attempt in %.2fs (attempt %d failed in a row)",
                    self.config.host, self.config.port, reason, delay, self._backoff.failures)

    def _step_connected(self, now: float) -> None:
        self._take_inbox()
        self._take_acks()
        if self._stop.is_set() and self._drain_deadline is None:
            self._begin_drain(now)
        self._flow.send_ready(now, self._send, self._next_seq)
        self._flow.expire(now)
        self._keepalive(now)
        if self._drain_deadline is not None:
            self._drain(now)
        if self._transport is None:
            return
        readable = self._select([self._transport], self._timeout(now))
        if self._transport is not None and self._transport.fileno() in readable:
            try:
                frames = self._transport.receive()
            except ConnectionLost as exc:
                self._drop(str(exc), time.monotonic())
                return
            now = time.monotonic()
            for frame in frames:
                if self._transport is None:
                    break
                self._handle(frame, now)

    def _select(self, sockets: list, timeout: float) -> set[int]:
        fds = [self._wake_r.fileno()] + [s.fileno() for s in sockets]
        readable, _, _ = select.select(fds, [], [], max(0.0, timeout))
        if self._wake_r.fileno() in readable:
            with suppress(OSError):  # drained: a non-blocking socket has nothing more to give
                while self._wake_r.recv(4096):
                    continue
        return set(readable)

    def _timeout(self, now: float) -> float:
        cfg = self.config
        t = self._flow.wait(now)
        if self._enquire is not None:
            t = min(t, self._enquire[1] + cfg.response_timeout - now)
        else:
            t = min(t, self._last_rx + cfg.enquire_link_interval - now)
        for deadline in (self._drain_deadline, self._unbind[1] if self._unbind else None):
            if deadline is not None:
                t = min(t, deadline - now)
        return max(0.0, t)

    # -- writing -----------------------------------------------------------------------------

    def _next_seq(self) -> int:
        self._seq = self._seq % 0x7FFFFFFF + 1
        return self._seq

    def _send(self, data: bytes) -> bool:
        try:
            self._transport.send(data)      # type: ignore[union-attr]
            return True
        except ConnectionLost as exc:
            self._drop(str(exc), time.monotonic())
            return False

    def _take_inbox(self) -> None:
        while self._inbox:
            job = self._inbox.popleft()
            if self._stop.is_set():
                job.not_sent("connector stopping")
            else:
                self._flow.add(job)

    def _take_acks(self) -> None:
        while self._acks and self._transport is not None:
            generation, seq, status = self._acks.popleft()
            if generation != self._generation:
                self.stats["stale_receipt_acks"] += 1
                continue
            self._receipts_pending -= 1
            self._send(pdus.build("deliver_sm_resp", seq, status=status))

    def _keepalive(self, now: float) -> None:
        if self._transport is None:
            return
        if self._enquire is not None:
            if now - self._enquire[1] >= self.config.response_timeout:
                self._drop("enquire_link unanswered", now)
        elif now - self._last_rx >= self.config.enquire_link_interval:
            seq = self._next_seq()
            if self._send(pdus.build("enquire_link", seq)):
                self._enquire = (seq, now)
                self.stats["enquire_link"] += 1

    # -- reading -----------------------------------------------------------------------------

    def _handle(self, frame: pdus.Frame, now: float) -> None:
        self._last_rx = now
        cid = frame.command_id
        if cid == pdus.SUBMIT_SM_RESP:
            self._flow.on_submit_resp(frame, now)
        elif cid == pdus.DELIVER_SM:
            self._on_deliver_sm(frame)
        elif cid == pdus.GENERIC_NACK:
            self._on_generic_nack(frame)
        elif cid == pdus.ENQUIRE_LINK:
            self._send(pdus.build("enquire_link_resp", frame.sequence))
        elif cid == pdus.ENQUIRE_LINK_RESP:
            if self._enquire is not None and self._enquire[0] == frame.sequence:
                self._enquire = None
        elif cid == pdus.UNBIND:
            self.stats["unbinds_from_smsc"] += 1
            if self._send(pdus.build("unbind_resp", frame.sequence)):
                self._drop("the SMSC unbound", now)
        elif cid == pdus.UNBIND_RESP:
            if self._unbind is not None:
                self._close_after_unbind()
        elif cid == pdus.ALERT_NOTIFICATION:
            pass                        # it takes no response, and says nothing we act on
        elif frame.is_response:
            log.warning("unexpected response 0x%08X (sequence %d) ignored", cid, frame.sequence)
        else:
            log.warning("unsupported request 0x%08X from the SMSC; answering generic_nack", cid)
            self._send(pdus.build("generic_nack", frame.sequence, status=pdus.ESME_RINVCMDID))

    def _on_generic_nack(self, frame: pdus.Frame) -> None:
        if self._enquire is not None and self._enquire[0] == frame.sequence:
            self._enquire = None        # it answered, so the link is alive
        elif not self._flow.on_generic_nack(frame):
            log.warning("generic_nack %s for sequence %d", describe(frame.status), frame.sequence)

    def _on_deliver_sm(self, frame: pdus.Frame) -> None:
        """A receipt or an MO: queued for its sink, answered once the sink stored it."""
        try:
            deliver = pdus.parse_deliver_sm(frame.raw)
            receipt = receipt_from_pdu(deliver.esm_class, deliver.data_coding,
                                       deliver.short_message, deliver.tlvs)
            item = receipt if receipt is not None else part_from_deliver(
                deliver, self._clock.now())
        except MalformedReceipt:
            log.error("receipt without a message id acknowledged and dropped: %s", frame.raw.hex())
            self._send(pdus.build("deliver_sm_resp", frame.sequence, status=pdus.ESME_ROK))
            return
        except MoRefused as exc:
            log.error("MO refused permanently (%s; status 0x%02X): %s", exc, exc.status,
                      frame.raw.hex())
            self.stats["mo_refused"] += 1
            self._send(pdus.build("deliver_sm_resp", frame.sequence, status=exc.status))
            return
        except ValueError as exc:
            log.error("unreadable deliver_sm (%s): %s", exc, frame.raw.hex())
            self._send(pdus.build("generic_nack", frame.sequence, status=pdus.ESME_RINVCMDLEN))
            return
        if self._drain_deadline is not None:        # closing: let the SMSC send it again later
            self._send(pdus.build("deliver_sm_resp", frame.sequence, status=pdus.ESME_RX_T_APPN))
            return
        self.stats["receipts" if receipt is not None else "mo"] += 1
        self._receipts_pending += 1
        self._pump.put(self._generation, frame.sequence, item)

    # -- ending a connection ------------------------------------------------------------------

    def _begin_drain(self, now: float) -> None:
        # Messages not begun are refused (safe to retry); begun ones may finish their parts.
        self._drain_deadline = now + self.config.stop_timeout
        self._flow.give_up_unstarted("connector stopping")

    def _drain(self, now: float) -> None:
        if self._transport is None:
            return
        if self._unbind is None:
            waiting = self._flow.busy or self._receipts_pending > 0
            if waiting and now < (self._drain_deadline or now):
                return
            self._flow.give_up_in_flight("stopped before the response came")
            self._flow.give_up_queued("not sent: the connector stopped")
            seq = self._next_seq()
            if self._send(pdus.build("unbind", seq)):
                self._unbind = (seq, now + self.config.response_timeout)
        elif now >= self._unbind[1]:
            log.warning("no unbind_resp from the SMSC; closing anyway")
            self._close_after_unbind()

    def _close_after_unbind(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self._transport = None
        self.bound.clear()
        log.info("unbound from %s:%s", self.config.host, self.config.port)

    def _drop(self, reason: str, now: float) -> None:
        """Close the connection: in-flight submits are Unknown, queued ones were not sent."""
        if self._transport is not None:
            self._transport.close()
            self.stats["connections_lost"] += 1
        self._transport = None
        self.bound.clear()
        self._flow.give_up_in_flight(f"connection lost before the response ({reason})")
        self._flow.give_up_queued(f"not sent: connection lost ({reason})")
        self._enquire, self._unbind = None, None
        self._receipts_pending = 0
        if self._stop.is_set():
            log.info("SMPP connection closed while stopping (%s)", reason)
        else:
            self._schedule_reconnect(now, f"connection lost ({reason})")
