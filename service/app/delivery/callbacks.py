"""Use case: deliver client notifications from the durable outbox, with retries.

Two events share the outbox: each status change a client subscribed to (a callback URL on
the account) is queued in the same transaction as the change (``"event": "status"``), and
each inbound message routed to the account in the transaction that stores it
(``"event": "inbound"``, ``app/inbound/push.py``). Senders claim due notifications, at most
the oldest undelivered one per message, so a message's notifications arrive in order. A failure waits
``retry_min`` seconds, doubling up to ``retry_max``; a notification still undelivered
``give_up_hours`` after it was queued is dead-lettered (``smsgw callbacks dead|replay``).

Before each POST the URL is checked and its host resolved, and every address it resolves to
is checked (``callback_guard.py``); the POST then goes to one of exactly those addresses.
A refusal is a failed attempt whose last error says why. An invalid URL is dead-lettered at
once: fix the account's URL and replay, which sends to the account's current URL.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from ...domain.callback_url import IPNetwork
from ...domain.clock import Clock
from ...domain.errors import ConstraintViolation, NotFound
from ...domain.backoff import backoff
from ...domain.values import MAX_ID
from .callback_guard import CallbackGuard, CallbackRefused
from .ports import CallbackJob, CallbackTransport, HostResolver, ReplayResult
from ..uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Smsgw-Signature"
MAX_ADDRESSES_TRIED = 3  # of a host's addresses, per attempt: each may cost a whole timeout
MAX_DEAD_LISTED = 10_000


@dataclass(frozen=True)
class CallbackPolicy:
    retry_min_seconds: float = 10.0
    retry_max_seconds: float = 600.0
    give_up_hours: float = 24.0
    timeout_seconds: float = 10.0
    batch_size: int = 50
    lease_seconds: int = 120
    # networks a client-set URL may reach beyond public addresses (SMSGW_CALLBACK_ALLOWED_NETWORKS)
    allowed_networks: tuple[IPNetwork, ...] = ()


def sign(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the body, keyed with the account's callback secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class CallbackService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 transport: CallbackTransport, policy: CallbackPolicy,
                 resolver: HostResolver) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._transport = transport
        self._guard = CallbackGuard(resolver, tuple(policy.allowed_networks))
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
        outcomes = [(job, *self._post(job)) for job in jobs]
        done = self._clock.now()
        with self._uow(write=True) as uow:
            uow.delivery.callbacks_settled(
                [job.id for job, error, _ in outcomes if error is None],
                [(job.id, error, None if permanent else self._retry_at(job, done))
                 for job, error, permanent in outcomes if error],
                done)
            uow.commit()
        return len(jobs)

    def _post(self, job: CallbackJob) -> tuple[str | None, bool]:
        """(None, _) when delivered, else (the error to record, whether it is permanent)."""
        try:
            destination = self._guard.destination(job.url, trusted=job.trusted)
        except CallbackRefused as exc:
            log.warning("callback %s for %s: %s", job.id, job.subject, exc.reason)
            return exc.reason, exc.permanent
        except OSError as exc:
            return f"unreachable: cannot resolve the host: {exc}", False
        body = job.payload.encode()
        headers = {"Content-Type": "application/json", "User-Agent": "smsgw"}
        if job.secret:
            headers[SIGNATURE_HEADER] = sign(job.secret, body)
        error = "unreachable"
        for address in destination.addresses[:MAX_ADDRESSES_TRIED]:
            try:
                status = self._transport.post(destination.target, address, body, headers,
                                              self.policy.timeout_seconds)
            except OSError as exc:
                error = f"unreachable: {address}: {exc}"
                continue
            if 200 <= status < 300:
                return None, False
            if 300 <= status < 400:
                return f"HTTP {status} from {address} (redirects are not followed)", False
            return f"HTTP {status} from {address}", False
        return error, False

    def _retry_at(self, job: CallbackJob, now: datetime) -> datetime | None:
        if now - job.created_at >= timedelta(hours=self.policy.give_up_hours):
            log.warning("callback %s for %s dead-lettered after %s attempts",
                        job.id, job.subject, job.attempts + 1)
            return None
        delay = backoff(job.attempts + 1, self.policy.retry_min_seconds,
                        self.policy.retry_max_seconds)
        return now + timedelta(seconds=delay)

    def dead_letters(self, limit: int = 100) -> list[CallbackJob]:
        """Dead-lettered notifications, oldest first, each with its last error."""
        if not 1 <= limit <= MAX_DEAD_LISTED:
            raise ConstraintViolation("limit", f"limit must be 1..{MAX_DEAD_LISTED}",
                                      limit=MAX_DEAD_LISTED)
        with self._uow() as uow:
            return uow.delivery.dead_callbacks(limit)

    def replay(self, ids: list[int] | None) -> ReplayResult:
        """Queue dead letters again, to their account's current callback URL and secret.

        With ``ids`` it is all or nothing: an unknown id (NotFound), one that is not dead, or
        one whose account has no callback URL now (ConstraintViolation) queues none. With
        None, every dead letter whose account has a URL is queued; the rest stay dead and
        are reported in ``no_url``.
        """
        if ids is not None:
            ids = list(dict.fromkeys(ids))
            if not ids:
                raise ConstraintViolation("ids", "name the notification ids to replay")
            for job_id in ids:
                if not 1 <= job_id <= MAX_ID:
                    raise NotFound("notification", job_id)
        with self._uow(write=True) as uow:
            if ids is not None:
                states = uow.delivery.callback_states(ids)
                for job_id in ids:
                    if job_id not in states:
                        raise NotFound("notification", job_id)
                    if states[job_id] != "dead":
                        raise ConstraintViolation(
                            "ids", f"notification {job_id} is {states[job_id]}, not dead: "
                                   "only dead notifications are replayed")
            result = uow.delivery.replay_callbacks(ids, self._clock.now())
            if ids is not None and result.no_url:
                raise ConstraintViolation(
                    "ids", f"notification {result.no_url[0]} was not queued: its account has "
                           "no callback URL now (set one with smsgw account set LOGIN "
                           "--callback-url URL)")
            uow.commit()
        return result
