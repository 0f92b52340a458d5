"""Use case: the retention job. The worker runs it; ``smsgw retention run`` runs it once.

Each batch is one short write transaction, so senders and workers interleave with it, and a
job cut short (a crash, a deploy) leaves nothing half done: the next run goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

from ...domain.clock import Clock
from ...domain.retention import archive_cutoff, effective_days, purge_cutoff
from ..uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionPolicy:
    default_days: int | None = None     # SMSGW_RETENTION_DAYS; None: kept for ever
    archive_after_hours: int = 24       # SMSGW_ARCHIVE_AFTER_HOURS
    idempotency_hours: int = 24         # how long a client reference makes a retry idempotent
    batch_size: int = 1000              # rows per transaction
    max_batches: int = 50               # per kind and call, so one call never runs for long


@dataclass
class RetentionReport:
    purged: int = 0
    inbound: int = 0        # inbound messages (MO) purged
    archived: int = 0
    counters: int = 0
    send_requests: int = 0
    by_days: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return (self.purged + self.inbound + self.archived + self.counters
                + self.send_requests)


class RetentionService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 policy: RetentionPolicy) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.policy = policy

    def purge_immediate(self) -> int:
        """Retention 0: delete what is final and notified. The worker calls this often."""
        return self._purge(lambda days: days == 0, RetentionReport())

    def run(self) -> RetentionReport:
        """Everything due: purges by retention, the archive, expired counters and keys."""
        report = RetentionReport()
        self._purge(lambda days: True, report)
        now = self._clock.now()
        cutoff = archive_cutoff(now, self.policy.archive_after_hours)
        report.archived = self._batches(lambda uow, n: uow.retention.archive(cutoff, n))
        window = int(now.timestamp() // 60) - 1  # the limiters still read the previous minute
        with self._uow(write=True) as uow:
            report.counters = uow.retention.purge_counters(window)
            uow.commit()
        expired = now - timedelta(hours=self.policy.idempotency_hours)
        report.send_requests = self._batches(
            lambda uow, n: uow.retention.purge_send_requests(expired, n))
        if report.total:
            log.info("retention: purged %s (and %s inbound), archived %s, %s counters, "
                     "%s idempotency keys", report.purged, report.inbound, report.archived,
                     report.counters, report.send_requests)
        return report

    def _purge(self, wanted: Callable[[int], bool], report: RetentionReport) -> int:
        """Outbound and inbound messages, per retention class. Inbound messages count from
        when they were received; unmatched ones (no account) follow the default class, which
        is therefore always visited."""
        with self._uow() as uow:
            classes = uow.retention.retention_classes()
        total = 0
        now = self._clock.now()
        for setting in [*dict.fromkeys([*classes, None])]:
            days = effective_days(setting, self.policy.default_days)
            if days is None or not wanted(days):
                continue
            cutoff = purge_cutoff(now, days)
            assert cutoff is not None
            count = self._batches(
                lambda uow, n, s=setting, c=cutoff: uow.retention.purge(s, c, n))
            inbound = self._batches(
                lambda uow, n, s=setting, c=cutoff: uow.retention.purge_inbound(s, c, n))
            report.by_days[days] = report.by_days.get(days, 0) + count
            report.purged += count
            report.inbound += inbound
            total += count + inbound
        return total

    def _batches(self, step: Callable[..., int]) -> int:
        """Run ``step(uow, batch_size)`` in its own transaction until a batch comes back short."""
        total = 0
        for _ in range(self.policy.max_batches):
            with self._uow(write=True) as uow:
                done = step(uow, self.policy.batch_size)
                uow.commit()
            total += done
            if done < self.policy.batch_size:
                break
        return total
