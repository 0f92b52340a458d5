"""The durable queue of delivery receipts owed to SMPP clients.

A receipt is owed when a message whose client asked for it (``Message.receipt_request``, the
``registered_delivery`` bits: ``domain/receipt_request.py``) changes status. It is queued in
the same transaction as the change: by the delivery store's ``apply`` for every change the
worker, a cancel or the sweep makes (``receipts_for_transitions``), and by ``owed_at_submit``
for messages stored already final (refused at submit: BANNED, INVALID_NUMBER). So no receipt
is lost when a process dies, and none is owed for a change that did not happen.

Receipts share the SMPP outbox with inbound messages (``outbox_ports.py``); ``outbox.py`` is
what the SMPP server and the worker drive for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Sequence

from ...domain.message import Message
from ...domain.receipt_request import ReceiptKind, asks_for_receipts, receipt_owed
from ...domain.status import MessageStatus
from ...domain.vocabularies import smpp_receipt_names
from ..delivery.ports import Transition
from ..uow import UnitOfWork
from .outbox_ports import NewReceipt, OwedReceipt

TEXT_PREFIX = 20  # characters of the message's text a receipt repeats (its ``text:`` field)

__all__ = ["NewReceipt", "OwedReceipt", "ReceiptSubject", "owed_at_submit", "receipt_for",
           "receipts_for_transitions"]


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
        uow.smpp_outbox.add(owed, max(r.done_at for r in owed))
    return len(owed)
