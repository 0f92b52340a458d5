"""One SMPP connection: framing, the bind state machine, timers, and the PDUs of a session.

States: OPEN (connected) -> BINDING -> BOUND (tx, rx or trx) -> UNBINDING (we asked) -> CLOSED.
A bad frame (command_length under 16 or over the maximum) is answered with generic_nack
ESME_RINVCMDLEN and ends the connection, since nothing after it can be framed; a bad body is
answered on that PDU alone. Every handler is guarded: whatever goes wrong becomes an
ESME_RSYSERR answer and a log line, never a traceback to the peer and never a hang.
Blocking use cases run in the server's thread pool; submit_sm go to the group committer.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from typing import TYPE_CHECKING, Any

from ...app.sending.submit import Submitted
from ...app.smpp.binds import BindType, BoundSession
from ...app.smpp.outbox_ports import OwedDeliver
from ...protocols.smpp import pdu as p
from .errors import esme_status
from .operations import message_id_of, query_answer, deliver_pdu, submission_from

if TYPE_CHECKING:
    from .server import SmppServer

log = logging.getLogger(__name__)

BIND_TYPES = {p.BIND_TRANSMITTER: BindType.TRANSMITTER, p.BIND_RECEIVER: BindType.RECEIVER,
              p.BIND_TRANSCEIVER: BindType.TRANSCEIVER}
# A client that sends faster than we commit stops being read beyond this many in flight.
MAX_IN_FLIGHT = 512


class State(enum.Enum):
    OPEN = "open"
    BINDING = "binding"
    BOUND = "bound"
    UNBINDING = "unbinding"
    CLOSED = "closed"


class Session(asyncio.Protocol):
    def __init__(self, server: "SmppServer", number: int) -> None:
        self.server, self.number = server, number
        self.options = server.options
        self.loop = server.loop
        self.transport: asyncio.Transport | None = None
        self.ip: str | None = None
        self.state = State.OPEN
        self.bound: BoundSession | None = None
        self.counted_unbound = False
        self._buffer = bytearray()
        self._sequence = 0
        self._in_flight = 0
        self._reading_paused = False
        self._writing_paused = False
        # our requests awaiting a response: sequence -> (owed deliver_sm or None, its timer)
        self.outstanding: dict[int, tuple[OwedDeliver | None, asyncio.TimerHandle | None]] = {}
        now = self.loop.time()
        self._last_heard = self._last_active = now
        self._probe_at: float | None = None
        self._timers: dict[str, asyncio.TimerHandle] = {}

    # -- connection ----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.ip = str(peer[0]) if isinstance(peer, tuple) and peer else None
        if not self.server.session_opened(self):
            self.state = State.CLOSED
            transport.abort()
            return
        o = self.options
        self._timers["bind"] = self.loop.call_later(o.bind_timeout_seconds, self._bind_deadline)
        self._arm_silence(self.loop.time() + o.enquire_link_seconds)
        if o.idle_timeout_seconds:
            self._arm_idle(self.loop.time() + o.idle_timeout_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        was = self.state
        self.state = State.CLOSED
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        owed = []
        for item, timer in self.outstanding.values():
            if timer is not None:
                timer.cancel()
            if item is not None:
                owed.append(item)
        self.outstanding.clear()
        self.transport = None
        if was is not State.CLOSED or self.counted_unbound or self.bound is not None:
            self.server.session_closed(self, owed)

    def pause_writing(self) -> None:
        self._writing_paused = True
        self._update_reading()

    def resume_writing(self) -> None:
        self._writing_paused = False
        self._update_reading()

    def _update_reading(self) -> None:
        if self.transport is None:
            return
        pause = self._writing_paused or self._in_flight >= MAX_IN_FLIGHT
        if pause and not self._reading_paused:
            self.transport.pause_reading()
        elif not pause and self._reading_paused:
            self.transport.resume_reading()
        self._reading_paused = pause

    @property
    def closed(self) -> bool:
        return self.state is State.CLOSED or self.transport is None

    def send(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self, reason: str) -> None:
        if self.transport is not None and not self.transport.is_closing():
            log.info("smpp session %d (%s): closing: %s", self.number, self.ip, reason)
            self.transport.close()

    def next_sequence(self) -> int:
        self._sequence = self._sequence % 0x7FFFFFFF + 1
        return self._sequence

    # -- reading -------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= p.HEADER_LENGTH and not self.closed:
            try:
                header = p.read_header(self._buffer)
            except p.PduError as exc:
                sequence = int.from_bytes(self._buffer[12:16], "big")
                self._buffer.clear()
                self.send(p.generic_nack(sequence, exc.status))
                self.close(str(exc))
                return
            if len(self._buffer) < header.length:
                return
            body = bytes(self._buffer[p.HEADER_LENGTH:header.length])
            del self._buffer[:header.length]
            self._last_heard = self.loop.time()
            try:
                self._dispatch(header, body)
            except Exception:  # a bug of ours: the peer gets a status, the log the traceback
                log.exception("smpp session %d: handling command 0x%08X", self.number,
                              header.command_id)
                if not header.is_response:
                    self.send(p.generic_nack(header.sequence, p.ESME_RSYSERR))

    def _dispatch(self, h: p.Header, body: bytes) -> None:
        cid = h.command_id
        if cid == p.ENQUIRE_LINK:
            self.send(p.empty_resp(cid, h.sequence))
        elif h.is_response:
            self._on_response(h)
        elif cid in BIND_TYPES:
            self._on_bind(h, body)
        elif cid == p.UNBIND:
            self._on_unbind(h)
        elif cid in (p.SUBMIT_SM, p.QUERY_SM, p.CANCEL_SM):
            if self.state is not State.BOUND or self.bound is None \
                    or not self.bound.bind_type.transmits:
                self.send(p.pack(cid | p.RESP, p.ESME_RINVBNDSTS, h.sequence))
                return
            self._last_active = self.loop.time()
            if cid == p.SUBMIT_SM:
                self._on_submit(h, body)
            elif cid == p.QUERY_SM:
                self._spawn(self._on_query(h, body))
            else:
                self._spawn(self._on_cancel(h, body))
        else:
            self.send(p.generic_nack(h.sequence, p.ESME_RINVCMDID))

    def _spawn(self, coroutine: Any) -> None:
        self.server.track(self.loop.create_task(coroutine))

    # -- bind and unbind -----------------------------------------------------------------------

    def _on_bind(self, h: p.Header, body: bytes) -> None:
        if self.state is not State.OPEN:
            self.send(p.bind_resp(h.command_id, h.sequence, p.ESME_RALYBND, ""))
            return
        try:
            bind = p.decode_bind(body)
        except p.PduError as exc:
            self.send(p.bind_resp(h.command_id, h.sequence, exc.status, ""))
            return
        self.state = State.BINDING
        self._spawn(self._bind(h, bind, BIND_TYPES[h.command_id]))

    async def _bind(self, h: p.Header, bind: p.Bind, bind_type: BindType) -> None:
        server = self.server
        try:
            bound = await server.blocking(server.services.binds.bind, bind.system_id,
                                          bind.password, self.ip, bind_type, server.options.node)
        except Exception as exc:
            status = esme_status(exc, "bind")
            if status == p.ESME_RSYSERR:
                log.error("smpp session %d: bind of %r failed", self.number, bind.system_id,
                          exc_info=exc)
            else:
                log.info("smpp session %d (%s): bind of %r refused: %s", self.number, self.ip,
                         bind.system_id, exc)
            if not self.closed:
                self.state = State.OPEN
                self.send(p.bind_resp(h.command_id, h.sequence, status, ""))
            return
        if self.closed:  # the peer left while we checked: the session must not stay counted
            server.release_binding(bound)
            return
        self.bound, self.state = bound, State.BOUND
        server.session_bound(self)
        self.send(p.bind_resp(h.command_id, h.sequence, p.ESME_ROK, server.options.system_id))
        log.info("smpp session %d (%s): %s bound as %s", self.number, self.ip, bound.login,
                 bound.bind_type.value)

    def _bind_deadline(self) -> None:
        if self.state in (State.OPEN, State.BINDING):
            self.close("no bind in time")

    def _on_unbind(self, h: p.Header) -> None:
        self.send(p.empty_resp(p.UNBIND, h.sequence))
        self.close("the peer unbound")

    def begin_unbind(self, reason: str) -> None:
        """Ask the peer to unbind (shutdown, idle, blocked account); close after its answer or
        the response timeout. An unbound connection is simply closed."""
        if self.closed:
            return
        if self.state is not State.BOUND:
            self.close(reason)
            return
        self.state = State.UNBINDING
        sequence = self.next_sequence()
        self._timers["unbind"] = self.loop.call_later(
            self.options.response_timeout_seconds, self.close, f"{reason}; no unbind_resp")
        self.outstanding[sequence] = (None, None)
        self.send(p.unbind(sequence))
        log.info("smpp session %d: unbinding: %s", self.number, reason)

    # -- submit, query, cancel -----------------------------------------------------------------

    def _on_submit(self, h: p.Header, body: bytes) -> None:
        assert self.bound is not None
        try:
            sm = p.decode_submit_sm(body)
            submission = submission_from(sm, self.bound.account_id, self.ip,
                                         self.server.services.now())
        except p.PduError as exc:
            self.send(p.submit_sm_resp(h.sequence, exc.status))
            return
        if not self.server.committer.offer(submission, lambda r: self._submitted(h.sequence, r)):
            self.send(p.submit_sm_resp(h.sequence, p.ESME_RMSGQFUL))
            return
        self._in_flight += 1
        if self._in_flight >= MAX_IN_FLIGHT:
            self._update_reading()

    def _submitted(self, sequence: int, result: Submitted | BaseException) -> None:
        self._in_flight -= 1
        self._update_reading()
        if isinstance(result, BaseException):
            self.send(p.submit_sm_resp(sequence, p.ESME_RSYSERR))
        elif result.error is not None:
            status = esme_status(result.error, "submit")
            if status == p.ESME_RSYSERR:
                log.error("smpp session %d: submit_sm failed", self.number, exc_info=result.error)
            self.send(p.submit_sm_resp(sequence, status))
        else:
            self.send(p.submit_sm_resp(sequence, p.ESME_ROK, str(result.message_id)))

    async def _on_query(self, h: p.Header, body: bytes) -> None:
        assert self.bound is not None
        try:
            query = p.decode_query_sm(body)
            message_id = message_id_of(query.message_id)
            message = await self.server.blocking(self.server.services.submit.find,
                                                 self.bound.account_id, message_id)
        except p.PduError as exc:
            self.send(p.query_sm_resp(h.sequence, exc.status))
            return
        except Exception as exc:
            self.send(p.query_sm_resp(h.sequence, self._status(exc, "query")))
            return
        if message is None:
            self.send(p.query_sm_resp(h.sequence, p.ESME_RQUERYFAIL))
            return
        final_date, state, error = query_answer(message)
        self.send(p.query_sm_resp(h.sequence, p.ESME_ROK, str(message_id), final_date, state,
                                  error))

    async def _on_cancel(self, h: p.Header, body: bytes) -> None:
        assert self.bound is not None
        try:
            cancel = p.decode_cancel_sm(body)
            if not cancel.message_id:  # "every message from source to destination": not offered
                raise p.PduError(p.ESME_RCANCELFAIL, "cancel_sm needs a message_id")
            message_id = message_id_of(cancel.message_id)
            await self.server.blocking(self.server.services.cancel.cancel,
                                       self.bound.account_id, message_id)
        except p.PduError as exc:
            self.send(p.empty_resp(p.CANCEL_SM, h.sequence, exc.status))
            return
        except Exception as exc:
            self.send(p.empty_resp(p.CANCEL_SM, h.sequence, self._status(exc, "cancel")))
            return
        self.send(p.empty_resp(p.CANCEL_SM, h.sequence))

    def _status(self, exc: BaseException, operation: str) -> int:
        status = esme_status(exc, operation)
        if status == p.ESME_RSYSERR:
            log.error("smpp session %d: %s failed", self.number, operation, exc_info=exc)
        return status

    # -- receipts and inbound messages (deliver_sm) -----------------------------------------

    @property
    def receives(self) -> bool:
        return (self.state is State.BOUND and self.bound is not None
                and self.bound.bind_type.receives and not self.closed)

    @property
    def free_window(self) -> int:
        in_flight = sum(1 for item, _ in self.outstanding.values() if item is not None)
        return max(0, self.options.window - in_flight)

    def send_owed(self, owed: OwedDeliver) -> None:
        sequence = self.next_sequence()
        timer = self.loop.call_later(self.options.response_timeout_seconds,
                                     self._deliver_timeout, sequence)
        self.outstanding[sequence] = (owed, timer)
        self._last_active = self.loop.time()
        self.send(deliver_pdu(sequence, owed))

    def _deliver_timeout(self, sequence: int) -> None:
        entry = self.outstanding.pop(sequence, None)
        if entry is not None and entry[0] is not None:
            self.server.pump.answered(self, entry[0], ok=False)

    def _on_response(self, h: p.Header) -> None:
        entry = self.outstanding.pop(h.sequence, None)
        if entry is None:
            return  # an answer to nothing we asked (or too late): ignored
        owed, timer = entry
        if timer is not None:
            timer.cancel()
        if owed is not None:
            self._last_active = self.loop.time()
            ok = h.command_id == p.DELIVER_SM | p.RESP and h.status == p.ESME_ROK
            self.server.pump.answered(self, owed, ok=ok)
        elif h.command_id == p.UNBIND | p.RESP:
            self.close("unbound")

    # -- timers --------------------------------------------------------------------------------

    def _arm_silence(self, when: float) -> None:
        self._timers["silence"] = self.loop.call_at(when, self._on_silence)

    def _on_silence(self) -> None:
        """Ask a silent peer with enquire_link; close the connection when it does not answer
        within the response timeout (a half-open connection)."""
        if self.closed:
            return
        o, now = self.options, self.loop.time()
        if self._probe_at is not None and self._last_heard < self._probe_at:
            if now >= self._probe_at + o.response_timeout_seconds:
                self.close("no answer to enquire_link")
            else:
                self._arm_silence(self._probe_at + o.response_timeout_seconds)
            return
        due = self._last_heard + o.enquire_link_seconds
        if now < due:
            self._arm_silence(due)
            return
        self._probe_at = now
        self.send(p.enquire_link(self.next_sequence()))  # any PDU from the peer answers it
        self._arm_silence(now + o.response_timeout_seconds)

    def _arm_idle(self, when: float) -> None:
        self._timers["idle"] = self.loop.call_at(when, self._on_idle)

    def _on_idle(self) -> None:
        if self.closed:
            return
        due = self._last_active + self.options.idle_timeout_seconds
        if self.loop.time() < due:
            self._arm_idle(due)
        else:
            self.begin_unbind("idle")
