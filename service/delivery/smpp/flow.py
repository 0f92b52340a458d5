"""The submit side of one bind: parts queued, in flight and waiting to retry.

It enforces the window (submit_sm without a response), the rate (submit_sm per second) and
the backoff after ESME_RTHROTTLED / ESME_RMSGQFUL, and turns each submit_sm_resp,
generic_nack or timeout into a change of its part. It never touches a socket: the session
gives it a ``send`` function, so this file runs unchanged in unit tests.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections import Counter, OrderedDict, deque
from typing import Callable

from smpplib.consts import DESCRIPTIONS

from ...domain.backoff import backoff
from . import pdus
from .config import SmppConfig
from .jobs import Job, Part, PartState
from .pacing import Pacer

log = logging.getLogger(__name__)

_LATE_KEEP = 1000


def describe(status: int) -> str:
    return f"0x{status:08X} {DESCRIPTIONS.get(status, 'unknown status')}"


class SubmitFlow:
    """Parts of the jobs given to one bind, from queued to settled."""

    def __init__(self, config: SmppConfig, stats: Counter) -> None:
        self._cfg = config
        self._stats = stats
        self._pacer = Pacer(config.tps)
        self._paused_until = 0.0
        self._ready: deque[Part] = deque()
        self._retry: list[tuple[float, int, Part]] = []
        self._retry_order = itertools.count()
        self._in_flight: OrderedDict[int, tuple[Part, float]] = OrderedDict()
        self._late: OrderedDict[int, Part] = OrderedDict()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @property
    def busy(self) -> bool:
        """Parts are queued, waiting to retry or in flight."""
        return bool(self._in_flight or self._ready or self._retry)

    def add(self, job: Job) -> None:
        self._ready.extend(job.first_parts())

    def wait(self, now: float) -> float:
        """Seconds until the flow has something to do (a send slot, a retry, a timeout)."""
        t = 1.0
        if self._ready and len(self._in_flight) < self._cfg.window:
            t = min(t, max(self._paused_until - now, self._pacer.wait(now)))
        if self._retry:
            t = min(t, self._retry[0][0] - now)
        if self._in_flight:
            t = min(t, next(iter(self._in_flight.values()))[1] - now)
        return t

    def send_ready(self, now: float, send: Callable[[bytes], bool],
                   next_seq: Callable[[], int]) -> None:
        """Write queued parts while the window, the rate and any backoff allow."""
        self._promote_retries(now)
        while self._ready and len(self._in_flight) < self._cfg.window:
            if now < self._paused_until or self._pacer.wait(now) > 0:
                return
            part = self._ready[0]       # stays queued until written: a failed write is "not sent"
            if not part.job.active or part.state is not PartState.QUEUED:
                self._ready.popleft()
                continue
            seq = next_seq()
            if not send(pdus.with_sequence(part.template, seq)):
                return
            self._ready.popleft()
            part.state = PartState.IN_FLIGHT
            self._in_flight[seq] = (part, now + self._cfg.response_timeout)
            self._pacer.take(now)
            self._stats["submit_sm"] += 1
            self._stats["max_in_flight"] = max(self._stats["max_in_flight"], len(self._in_flight))

    def _promote_retries(self, now: float) -> None:
        due = []
        while self._retry and self._retry[0][0] <= now:
            due.append(heapq.heappop(self._retry)[2])
        self._ready.extendleft(reversed(due))

    def expire(self, now: float) -> None:
        """Parts whose response is overdue become Unknown (a late answer is only logged)."""
        while self._in_flight:
            seq, (part, deadline) = next(iter(self._in_flight.items()))
            if deadline > now:
                return
            del self._in_flight[seq]
            self._late[seq] = part
            while len(self._late) > _LATE_KEEP:
                self._late.popitem(last=False)
            self._stats["response_timeouts"] += 1
            part.job.unknown(part, f"no submit_sm_resp within {self._cfg.response_timeout:g}s")

    def on_submit_resp(self, frame: pdus.Frame, now: float) -> None:
        entry = self._in_flight.pop(frame.sequence, None)
        if entry is None:
            late = self._late.pop(frame.sequence, None)
            log.warning("late submit_sm_resp (sequence %d, %s)%s", frame.sequence,
                        describe(frame.status), f" for message {late.job.message_id} part "
                        f"{late.index + 1}, already reported Unknown" if late else "")
            return
        part, status = entry[0], frame.status
        if status == pdus.ESME_ROK:
            try:
                carrier_id = pdus.submit_sm_resp_id(frame)
            except Exception:  # noqa: BLE001 - smpplib raises assorted errors on bad bodies
                log.exception("unreadable submit_sm_resp %s", frame.raw.hex())
                part.job.unknown(part, "accepted, but the submit_sm_resp message_id is unreadable")
                return
            if not carrier_id:
                log.warning("message %s part %d accepted without a message_id",
                            part.job.message_id, part.index + 1)
            self._ready.extend(part.job.accepted(part, carrier_id))
        elif status in pdus.RETRYABLE:
            self._retry_later(part, status, now)
        elif status in pdus.TEMPORARY:
            part.job.refused(part, False, f"submit_sm_resp {describe(status)}", status)
        else:
            part.job.refused(part, True, f"submit_sm_resp {describe(status)}", status)

    def _retry_later(self, part: Part, status: int, now: float) -> None:
        cfg = self._cfg
        part.retries += 1
        if part.retries > cfg.retry_limit:
            part.job.refused(part, False, f"still {describe(status)} after {cfg.retry_limit} "
                             "retries", status)
            return
        delay = backoff(part.retries, cfg.retry_initial, cfg.retry_max)
        part.state = PartState.QUEUED
        heapq.heappush(self._retry, (now + delay, next(self._retry_order), part))
        # The SMSC refuses the bind's rate, not this PDU: everything waits.
        self._paused_until = max(self._paused_until, now + delay)
        self._stats["retries"] += 1

    def on_generic_nack(self, frame: pdus.Frame) -> bool:
        """A generic_nack for a submit_sm: resend once, then a temporary refusal."""
        entry = self._in_flight.pop(frame.sequence, None)
        if entry is None:
            return False
        part = entry[0]
        part.nacks += 1
        self._stats["generic_nacks"] += 1
        if part.nacks <= 1:
            part.state = PartState.QUEUED
            self._ready.appendleft(part)
        else:
            part.job.refused(part, False, f"generic_nack {describe(frame.status)} twice",
                             frame.status)
        return True

    def give_up_in_flight(self, reason: str) -> None:
        """Every part awaiting a response becomes Unknown (the connection is gone)."""
        for part, _ in self._in_flight.values():
            self._stats["unknown"] += 1
            part.job.unknown(part, reason)
        self._in_flight.clear()
        self._late.clear()

    def give_up_unstarted(self, reason: str) -> None:
        """Drop the messages none of whose parts was written; the others may still finish."""
        def started(part: Part) -> bool:
            return any(p.state is not PartState.QUEUED for p in part.job.parts)

        dropped = {id(p.job): p.job for p in self._ready if not started(p)}
        dropped.update({id(p.job): p.job for _, _, p in self._retry if not started(p)})
        self._ready = deque(p for p in self._ready if started(p))
        self._retry = [entry for entry in self._retry if started(entry[2])]
        heapq.heapify(self._retry)
        for job in dropped.values():
            job.not_sent(reason)

    def give_up_queued(self, reason: str) -> None:
        """Every part not yet written is dropped: its message was not sent (or only partly)."""
        jobs = {id(p.job): p.job for p in self._ready}
        jobs.update({id(p.job): p.job for _, _, p in self._retry})
        self._ready.clear()
        self._retry.clear()
        self._paused_until = 0.0
        for job in jobs.values():
            job.not_sent(reason)
