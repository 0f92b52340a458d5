"""Port of the mailing store, reached as ``uow.mailings`` inside a unit of work."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol, Sequence

from ..domain.contacts import Contact
from ..domain.mailing import Mailing, MailingState
from .address_book_ports import Page


class MailingRepository(Protocol):
    def add(self, mailing: Mailing) -> int: ...

    def get(self, account_id: int, mailing_id: int, *, lock: bool = False) -> Mailing | None:
        """The account's mailing; ``lock`` holds its row until the transaction ends."""

    def update(self, mailing: Mailing) -> None:
        """Store state, start time, recipient count and total cost."""

    def list(self, account_id: int, offset: int, limit: int) -> Page[Mailing]: ...

    def group_contacts(self, account_id: int, group_ids: Sequence[int]) -> list[Contact]:
        """The account's contacts in any of these groups, each once."""

    def stats(self, mailing_id: int) -> dict[str, tuple[int, Decimal]]:
        """(count, cost) of the mailing's messages per canonical status."""

    def stop_unsent(self, mailing_id: int, now: datetime) -> int:
        """Messages not yet handed to a carrier become STOPPED; returns how many."""

    def stopped(self, mailing_id: int) -> list[int]:
        """Ids of the mailing's STOPPED messages, in order."""

    def requeue(self, rows: Sequence[tuple[int, str, datetime | None]], now: datetime) -> None:
        """(id, QUEUED or SCHEDULED, scheduled time) for stopped messages."""

    def cancel_unsent(self, mailing_id: int, now: datetime) -> Decimal:
        """Messages not yet handed to a carrier become DELETED (final); returns their cost."""


__all__ = ["MailingRepository", "MailingState"]
