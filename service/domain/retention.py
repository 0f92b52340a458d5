"""History retention (seed 000) and the archive (seed 001): when a message may be purged or
archived. Pure rules; the worker's retention job (app/retention) applies them in batches.

- An account's ``retention_days`` (None: the gateway's ``SMSGW_RETENTION_DAYS``; None there
  too: kept for ever) counts from the moment its message became final.
- Retention 0: "messages will be deleted immediately after sending when the final status is
  received" -- as soon as the message is final and no notification of it is still pending.
- A message is never purged or archived while it is not final, or while a notification of it
  still waits to be posted (the client must hear about it first).
- The archive takes final messages ``archive_after_hours`` after they became final.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .errors import ConstraintViolation
from .status import MessageStatus

MAX_RETENTION_DAYS = 36500


def validate_retention_days(days: int | None, field: str = "retention_days") -> int | None:
    """A retention setting as given (None: the default); anything but 0..36500 is refused."""
    if days is not None and not 0 <= days <= MAX_RETENTION_DAYS:
        raise ConstraintViolation(field, f"retention must be 0..{MAX_RETENTION_DAYS} days",
                                  limit=MAX_RETENTION_DAYS)
    return days


def effective_days(account_days: int | None, default_days: int | None) -> int | None:
    """The retention that applies to an account: its own, else the gateway's (None: for ever)."""
    return account_days if account_days is not None else default_days


def purge_cutoff(now: datetime, days: int | None) -> datetime | None:
    """Messages that became final at or before this instant are due for purging (None: never).

    Retention 0 means now itself: whatever is final is due at once.
    """
    if days is None:
        return None
    return now - timedelta(days=days)


def archive_cutoff(now: datetime, hours: int) -> datetime:
    """Final messages that became final at or before this instant belong in the archive."""
    return now - timedelta(hours=hours)


def is_purgeable(status: MessageStatus, finished_at: datetime | None, days: int | None,
                 now: datetime, notification_pending: bool) -> bool:
    """Whether a message may be deleted now under a retention of ``days``."""
    cutoff = purge_cutoff(now, days)
    if cutoff is None or not status.final or finished_at is None or notification_pending:
        return False
    return finished_at <= cutoff


def is_archivable(status: MessageStatus, finished_at: datetime | None, hours: int,
                  now: datetime, notification_open: bool) -> bool:
    """Whether a message moves to the archive now. ``notification_open``: a notification of it
    is pending or dead-lettered (the operator may still replay it), so it stays hot."""
    if not status.final or finished_at is None or notification_open:
        return False
    return finished_at <= archive_cutoff(now, hours)
