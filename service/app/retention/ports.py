"""Port of the retention job: the store that purges and archives messages in batches.

Reached through the unit of work (``uow.retention``). Each call is one batch inside the
caller's unit of work; nothing changes until it commits. On PostgreSQL a batch skips rows
another worker holds (``FOR UPDATE SKIP LOCKED``), so any number of workers may run the job
at once; on SQLite the write lock serialises them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class RetentionStore(Protocol):
    def retention_classes(self) -> list[int | None]:
        """The distinct ``retention_days`` settings accounts have (None: accounts on the
        gateway's default), in any order."""

    def purge(self, retention_days: int | None, finished_before: datetime, limit: int) -> int:
        """Delete up to ``limit`` messages of accounts whose setting is ``retention_days``
        that are final, became final at or before ``finished_before``, and have no
        notification still pending; hot or archived. Their parts and notifications go with
        them; their mailing's statistics keep counting them (status, count and cost).
        Returns how many were deleted."""

    def purge_inbound(self, retention_days: int | None, received_before: datetime,
                      limit: int) -> int:
        """Delete up to ``limit`` inbound messages of accounts whose setting is
        ``retention_days`` (None: the accounts on the default, and the unmatched messages,
        which no account owns) received at or before ``received_before``, that have no push
        still pending (callbacks whose ``inbound_id`` is theirs); their delivered and dead
        callbacks go with them. Returns how many were deleted."""

    def archive(self, finished_before: datetime, limit: int) -> int:
        """Move up to ``limit`` final messages that became final at or before
        ``finished_before`` and have no notification pending or dead-lettered from the hot
        tables into the archive, keeping their ids; their parts and delivered notifications
        are deleted. Returns how many moved."""

    def purge_counters(self, before_window: int) -> int:
        """Delete request counters of minute windows before ``before_window``; how many."""

    def purge_send_requests(self, created_before: datetime, limit: int) -> int:
        """Delete up to ``limit`` idempotency keys (send requests) created before
        ``created_before``; how many."""
