"""Ports of the sub-clients capability: the parent links, and the spend counters of
sub-clients that spend from their parent's balance.

Reached through the unit of work (``uow.subaccounts``); nothing changes until it commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from ...domain.subaccounts import SubAccount


@dataclass(frozen=True)
class SubAccountTotals:
    """What one sub-client sent in a time range: messages, segments and their cost."""

    login: str
    messages: int
    segments: int
    cost: Decimal


class SubAccountRepository(Protocol):
    def add(self, sub: SubAccount) -> None:
        """Link an existing account (``sub.account_id``) to its parent."""

    def get(self, account_id: int) -> SubAccount | None:
        """The link of this account when it is a sub-client (deleted ones included), else None."""

    def of_parent(self, parent_id: int) -> list[SubAccount]:
        """The parent's sub-clients that are not deleted, by login, with their own balance and
        blocked flag filled in."""

    def has_children(self, account_id: int) -> bool:
        """True when this account is the parent of any sub-client (deleted ones included)."""

    def update(self, sub: SubAccount) -> None:
        """Store the caps and ``deleted_at`` of an existing link."""

    def spend(self, account_id: int, period: str, start: date, amount: Decimal,
              cap: Decimal) -> Decimal | None:
        """Atomically add ``amount`` to the sub-client's spend in the window (``period``,
        ``start``) if the new total stays within ``cap``: the new total, else None (nothing
        changed). Concurrent callers on the same window serialise on its row."""

    def spent(self, account_id: int, period: str, start: date) -> Decimal:
        """The spend counted in that window so far (0 when none)."""

    def totals(self, parent_id: int, since: datetime | None,
               until: datetime | None) -> list[SubAccountTotals]:
        """Per sub-client (not deleted), the messages created in [since, until), their
        segments and cost; every sub-client is listed, by login, even with nothing sent."""
