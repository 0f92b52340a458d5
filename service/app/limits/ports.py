"""Ports of sending limits: each account's own limits, its recent messages and its counts.

Reached through the unit of work (``uow.sending_limits``). Everything is in the database, so
every node applies the same limits; nothing changes until the unit commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, Sequence

from ...domain.limits import Limits, Period, Sent


class LimitStore(Protocol):
    def get(self, account_id: int) -> Limits | None:
        """The account's own limits (an unset one is None), or None when it has set none."""

    def put(self, account_id: int, limits: Limits) -> None:
        """Store the account's own limits, replacing what it had. The sends remembered for it
        are dropped: a guard turned on again starts from nothing, as it did the first time."""

    def serialize(self, account_id: int) -> None:
        """Make other units checking this account's limits wait until this one ends, so
        racing requests see each other's messages (PostgreSQL: a transaction-scoped advisory
        lock; SQLite's write transaction already is exclusive)."""

    def recent(self, account_id: int, recipients: Sequence[str], since: datetime) -> list[Sent]:
        """The sends remembered for the account (see remember) to any of ``recipients`` at or
        after ``since``, their ``text`` a digest; in as few queries as the store allows."""

    def remember(self, account_id: int, sends: Sequence[Sent], forget_before: datetime) -> None:
        """Keep these accepted sends (``text`` a digest) for the flood and duplicate guards,
        and drop the account's sends from before ``forget_before``: only the accounts with a
        guard on are remembered, and only for as long as their guard looks back."""

    def reserve(self, account_id: int, period: Period, count: int, limit: int) -> int | None:
        """Count ``count`` more accepted messages in ``period`` unless the total would pass
        ``limit``: the new total, or None (nothing counted). The first count of a period starts
        from the accepted messages the account already has in it."""

    def used(self, account_id: int, period: Period) -> int:
        """The accepted messages counted in ``period`` so far (0 if it was never counted)."""
