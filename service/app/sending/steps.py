"""The steps every send shares, whichever door it came through: a SOAP/HTTP send request
(``SendingService``) and a batch of SMPP submits (``SubmitService``) build, screen and pay for
their messages with these same functions, so a rule changes in one place.

Order inside the write transaction: ``screen`` (blacklist, then the sending limits) before the
insert, ``pay`` after it (the ledger entry names the messages' ids).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Sequence

from ...domain.encoding import Encoding
from ...domain.errors import ConstraintViolation, MissingParameter
from ...domain.keywords import ban_message
from ...domain.ledger import Reason, RefKind, Reference
from ...domain.limits import Limits
from ...domain.message import Message
from ...domain.phones import Recipient
from ...domain.status import MessageStatus
from ...domain.values import utc_time
from ..accounts.ledger import Ledger
from ..limits.limits import screen as screen_limits
from ..subaccounts.funding import charge
from ..uow import UnitOfWork

INVALID_NUMBER_ERROR = 1
BLACKLISTED_ERROR = 12


def check_text(text: str | None, max_length: int) -> str:
    """The text of a send: present (MissingParameter) and at most ``max_length`` characters
    (ConstraintViolation naming ``text``)."""
    if text is None or text == "":
        raise MissingParameter("text")
    if len(text) > max_length:
        raise ConstraintViolation(
            "text", f"text is {len(text)} characters; at most {max_length} are allowed",
            limit=max_length)
    return text


def schedule_limit(scheduled_at: datetime, now: datetime, max_days: int) -> datetime:
    """A client's send time in UTC, at most ``max_days`` ahead (earlier times are kept)."""
    when = utc_time(scheduled_at, "scheduledAt")
    if when > now + timedelta(days=max_days):
        raise ConstraintViolation("scheduledAt", f"scheduled time is more than {max_days} "
                                  "days ahead", limit=max_days)
    return when


def new_message(account_id: int, recipient: Recipient, text: str, sender: str | None,
                encoding: Encoding, segments: int, cost: Decimal, now: datetime,
                scheduled_at: datetime | None, valid_until: datetime,
                client_ref: str | None = None) -> Message:
    """A message as accepted: QUEUED (SCHEDULED with a time), or INVALID_NUMBER (final, free)
    when the recipient is not a valid number."""
    if recipient.valid:
        status = MessageStatus.SCHEDULED if scheduled_at else MessageStatus.QUEUED
        error_code = error_message = None
    else:
        status, cost = MessageStatus.INVALID_NUMBER, Decimal("0")
        error_code, error_message = INVALID_NUMBER_ERROR, f"invalid phone number {recipient.raw!r}"
    return Message(id=None, account_id=account_id, recipient=recipient.address, text=text,
                   sender=sender, encoding=encoding, segments=segments, cost=cost,
                   status=status, created_at=now, updated_at=now, valid_until=valid_until,
                   scheduled_at=scheduled_at, client_ref=client_ref, error_code=error_code,
                   error_message=error_message)


def blacklist_refusals(uow: UnitOfWork, account_id: int, phones: Sequence[str]) -> dict[str, str]:
    """The phones among ``phones`` on the account's blacklist, each with why a message to it
    is refused: "the number is on the blacklist" (the account listed it) or "the number opted
    out by replying STOP on <day>" (its subscriber did). One query; the one blacklist check of
    sends, quotes and mailings."""
    if not phones:
        return {}
    return {phone: ban_message(entry)
            for phone, entry in uow.blacklist.entries(account_id, phones).items()}


def ban_blacklisted(uow: UnitOfWork, account_id: int, messages: Sequence[Message]) -> None:
    """Numbers on the account's blacklist become BANNED (23), free, and are never sent, with
    the reason in ``error_message`` (one query for all of the account's messages)."""
    banned = blacklist_refusals(uow, account_id,
                                [m.recipient for m in messages if not m.status.final])
    for m in messages:
        if m.recipient in banned and not m.status.final:
            m.status, m.cost = MessageStatus.BANNED, Decimal("0")
            m.error_code, m.error_message = BLACKLISTED_ERROR, banned[m.recipient]


def screen(uow: UnitOfWork, limits: Limits, account_id: int, messages: list[Message],
           now: datetime) -> None:
    """Before the insert: the blacklist, then the sending limits (bans, and the day/month
    counts: QuotaExceeded refuses the account's messages whole)."""
    ban_blacklisted(uow, account_id, messages)
    screen_limits(uow, limits, account_id, messages, now)


def pay(uow: UnitOfWork, ledger: Ledger, account_id: int, messages: Sequence[Message],
        now: datetime, currency: str | None, actor: str, note: str) -> Decimal:
    """After the insert: debit the messages' total with ONE ledger entry (``send``, referring
    to the first message, ``note`` naming the rest) from whoever pays for this account (its
    own balance, or a parent-mode sub-client's parent within its caps); the balance to show.
    Raises InsufficientFunds / SpendingCapExceeded / AccountBlocked (the payer is blocked):
    the caller must then not commit."""
    total = sum((m.cost for m in messages), Decimal("0"))
    if total <= 0:
        return uow.accounts.balance(account_id)
    first = min(m.stored_id for m in messages)
    return charge(uow, account_id, total, now, currency, lambda payer: ledger.debit(
        uow, payer, total, Reason.SEND, actor=actor,
        reference=Reference(RefKind.MESSAGE, str(first)), note=note, currency=currency))


def send_note(count: int, client_ref: str | None) -> str:
    """The ledger note of a send request: how many messages (and its clientRef)."""
    note = f"{count} message{'s' if count != 1 else ''}"
    return note + (f", clientRef {client_ref}" if client_ref else "")


def ids_note(prefix: str, ids: Sequence[int]) -> str:
    """A note that names messages by id, runs folded: ``smpp: 4 messages 7-9,12``."""
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    count = len(ids)
    named = ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
    return f"{prefix}: {count} message{'s' if count != 1 else ''} {named}"
