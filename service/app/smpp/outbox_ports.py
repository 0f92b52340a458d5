"""The port of the SMPP outbox: the durable queue of ``deliver_sm`` owed to SMPP clients.

Two kinds share it, because they are delivered the same way (to a receiving session of the
account, oldest first, leased, acknowledged by ``deliver_sm_resp``, retried, expired):

- a **receipt** (``NewReceipt``): a status change of a message the client sent, queued in the
  transaction of the change (``app/smpp/receipts.py``);
- an **inbound message** (``NewInbound``): an MO routed to the account, queued in the
  transaction that stores it (``app/inbound/push.py``).

A row holds everything its ``deliver_sm`` needs, so it outlives its message being archived
or purged. Rows go out oldest first (``id`` is the order they were owed in), leased to one
session at a time like messages are to workers; a lease that runs out (a process killed)
makes the row claimable again. Every method runs inside the caller's unit of work
(``uow.smpp_outbox``) and changes nothing until it commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Sequence, Union


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


@dataclass(frozen=True)
class NewInbound:
    """An inbound message to hand to the account's SMPP client. ``source`` is the handset
    that sent it, ``destination`` our number it was sent to, ``text`` the whole (joined)
    text; ``inbound_id`` the stored inbound message's id."""

    account_id: int
    inbound_id: int
    source: str
    destination: str
    text: str


@dataclass(frozen=True)
class OwedInbound(NewInbound):
    """A queued inbound message leased to a session; ``attempts``: failed tries before."""

    id: int
    attempts: int


NewDeliver = Union[NewReceipt, NewInbound]
"""Something to queue in the SMPP outbox: a receipt or an inbound message."""

OwedDeliver = Union[OwedReceipt, OwedInbound]
"""A queued ``deliver_sm`` leased to a session: a receipt or an inbound message."""


class SmppOutbox(Protocol):
    def add(self, items: Sequence[NewDeliver], now: datetime) -> None:
        """Queue these deliver_sm (receipts or inbound messages), due at once, in the order
        given."""

    def any_due(self, account_ids: Sequence[int], now: datetime) -> bool:
        """Whether one of these accounts has something to claim now (a cheap read, so an
        idle session does not take the write lock to find nothing)."""

    def claim(self, account_ids: Sequence[int], owner: str, now: datetime,
              lease_until: datetime, limit: int) -> list[OwedDeliver]:
        """Lease up to ``limit`` due rows of these accounts to ``owner``, oldest first, of
        either kind. Due: its next attempt has come and no other lease holds it. Skips rows
        other transactions hold (FOR UPDATE SKIP LOCKED), so two owners never get the same
        row."""

    def delete(self, ids: Sequence[int]) -> None:
        """Forget these rows: the client acknowledged them."""

    def held_attempts(self, row_id: int, owner: str) -> int | None:
        """The failed attempts of a row ``owner`` still leases; None if it does not (gone,
        or its lease ran out and another owner took it)."""

    def retry(self, row_id: int, owner: str, at: datetime) -> None:
        """A row ``owner`` leases failed: one more attempt, due ``at``, lease given back."""

    def release(self, owner: str) -> None:
        """Give back every row ``owner`` leases, claimable at once, attempts unchanged."""

    def expire(self, created_before: datetime) -> int:
        """Drop rows (either kind) queued before ``created_before``, leased or not; how
        many."""
