"""Port of inbound messaging's store (``uow.inbound``): the parts carriers delivered, the numbers
and keywords that route messages to accounts, the outbound messages replies are threaded to,
and the inbound messages kept.

Numbers are passed in their stored forms (``domain/inbound_numbers.py``): a carrier's
destination is looked up as every form it may have (with and without ``+``). Keywords are
passed folded (``domain.inbound.fold_word``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Sequence

from ...domain.inbound import InboundMessage, InboundPart
from ...domain.reassembly import StoredPart


@dataclass(frozen=True)
class SentMessage:
    """An outbound message a reply may answer: its account, id and mailing."""

    account_id: int
    message_id: int
    mailing_id: int | None


@dataclass(frozen=True)
class NumberAssignment:
    """A number dedicated to one account."""

    number: str
    account_id: int
    login: str
    created_at: datetime


@dataclass(frozen=True)
class KeywordAssignment:
    """A keyword (folded) on a shared number, and the account it routes to."""

    number: str
    keyword: str
    account_id: int
    login: str
    created_at: datetime


class InboundStore(Protocol):
    # --- parts --------------------------------------------------------------------------
    def add_parts(self, connector: str, parts: Sequence[InboundPart]) -> None:
        """Store parts as a carrier delivered them (state ``new``), in the order given.
        Addresses longer than the columns are cut; a concatenation numbering the columns
        cannot hold is kept as total 0 and part 0 (bad numbering, see reassembly)."""

    def any_due(self, cutoff: datetime) -> bool:
        """True when a part is ``new``, or ``waiting`` or ``done`` and received before
        ``cutoff`` (a cheap read, so that an idle worker takes no write lock)."""

    def lock_processing(self) -> bool:
        """Make this unit of work the only one processing parts until it ends: True when it
        is (a PostgreSQL advisory transaction lock; SQLite's write lock already is one),
        False when another unit holds it right now (then do nothing)."""

    def claim_new(self, limit: int) -> list[StoredPart]:
        """Up to ``limit`` parts in state ``new`` (oldest first), locked, together with every
        other part held of the groups they belong to (same connector, source, destination,
        reference and total), in any state (``StoredPart.done`` for those in state
        ``done``)."""

    def waiting_before(self, cutoff: datetime, limit: int) -> list[StoredPart]:
        """Up to ``limit`` parts in state ``waiting`` received before ``cutoff`` (oldest
        first), locked, together with every other part held of their groups."""

    def hold(self, part_ids: Sequence[int]) -> None:
        """Mark these parts ``waiting`` (their message is not whole yet)."""

    def finish(self, part_ids: Sequence[int]) -> None:
        """Mark these parts ``done``: their message is stored; they stay only so that a late
        duplicate of one of them is recognised."""

    def delete_parts(self, part_ids: Sequence[int]) -> None:
        """Delete these parts (their message is stored); unknown ids are ignored."""

    def forget_done(self, cutoff: datetime) -> int:
        """Delete the parts in state ``done`` received before ``cutoff``; how many."""

    # --- routing and threading ----------------------------------------------------------
    def number_owner(self, numbers: Sequence[str]) -> int | None:
        """The account one of these numbers is dedicated to, or None."""

    def keyword_owner(self, numbers: Sequence[str], keyword: str) -> int | None:
        """The account ``keyword`` routes to on one of these (shared) numbers, or None."""

    def keyword_accounts(self, numbers: Sequence[str]) -> list[int]:
        """The accounts holding keywords on these numbers (empty: not a shared number),
        ascending."""

    def latest_outbound(self, account_ids: Sequence[int], recipient: str,
                        senders: Sequence[str] | None = None) -> SentMessage | None:
        """The latest (highest id) message of one of these accounts to ``recipient`` (as
        stored: E.164), sent from one of ``senders`` when given; from ``messages``, else from
        ``messages_archive`` when the hot table has none. None when there is none."""

    def latest_outbound_to(self, account_id: int,
                           recipients: Sequence[str]) -> dict[str, SentMessage]:
        """For each of ``recipients`` the account has sent to, its latest message to them
        (as ``latest_outbound`` finds it: the hot table, else the archive), by recipient."""

    # --- inbound messages ---------------------------------------------------------------
    def add_messages(self, messages: Sequence[InboundMessage], now: datetime) -> list[int]:
        """Insert these messages (their ``id`` is ignored) with ``created_at`` ``now``; their
        new ids, in the order given."""

    def unmatched(self, limit: int) -> list[InboundMessage]:
        """Up to ``limit`` messages no account took (``account_id`` None), newest first."""

    # --- the operator's numbers and keywords --------------------------------------------
    def assign_number(self, number: str, account_id: int, now: datetime) -> None:
        """Dedicate ``number`` (not assigned yet) to the account."""

    def release_number(self, number: str) -> bool:
        """Take a dedicated number back; False when it was not assigned."""

    def numbers(self, account_id: int | None = None) -> list[NumberAssignment]:
        """Dedicated numbers (of one account when given), by number."""

    def assign_keyword(self, number: str, keyword: str, account_id: int,
                       now: datetime) -> None:
        """Route ``keyword`` (folded, not assigned on this number yet) on the shared
        ``number`` to the account."""

    def release_keyword(self, number: str, keyword: str) -> bool:
        """Take a keyword back; False when it was not assigned."""

    def keywords(self, number: str | None = None) -> list[KeywordAssignment]:
        """Keywords (on one number when given), by number then keyword."""
