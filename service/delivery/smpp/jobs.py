"""A message on its way through one bind: its parts' states and the outcome they add up to.

The first part goes alone; the others follow once it was accepted, so a refusal that applies to
the whole message (a bad number, a barred sender) leaves nothing half-sent. A message is
Accepted only when every part was. Once any part may have reached the SMSC, the message is never
reported as safe to resend: a partly sent or possibly sent message is Unknown.
"""

from __future__ import annotations

import enum
import threading
from typing import Callable

from ...app.delivery.carrier import Accepted, OutboundSms, Rejected, SubmitOutcome, Unknown


class PartState(enum.Enum):
    QUEUED = "queued"            # not on the wire (or refused with a retryable status)
    IN_FLIGHT = "in flight"      # written, no response yet
    ACCEPTED = "accepted"
    REFUSED = "refused"          # the SMSC answered with an error, or it was never written
    UNKNOWN = "unknown"          # written, and the response never came


class Part:
    """One submit_sm of a message: its template bytes and retry counters."""

    __slots__ = ("job", "index", "template", "state", "carrier_id", "retries", "nacks")

    def __init__(self, job: "Job", index: int, template: bytes) -> None:
        self.job, self.index, self.template = job, index, template
        self.state = PartState.QUEUED
        self.carrier_id: str | None = None
        self.retries = 0
        self.nacks = 0


class Job:
    """The parts of one OutboundSms and, once settled, its SubmitOutcome."""

    def __init__(self, sms: OutboundSms, templates: list[bytes],
                 on_settled: Callable[["Job"], None]) -> None:
        self.sms = sms
        self.parts = [Part(self, i, t) for i, t in enumerate(templates)]
        self.outcome: SubmitOutcome | None = None
        self._on_settled = on_settled
        self._refusal: tuple[bool, str, int | None] | None = None
        self._unknown_reason: str | None = None

    @property
    def message_id(self) -> int:
        return self.sms.message_id

    @property
    def active(self) -> bool:
        """Still sending: not settled and nothing has gone wrong yet."""
        return self.outcome is None and self._refusal is None and self._unknown_reason is None

    def first_parts(self) -> list[Part]:
        return self.parts[:1]

    def accepted(self, part: Part, carrier_id: str) -> list[Part]:
        """Record an accepted part; returns the parts that may now be sent."""
        part.state, part.carrier_id = PartState.ACCEPTED, carrier_id
        follow = self.parts[1:] if part.index == 0 and self.active else []
        self._settle_if_done()
        return follow

    def refused(self, part: Part, permanent: bool, reason: str, code: int | None) -> None:
        """The SMSC refused the part, or it was never written: the message stops here."""
        part.state = PartState.REFUSED
        if self._refusal is None:
            self._refusal = (permanent, f"part {part.index + 1}/{len(self.parts)}: {reason}", code)
        self._settle_if_done()

    def unknown(self, part: Part, reason: str) -> None:
        """The part was written and its response never came."""
        part.state = PartState.UNKNOWN
        if self._unknown_reason is None:
            self._unknown_reason = f"part {part.index + 1}/{len(self.parts)}: {reason}"
        self._settle_if_done()

    def not_sent(self, reason: str) -> None:
        """Give up on the parts still queued (the connection is down, or we are stopping)."""
        queued = [p for p in self.parts if p.state is PartState.QUEUED]
        for part in queued:
            part.state = PartState.REFUSED
        if queued and self._refusal is None:
            self._refusal = (False, reason, None)
        self._settle_if_done()

    def _settle_if_done(self) -> None:
        if self.outcome is not None:
            return
        states = [p.state for p in self.parts]
        if PartState.IN_FLIGHT in states:
            return
        if all(s is PartState.ACCEPTED for s in states):
            self.outcome = Accepted(self.message_id, tuple(p.carrier_id or "" for p in self.parts))
        elif self.active:
            return                              # parts still queued, nothing went wrong
        else:
            self.outcome = self._failure(states)
        self._on_settled(self)

    def _failure(self, states: list[PartState]) -> SubmitOutcome:
        sent = [p for p in self.parts if p.state is PartState.ACCEPTED]
        if self._unknown_reason is not None or sent:
            what = self._unknown_reason or (self._refusal[1] if self._refusal else "")
            ids = ", ".join(f"{p.index + 1}={p.carrier_id}" for p in sent)
            extra = f"; parts accepted before: {ids}" if sent else ""
            return Unknown(self.message_id, f"{what}{extra}", carrier_ids=tuple(
                p.carrier_id if p.state is PartState.ACCEPTED else None for p in self.parts))
        permanent, reason, code = self._refusal or (False, "not sent", None)
        return Rejected(self.message_id, permanent=permanent, reason=reason, error_code=code)


class Latch:
    """Counts settled jobs down to zero for the caller waiting in ``submit``."""

    def __init__(self, count: int) -> None:
        self._left = count
        self._cond = threading.Condition()

    def count_down(self, _job: Job | None = None) -> None:
        with self._cond:
            self._left -= 1
            if self._left <= 0:
                self._cond.notify_all()

    def wait(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._left <= 0, timeout)
