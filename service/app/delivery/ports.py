"""Ports of the delivery use cases: the store of delivery state, the callback transport, and
the resolver that the callback sender checks addresses with.

Every ``DeliveryStore`` method runs inside the caller's unit of work (``uow.delivery``) and
changes nothing until it commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol, Sequence

from ...domain.callback_url import CallbackTarget
from ...domain.encoding import Encoding
from ...domain.message import ConcatPart
from ...domain.status import MessageStatus
from .carrier import Receipt


@dataclass(frozen=True)
class ClaimedMessage:
    """A due message leased to one worker."""

    id: int
    account_id: int
    recipient: str
    sender: str | None
    text: str
    encoding: Encoding
    cost: Decimal
    attempts: int
    valid_until: datetime
    client_ref: str | None = None
    callback_url: str | None = None
    simulator_rules: str | None = None
    concat: ConcatPart | None = None  # a part the client split itself: one SMS with its UDH


@dataclass(frozen=True)
class MessageState:
    """What receipt processing and the sweeper need to know of a message."""

    id: int
    account_id: int
    recipient: str
    status: MessageStatus
    valid_until: datetime
    submit_state: str | None
    client_ref: str | None
    callback_url: str | None
    parts: list[MessageStatus | None]
    sender: str | None = None


@dataclass(frozen=True)
class Transition:
    """A status change to store, with what the client is told about it."""

    message_id: int
    status: MessageStatus
    error_code: int | None = None
    error_message: str | None = None
    dlr_stat: str | None = None
    dlr_error: str | None = None
    refund: bool = False
    callback: tuple[str, str] | None = None  # (url, JSON payload) to notify the client


@dataclass(frozen=True)
class PendingReceipt:
    id: int
    connector: str
    carrier_id: str
    stat: str
    error: str | None
    done_at: datetime | None
    received_at: datetime
    attempts: int


@dataclass(frozen=True)
class PartMatch:
    """The part a receipt belongs to."""

    message_id: int
    part_no: int
    carrier_key: str


@dataclass(frozen=True)
class NewCallback:
    """A notification to queue in the callback outbox: one of the two events an account is
    told of. A status change of one of its messages (``message_id``; its notifications are
    delivered in order) or an inbound message it received (``inbound_id``); exactly one of
    the two is set. ``payload``: the JSON body, signed when it is sent."""

    account_id: int
    url: str
    payload: str
    message_id: int | None = None
    inbound_id: int | None = None


@dataclass(frozen=True)
class CallbackJob:
    """A notification to POST: about a message's status (``message_id``) or an inbound
    message (``inbound_id``). ``trusted``: the operator set ``url`` (it is still the
    account's current, operator-set callback URL); ``last_error``: why the last attempt failed."""

    id: int
    account_id: int
    message_id: int | None
    url: str
    payload: str
    secret: str | None
    attempts: int
    created_at: datetime
    trusted: bool = False
    last_error: str | None = None
    inbound_id: int | None = None

    @property
    def subject(self) -> str:
        """What it is about, for logs and the dead-letter list: ``message 42`` (a status
        event) or ``inbound 7`` (an inbound message)."""
        if self.message_id is None and self.inbound_id is not None:
            return f"inbound {self.inbound_id}"
        return f"message {self.message_id}"


@dataclass(frozen=True)
class ReplayResult:
    """What ``replay`` did: ids queued again, and dead ids left dead because their account
    has no callback URL now."""

    queued: list[int]
    no_url: list[int]


class DeliveryStore(Protocol):
    # -- dispatch ---------------------------------------------------------------------------
    def claim_due(self, owner: str, now: datetime, lease_until: datetime,
                  limit: int) -> list[ClaimedMessage]:
        """Lease up to ``limit`` due messages (QUEUED, or SCHEDULED whose time has come; never
        of a paused account; never in flight elsewhere). Skips rows other workers hold."""

    def mark_in_flight(self, ids: Sequence[int], owner: str, lease_until: datetime) -> list[int]:
        """Record that these messages are about to be handed to the carrier; returns the ids
        that are still ours and still to send (a mailing paused meanwhile took the rest)."""

    def release(self, ids: Sequence[int], owner: str) -> None:
        """Give back leased messages that were not handed to the carrier."""

    def record_submitted(self, connector: str, accepted: Sequence[tuple[int, Sequence[str]]],
                         now: datetime) -> None:
        """Mark SUBMITTED and store each part's carrier id (raw and normalised)."""

    def record_parts(self, connector: str,
                     parts: Sequence[tuple[int, Sequence[str | None]]]) -> None:
        """Store the carrier ids of the parts that were accepted (None: not accepted)."""

    def schedule_retry(self, retries: Sequence[tuple[int, str, datetime]]) -> None:
        """(id, reason, next attempt): back in the queue, attempts + 1."""

    def take_over_stale(self, now: datetime, limit: int) -> list[int]:
        """Ids whose lease expired while in flight: their submit outcome is unknown."""

    def withdraw(self, account_id: int, message_id: int, now: datetime) -> bool:
        """Take this account's message away from the workers if it was not handed to a
        carrier yet: one conditional UPDATE that succeeds only while it is QUEUED, SCHEDULED
        or STOPPED and not in flight (a worker's lease that has not begun the hand-over is
        dropped: ``mark_in_flight`` then skips it). True when taken; the caller then applies
        the final status in the same transaction."""

    # -- state changes ----------------------------------------------------------------------
    def states(self, ids: Sequence[int]) -> dict[int, MessageState]:
        """Status, validity and part outcomes of these messages."""

    def apply(self, transitions: Sequence[Transition], now: datetime,
              actor: str = "worker") -> None:
        """Store status changes, refund where asked, and queue the client notifications and
        the SMPP receipts the messages asked for (``app/smpp/receipts.py``).
        Each refund is a ledger entry per message (``refund``, or ``mailing_refund`` for a
        mailing's message) made by ``actor``; a transition that lost a race refunds nothing."""

    def overdue(self, now: datetime, limit: int) -> list[int]:
        """Ids whose validity ended while not final (with the carrier, or never sent)."""

    # -- receipts ---------------------------------------------------------------------------
    def add_receipts(self, connector: str, receipts: Sequence[Receipt], now: datetime) -> None:
        """Store receipts durably in the inbox, unprocessed."""

    def due_receipts(self, now: datetime, limit: int) -> list[PendingReceipt]:
        """Inbox receipts to process now (new ones, and unmatched ones due for another look)."""

    def find_parts(self, connector: str, keys: Sequence[str]) -> dict[str, PartMatch]:
        """Parts whose normalised carrier id is among ``keys``, by key."""

    def record_part_outcomes(self, outcomes: Sequence[tuple[PartMatch, MessageStatus, str,
                                                            str | None, datetime]]) -> None:
        """(part, final state, stat, error, when) for matched receipts."""

    def settle_receipts(self, matched: Sequence[int],
                        unmatched: Sequence[tuple[int, datetime | None]]) -> None:
        """Mark receipts matched; unmatched ones get another look at the given time, or
        become orphans (None)."""

    # -- callbacks --------------------------------------------------------------------------
    def queue_callbacks(self, items: Sequence[NewCallback], now: datetime) -> None:
        """Queue these notifications, due at once, in the order given: the one outbox of
        status events (``apply`` queues those through it) and inbound events
        (``app/inbound/push.py``)."""

    def claim_callbacks(self, now: datetime, lease_until: datetime,
                        limit: int) -> list[CallbackJob]:
        """Due notifications, at most the oldest undelivered one per message (a status
        event waits for the earlier ones of its message; inbound events wait for nothing)."""

    def callbacks_settled(self, delivered: Sequence[int],
                          failed: Sequence[tuple[int, str, datetime | None]],
                          now: datetime) -> None:
        """Mark notifications delivered; failed ones get another attempt at the given time,
        or are dead-lettered (None)."""

    def dead_callbacks(self, limit: int) -> list[CallbackJob]:
        """Dead-lettered notifications, oldest first, with their last error."""

    def callback_states(self, ids: Sequence[int]) -> dict[int, str]:
        """The state (pending, delivered, dead) of each of these notifications that exists."""

    def replay_callbacks(self, ids: Sequence[int] | None, now: datetime) -> ReplayResult:
        """Make dead letters pending again (all of them when ``ids`` is None), addressed to
        their account's current callback URL; those whose account has none stay dead."""


class CallbackTransport(Protocol):
    def post(self, target: CallbackTarget, address: str, body: bytes, headers: dict[str, str],
             timeout: float) -> int:
        """POST to ``target`` over a connection to exactly ``address``, an IP the caller has
        checked: never resolve ``target.host`` again (a second answer could differ). Send
        ``target.host_header`` as Host, and for https use ``target.host`` as the TLS server
        name and verify the certificate against it. Follow no redirect. Return the HTTP
        status; raise OSError (or a subclass) when unreachable."""


class HostResolver(Protocol):
    def resolve(self, host: str, port: int) -> list[str]:
        """Every IP address ``host`` resolves to (for a TCP connection to ``port``), in the
        order to try them; raise OSError when it does not resolve."""
