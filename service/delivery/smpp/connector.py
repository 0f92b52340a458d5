"""The SMPP 3.4 connector: the carrier port over one bind_transceiver."""

from __future__ import annotations

from typing import Sequence

from ...app.delivery.carrier import (
    InboundSink,
    OutboundSms,
    ReceiptSink,
    Rejected,
    SubmitOutcome,
    Unknown,
)
from ...domain.clock import Clock
from .config import SmppConfig
from .encoding import part_payloads
from .jobs import Job, Latch, PartState
from .pdus import submit_sm_template
from .session import SmppSession


class SmppConnector:
    """Submits through one SMPP bind_transceiver; pushes delivery receipts and inbound
    messages (MO, stamped with ``clock``) to their sinks.

    ``submit`` blocks until every message of the batch has an outcome; up to
    ``config.window`` submit_sm are in flight at once, at most ``config.tps`` per second. The
    socket belongs to one I/O thread; the sinks run on a receipt thread of its own (so they
    must be safe to call from a thread other than the worker's), and each deliver_sm is
    answered only after its sink returned: ESME_ROK, or ESME_RX_T_APPN if it raised. Several
    threads may call ``submit`` at once.
    """

    def __init__(self, config: SmppConfig, clock: Clock | None = None) -> None:
        self.config = config
        self._clock = clock
        self.name = config.name
        self._session: SmppSession | None = None

    # -- the port ----------------------------------------------------------------------------

    def start(self, sink: ReceiptSink, inbound: InboundSink) -> None:
        """Start binding; returns once the first bind attempt succeeded or failed."""
        if self._session is not None:
            raise RuntimeError("SmppConnector.start called twice")
        self._session = SmppSession(self.config, sink, inbound, self._clock)
        self._session.start()
        self._session.first_attempt_done.wait(2 * self.config.response_timeout + 1)

    def submit(self, batch: Sequence[OutboundSms]) -> list[SubmitOutcome]:
        """One outcome per message, in order; blocks until each one is known."""
        outcomes: list[SubmitOutcome | None] = [None] * len(batch)
        encoded: list[tuple[int, list[bytes]]] = []
        for i, sms in enumerate(batch):
            try:
                encoded.append((i, [submit_sm_template(sms.recipient, sms.sender,
                                                       sms.valid_until, p)
                                    for p in part_payloads(sms.parts, sms.encoding,
                                                           concat=sms.concat)]))
            except ValueError as exc:   # UnencodableText, or a field smpplib cannot encode
                outcomes[i] = Rejected(sms.message_id, permanent=True,
                                       reason=f"cannot build submit_sm: {exc}")
        latch = Latch(len(encoded))
        jobs = [(i, Job(batch[i], templates, latch.count_down)) for i, templates in encoded]
        if jobs:
            self._run_jobs([job for _, job in jobs], latch)
        for i, job in jobs:
            outcomes[i] = job.outcome or self._abandoned(job)
        return outcomes  # type: ignore[return-value]

    def poll(self) -> None:
        """Nothing is due on the worker's thread; this only restarts a thread that died."""
        if self._session is not None:
            self._session.revive()

    def stop(self) -> None:
        """Refuse new submits, wait (bounded) for in-flight responses and receipts, unbind."""
        if self._session is not None:
            self._session.stop()

    def ready(self) -> bool:
        return self.bound

    # -- for operators and tests -------------------------------------------------------------

    @property
    def bound(self) -> bool:
        return self._session is not None and self._session.bound.is_set()

    def wait_bound(self, timeout: float) -> bool:
        return self._session is not None and self._session.bound.wait(timeout)

    def stats(self) -> dict[str, int]:
        """Counters since start: submit_sm, retries, binds, connections_lost, receipts, ..."""
        return dict(self._session.stats) if self._session is not None else {}

    # -- internals ---------------------------------------------------------------------------

    def _run_jobs(self, jobs: list[Job], latch: Latch) -> None:
        session = self._session
        if session is None or not session.enqueue(jobs):
            reason = "connector not started" if session is None else "connector stopped"
            for job in jobs:
                job.not_sent(reason)
            return
        while not latch.wait(1.0):
            if not session.alive:       # the I/O thread settles every job, unless it died
                return

    @staticmethod
    def _abandoned(job: Job) -> SubmitOutcome:
        if any(p.state is not PartState.QUEUED for p in job.parts):
            return Unknown(job.message_id, "the SMPP I/O thread stopped before the outcome")
        return Rejected(job.message_id, permanent=False, reason="the SMPP I/O thread stopped")
