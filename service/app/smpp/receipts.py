"""The durable queue of delivery receipts owed to SMPP clients.

A receipt is owed when a message whose client asked for it (``Message.receipt_request``, the
``registered_delivery`` bits: ``domain/receipt_request.py``) changes status. It is queued in
the same transaction as the change: by the delivery store's ``apply`` for every change the
worker, a cancel or the sweep makes (``receipts_for_transitions``), and by ``owed_at_submit``
for messages stored already final (refused at submit: BANNED, INVALID_NUMBER). So no receipt
is lost when a process dies, and none is owed for a change that did not happen.

``SmppReceiptQueue`` is what the SMPP server drives: it claims a bound account's receipts
oldest first, deletes the acknowledged ones, retries the refused ones with the one backoff,
and gives a closed session's leases back. The worker drops receipts nobody came for within
``max_age_hours`` (``expire``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping, Sequence

from ...domain.backoff import backoff
from ...domain.clock import Clock
from ...domain.message import Message
from ...domain.receipt_request import ReceiptKind, asks_for_receipts, receipt_owed
from ...domain.status import MessageStatus
from ...domain.vocabularies import smpp_receipt_names
from ..delivery.ports import Transition
from ..uow import UnitOfWork, UnitOfWorkFactory
from .receipt_ports import NewReceipt, OwedReceipt

log = logging.getLogger(__name__)

TEXT_PREFIX = 20  # characters of the message's text a receipt repeats (its ``text:`` field)

__all__ = ["NewReceipt", "OwedReceipt", "ReceiptQueuePolicy", "ReceiptSubject",
           "SmppReceiptQueue", "owed_at_submit", "receipt_for", "receipts_for_transitions"]


@dataclass(frozen=True)
class ReceiptSubject:
    """What of a message its receipts repeat, and the receipts its client asked for."""

    message_id: int
    account_id: int
    recipient: str
    sender: str | None
    text: str
    submitted_at: datetime
    receipt_request: int


def receipt_for(subject: ReceiptSubject, status: MessageStatus, done_at: datetime, *,
                outcome_unknown: bool = False) -> NewReceipt | None:
    """The receipt owed when ``subject`` reaches ``status`` at ``done_at``, if its client
    asked for one; stat, err and message_state from the one vocabulary module."""
    kind = receipt_owed(subject.receipt_request, status)
    if kind is None:
        return None
    names = smpp_receipt_names(status, outcome_unknown=outcome_unknown)
    return NewReceipt(account_id=subject.account_id, message_id=subject.message_id,
                      source=subject.recipient, destination=subject.sender or "",
                      stat=names.stat, err=names.err, message_state=names.message_state,
                      submitted_at=subject.submitted_at, done_at=done_at,
                      text=subject.text[:TEXT_PREFIX], final=kind is ReceiptKind.FINAL)


def receipts_for_transitions(subjects: Mapping[int, ReceiptSubject],
                             transitions: Sequence[Transition], now: datetime) -> list[NewReceipt]:
    """The receipts owed for status changes that happened (the caller passes only those),
    for the messages in ``subjects`` (the others asked for none)."""
    owed = []
    for t in transitions:
        subject = subjects.get(t.message_id)
        if subject is None:
            continue
        receipt = receipt_for(subject, t.status, now,
                              outcome_unknown=(t.dlr_stat or "").upper() == "UNKNOWN")
        if receipt is not None:
            owed.append(receipt)
    return owed


def subject_of(m: Message) -> ReceiptSubject:
    return ReceiptSubject(message_id=m.stored_id, account_id=m.account_id,
                          recipient=m.recipient, sender=m.sender, text=m.text,
                          submitted_at=m.created_at, receipt_request=m.receipt_request)


def owed_at_submit(uow: UnitOfWork, messages: Sequence[Message]) -> int:
    """Queue the receipts owed for messages stored already final (refused at submit, such as
    BANNED or INVALID_NUMBER), in the transaction that stores them: call it inside ``uow``
    after the messages were added (they have their ids) and before the commit. Messages
    that are not final, or asked for no receipt, are skipped. Returns how many were queued."""
    owed = [r for m in messages
            if m.status.final and asks_for_receipts(m.receipt_request)
            for r in [receipt_for(subject_of(m), m.status, m.updated_at)] if r is not None]
    if owed:
        uow.smpp_receipts.add(owed, max(r.done_at for r in owed))
    return len(owed)


@dataclass(frozen=True)
class ReceiptQueuePolicy:
    """``lease_seconds``: how long a claimed receipt stays a session's before another may take
    it (only matters when the process holding it dies: a live session answers ``failed``);
    failed ones wait ``backoff(attempt, retry_first_seconds, retry_cap_seconds)``; receipts
    older than ``max_age_hours`` are dropped by ``expire``."""

    lease_seconds: float = 60.0
    retry_first_seconds: float = 5.0
    retry_cap_seconds: float = 300.0
    max_age_hours: float = 72.0


class SmppReceiptQueue:
    """Use cases of the receipt queue, for the SMPP server and the worker."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 policy: ReceiptQueuePolicy | None = None) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.policy = policy or ReceiptQueuePolicy()

    def claim(self, account_ids: Sequence[int], owner: str, limit: int) -> list[OwedReceipt]:
        """Lease to ``owner`` up to ``limit`` receipts due to these accounts, oldest first.
        ``owner`` names one session (unique across nodes); ``release`` gives them back."""
        accounts = sorted(set(account_ids))
        if not accounts or limit < 1:
            return []
        now = self._clock.now()
        with self._uow() as uow:
            if not uow.smpp_receipts.any_due(accounts, now):
                return []
        with self._uow(write=True) as uow:
            claimed = uow.smpp_receipts.claim(
                accounts, owner, now, now + timedelta(seconds=self.policy.lease_seconds), limit)
            uow.commit()
        return claimed

    def delivered(self, receipt_ids: Sequence[int]) -> None:
        """The client answered ``deliver_sm_resp`` OK: these receipts are done."""
        if not receipt_ids:
            return
        with self._uow(write=True) as uow:
            uow.smpp_receipts.delete(list(receipt_ids))
            uow.commit()

    def failed(self, receipt_id: int, owner: str) -> None:
        """The client answered with an error, or not in time: try again after the backoff.
        Nothing happens if ``owner`` no longer holds it (the lease ran out and another
        session took it, or it was delivered or dropped)."""
        now = self._clock.now()
        with self._uow(write=True) as uow:
            attempts = uow.smpp_receipts.held_attempts(receipt_id, owner)
            if attempts is None:
                return
            wait = backoff(attempts + 1, self.policy.retry_first_seconds,
                           self.policy.retry_cap_seconds)
            uow.smpp_receipts.retry(receipt_id, owner, now + timedelta(seconds=wait))
            uow.commit()

    def release(self, owner: str) -> None:
        """``owner``'s session or process closed: what it held is claimable again now."""
        with self._uow(write=True) as uow:
            uow.smpp_receipts.release(owner)
            uow.commit()

    def expire(self) -> int:
        """Drop receipts queued more than ``max_age_hours`` ago (their client never bound, or
        kept refusing them); returns how many. Run periodically by the worker."""
        before = self._clock.now() - timedelta(hours=self.policy.max_age_hours)
        with self._uow(write=True) as uow:
            dropped = uow.smpp_receipts.expire(before)
            uow.commit()
        if dropped:
            log.warning("dropped %s SMPP receipts older than %s hours that no client took",
                        dropped, self.policy.max_age_hours)
        return dropped
