"""Use case: deliver client notifications from the durable outbox, with retries.

Each status change a client subscribed to (a callback URL on the account) is queued in the
same transaction as the change. Senders claim due notifications, at most the oldest
undelivered one per message, so a message's notifications arrive in order. A failure waits
``retry_min`` seconds, doubling up to ``retry_max``; a notification still undelivered
``give_up_hours`` after it was queued is dead-lettered (``smsgw callbacks dead|replay``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.clock import Clock
from .delivery_ports import CallbackJob, CallbackTransport
from .ports import UnitOfWorkFactory

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Smsgw-Signature"


@dataclass(frozen=True)
class CallbackPolicy:
    retry_min_seconds: float = 10.0
    retry_max_seconds: float = 600.0
    give_up_hours: float = 24.0
    timeout_seconds: float = 10.0
    batch_size: int = 50
    lease_seconds: int = 120


def sign(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the body, keyed with the account's callback secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class CallbackService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 transport: CallbackTransport, policy: CallbackPolicy) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._transport = transport
        self.policy = policy

    def send_due(self) -> int:
        """Claim due notifications, POST each once, record the outcomes together.

        One transaction records a whole batch: a commit per notification would make the
        database's commit latency, not the network, the limit.
        """
        now = self._clock.now()
        with self._uow(write=True) as uow:
            jobs = uow.delivery.claim_callbacks(
                now, now + timedelta(seconds=self.policy.lease_seconds), self.policy.batch_size)
            uow.commit()
        if not jobs:
            return 0
        outcomes = [(job, self._post(job)) for job in jobs]
        done = self._clock.now()
        with self._uow(write=True) as uow:
            uow.delivery.callbacks_settled(
                [job.id for job, error in outcomes if error is None],
                [(job.id, error, self._retry_at(job, done)) for job, error in outcomes if error],
                done)
            uow.commit()
        return len(jobs)

    def _post(self, job: CallbackJob) -> str | None:
        body = job.payload.encode()
        headers = {"Content-Type": "application/json", "User-Agent": "smsgw"}
        if job.secret:
            headers[SIGNATURE_HEADER] = sign(job.secret, body)
        try:
            status = self._transport.post(job.url, body, headers, self.policy.timeout_seconds)
        except OSError as exc:
            return f"unreachable: {exc}"
        return None if 200 <= status < 300 else f"HTTP {status}"

    def _retry_at(self, job: CallbackJob, now: datetime) -> datetime | None:
        if now - job.created_at >= timedelta(hours=self.policy.give_up_hours):
            log.warning("callback %s for message %s dead-lettered after %s attempts",
                        job.id, job.message_id, job.attempts + 1)
            return None
        delay = min(self.policy.retry_max_seconds,
                    self.policy.retry_min_seconds * 2 ** job.attempts)
        return now + timedelta(seconds=delay)

    def dead_letters(self, limit: int = 100) -> list[CallbackJob]:
        with self._uow() as uow:
            return uow.delivery.dead_callbacks(limit)

    def replay(self, ids: list[int] | None) -> int:
        """Queue dead letters again (all when ``ids`` is None); returns how many."""
        with self._uow(write=True) as uow:
            count = uow.delivery.replay_callbacks(ids, self._clock.now())
            uow.commit()
        return count
