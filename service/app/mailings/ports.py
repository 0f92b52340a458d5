"""Port of the mailing store, reached as ``uow.mailings`` inside a unit of work."""

from __future__ import annotations

import builtins
from datetime import datetime
from decimal import Decimal
from typing import Protocol, Sequence

from ...domain.contacts import Contact
from ...domain.mailing import Mailing, MailingState
from ..results import Page


class MailingRepository(Protocol):
    def add(self, mailing: Mailing) -> int:
        """Insert a new mailing; return its id (``mailing.id`` is not set)."""

    def get(self, account_id: int, mailing_id: int, *, lock: bool = False) -> Mailing | None:
        """The account's mailing; ``lock`` holds its row until the transaction ends."""

    def update(self, mailing: Mailing) -> None:
        """Store state, start time, recipient count and total cost."""

    def list(self, account_id: int, offset: int, limit: int) -> Page[Mailing]:
        """A page of the account's mailings, newest first, with their total."""

    def group_contacts(self, account_id: int, group_ids: Sequence[int]) -> builtins.list[Contact]:
        """The account's contacts in any of these groups, each once."""

    def stats(self, mailing_id: int) -> dict[str, tuple[int, Decimal]]:
        """(count, cost) of the mailing's messages per canonical status."""

    def stop_unsent(self, mailing_id: int, now: datetime) -> int:
        """Messages not yet handed to a carrier become STOPPED; returns how many."""

    def stopped(self, mailing_id: int) -> builtins.list[int]:
        """Ids of the mailing's STOPPED messages, in order."""

    def requeue(self, rows: Sequence[tuple[int, str, datetime | None]], now: datetime) -> None:
        """(id, QUEUED or SCHEDULED, scheduled time) for stopped messages."""

    def stage(self, mailing_id: int, account_id: int, group_ids: Sequence[int],
              contact_ids: Sequence[int], phones: Sequence[str]) -> None:
        """Write the mailing's recipients, each phone once (groups, contacts, numbers)."""

    def staged(self, mailing_id: int, after_id: int,
               limit: int) -> builtins.list[tuple[int, str, Contact | None]]:
        """The next staged recipients after ``after_id``: (id, phone, contact card or None)."""

    def clear_stage(self, mailing_id: int) -> None:
        """Forget the mailing's staged recipients."""

    def release_held(self, mailing_id: int) -> None:
        """Let workers claim the mailing's held messages."""

    def discard_held(self, mailing_id: int) -> None:
        """Delete the mailing's held messages (a start that will not happen)."""

    def unsent(self, mailing_id: int) -> builtins.list[int]:
        """Ids of the mailing's messages not yet handed to a carrier (queued or stopped)."""


__all__ = ["MailingRepository", "MailingState"]
