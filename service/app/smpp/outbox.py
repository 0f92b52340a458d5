"""The SMPP outbox's use cases: what the SMPP server and the worker drive.

The outbox (``outbox_ports.py``) holds the ``deliver_sm`` owed to SMPP clients, of two kinds:
receipts (``receipts.py``) and inbound messages (``app/inbound/push.py``). Both are claimed
for a bound account oldest first, deleted once acknowledged, retried with the one backoff
when refused or unanswered, given back when a session closes, and dropped by the worker
when nobody took them within ``max_age_hours`` (``expire``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Sequence

from ...domain.backoff import backoff
from ...domain.clock import Clock
from ..uow import UnitOfWorkFactory
from .outbox_ports import OwedDeliver

log = logging.getLogger(__name__)

__all__ = ["OutboxPolicy", "SmppOutboxQueue"]


@dataclass(frozen=True)
class OutboxPolicy:
    """``lease_seconds``: how long a claimed row stays a session's before another may take it
    (only matters when the process holding it dies: a live session answers ``failed``);
    failed ones wait ``backoff(attempt, retry_first_seconds, retry_cap_seconds)``; rows of
    either kind older than ``max_age_hours`` (SMSGW_SMPP_SERVER_RECEIPT_MAX_AGE_HOURS) are
    dropped by ``expire``."""

    lease_seconds: float = 60.0
    retry_first_seconds: float = 5.0
    retry_cap_seconds: float = 300.0
    max_age_hours: float = 72.0


class SmppOutboxQueue:
    """Use cases of the SMPP outbox (receipts and inbound messages), for the SMPP server and
    the worker."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 policy: OutboxPolicy | None = None) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.policy = policy or OutboxPolicy()

    def claim(self, account_ids: Sequence[int], owner: str, limit: int) -> list[OwedDeliver]:
        """Lease to ``owner`` up to ``limit`` rows (either kind) due to these accounts, oldest
        first.
        ``owner`` names one session (unique across nodes); ``release`` gives them back."""
        accounts = sorted(set(account_ids))
        if not accounts or limit < 1:
            return []
        now = self._clock.now()
        with self._uow() as uow:
            if not uow.smpp_outbox.any_due(accounts, now):
                return []
        with self._uow(write=True) as uow:
            claimed = uow.smpp_outbox.claim(
                accounts, owner, now, now + timedelta(seconds=self.policy.lease_seconds), limit)
            uow.commit()
        return claimed

    def delivered(self, row_ids: Sequence[int]) -> None:
        """The client answered ``deliver_sm_resp`` OK: these rows are done."""
        if not row_ids:
            return
        with self._uow(write=True) as uow:
            uow.smpp_outbox.delete(list(row_ids))
            uow.commit()

    def failed(self, row_id: int, owner: str) -> None:
        """The client answered with an error, or not in time: try again after the backoff.
        Nothing happens if ``owner`` no longer holds it (the lease ran out and another
        session took it, or it was delivered or dropped)."""
        now = self._clock.now()
        with self._uow(write=True) as uow:
            attempts = uow.smpp_outbox.held_attempts(row_id, owner)
            if attempts is None:
                return
            wait = backoff(attempts + 1, self.policy.retry_first_seconds,
                           self.policy.retry_cap_seconds)
            uow.smpp_outbox.retry(row_id, owner, now + timedelta(seconds=wait))
            uow.commit()

    def release(self, owner: str) -> None:
        """``owner``'s session or process closed: what it held is claimable again now."""
        with self._uow(write=True) as uow:
            uow.smpp_outbox.release(owner)
            uow.commit()

    def expire(self) -> int:
        """Drop rows (receipts and inbound messages alike) queued more than
        ``max_age_hours`` ago (their client never bound, or kept refusing them); returns how
        many. Run periodically by the worker."""
        before = self._clock.now() - timedelta(hours=self.policy.max_age_hours)
        with self._uow(write=True) as uow:
            dropped = uow.smpp_outbox.expire(before)
            uow.commit()
        if dropped:
            log.warning("dropped %s SMPP receipts and inbound messages older than %s hours that no client took",
                        dropped, self.policy.max_age_hours)
        return dropped
