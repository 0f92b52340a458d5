"""The port of the SMPP receipt queue: the durable outbox of receipts owed to SMPP clients.

A row holds everything its ``deliver_sm`` needs, so it outlives its message being archived or
purged. Rows go out oldest first (``id`` is the order they were owed in), leased to one
session at a time like messages are to workers; a lease that runs out (a process killed)
makes the row claimable again. Every method runs inside the caller's unit of work
(``uow.smpp_receipts``) and changes nothing until it commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Sequence


@dataclass(frozen=True)
class NewReceipt:
    """A receipt to queue. ``source`` is the handset (the message's recipient) and
    ``destination`` the message's sender, as SMPP receipts swap them; ``text`` is the first
    20 characters of the message's text; ``final`` False: an intermediate notification."""

    account_id: int
    message_id: int
    source: str
    destination: str
    stat: str
    err: str
    message_state: int
    submitted_at: datetime
    done_at: datetime
    text: str
    final: bool


@dataclass(frozen=True)
class OwedReceipt(NewReceipt):
    """A queued receipt leased to a session; ``attempts``: the failed tries before this one."""

    id: int
    attempts: int


class SmppReceiptOutbox(Protocol):
    def add(self, receipts: Sequence[NewReceipt], now: datetime) -> None:
        """Queue these receipts, due at once, in the order given."""

    def any_due(self, account_ids: Sequence[int], now: datetime) -> bool:
        """Whether one of these accounts has a receipt to claim now (a cheap read, so an
        idle session does not take the write lock to find nothing)."""

    def claim(self, account_ids: Sequence[int], owner: str, now: datetime,
              lease_until: datetime, limit: int) -> list[OwedReceipt]:
        """Lease up to ``limit`` due receipts of these accounts to ``owner``, oldest first.
        Due: its next attempt has come and no other lease holds it. Skips rows other
        transactions hold (FOR UPDATE SKIP LOCKED), so two owners never get the same row."""

    def delete(self, receipt_ids: Sequence[int]) -> None:
        """Forget these receipts: the client acknowledged them."""

    def held_attempts(self, receipt_id: int, owner: str) -> int | None:
        """The failed attempts of a receipt ``owner`` still leases; None if it does not (gone,
        or its lease ran out and another owner took it)."""

    def retry(self, receipt_id: int, owner: str, at: datetime) -> None:
        """A receipt ``owner`` leases failed: one more attempt, due ``at``, lease given back."""

    def release(self, owner: str) -> None:
        """Give back every receipt ``owner`` leases, claimable at once, attempts unchanged."""

    def expire(self, created_before: datetime) -> int:
        """Drop receipts queued before ``created_before``, leased or not; how many."""
