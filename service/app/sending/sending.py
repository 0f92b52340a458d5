"""Use cases: send one text (or several parts) to many recipients, and quote what that would cost.

A send is authenticated, validated and priced, then debited and stored in ONE write
transaction, so nothing is acknowledged that is not committed, and a rejected request
leaves no trace. A client reference makes a retry idempotent for ``idempotency_hours``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from ...domain.clock import Clock
from ...domain.encoding import SegmentInfo, analyse
from ...domain.errors import ConstraintViolation, MissingParameter
from ...domain.message import Message
from ...domain.phones import Recipient, normalise, split_recipients
from ...domain.pricing import Tariff
from ...domain.sender import validate_sender
from ...domain.status import MessageStatus
from ...domain.vocabularies import smsc_code
from ..access.auth import Authenticator, Credentials
from ..accounts.ledger import Ledger
from ..access.rate_limits import Operation
from ..errors import DuplicateRequest
from ..pricing.tariffs import TariffResolver
from .policy import SendingPolicy
from ..results import outcome
from ..senders.screen import check_senders
from ..smpp.receipts import owed_at_submit
from ..uow import UnitOfWorkFactory
from .steps import (BLACKLISTED_ERROR, INVALID_NUMBER_ERROR, blacklist_refusals, check_text,
                    new_message, pay, schedule_limit, screen, send_note)

__all__ = ["BLACKLISTED_ERROR", "INVALID_NUMBER_ERROR", "MessageResult", "Quote", "QuoteSms",
           "SendParts", "SendResult", "SendSms", "SendingService", "schedule_limit"]

_REFUSED = (MessageStatus.INVALID_NUMBER.canonical_name, MessageStatus.BANNED.canonical_name)


@dataclass(frozen=True)
class SendSms:
    """Command: send ``text`` to every recipient (each item may hold a comma/semicolon list)."""

    credentials: Credentials
    recipients: list[str]
    text: str | None
    sender: str | None = None
    scheduled_at: datetime | None = None
    validity_minutes: int | None = None
    client_ref: str | None = None
    external_id: str | None = None  # the client's own id for these messages (smsc's ``id``)


@dataclass(frozen=True)
class SendParts:
    """Command: send every text of ``texts``, in order, as its own SMS to every recipient, all
    or nothing: one transaction and one debit (an OMS message of several contents)."""

    credentials: Credentials
    recipients: list[str]
    texts: list[str]
    sender: str | None = None
    scheduled_at: datetime | None = None
    validity_minutes: int | None = None


@dataclass(frozen=True)
class QuoteSms:
    """Command: what would sending ``text`` to ``recipients`` cost? Nothing is debited."""

    credentials: Credentials
    recipients: list[str]
    text: str | None


@dataclass
class MessageResult:
    recipient: str
    message_id: int
    status: str
    status_code: int
    segments: int
    cost: Decimal
    error_code: int | None = None
    error_message: str | None = None
    sender: str | None = None  # the sender it goes out with (docs/senders.md)


@dataclass
class SendResult:
    code: int
    total_cost: Decimal
    total_segments: int
    balance: Decimal
    messages: list[MessageResult] = field(default_factory=list)

    def refused(self) -> list[str]:
        """The recipients refused at once (a bad number, the blacklist), each once, in order."""
        return list(dict.fromkeys(m.recipient for m in self.messages if m.status in _REFUSED))

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str)

    @classmethod
    def from_json(cls, text: str) -> "SendResult":
        raw = json.loads(text)
        messages = [MessageResult(**{**m, "cost": Decimal(m["cost"])}) for m in raw.pop("messages")]
        return cls(code=raw["code"], total_cost=Decimal(raw["total_cost"]),
                   total_segments=raw["total_segments"], balance=Decimal(raw["balance"]),
                   messages=messages)


@dataclass(frozen=True)
class Quote:
    cost: Decimal
    segments: int
    accepted: int
    rejected: int


@dataclass(frozen=True)
class _Priced:
    recipient: Recipient
    segments: int
    cost: Decimal


class SendingService:
    """The send and quote use cases."""

    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator,
                 policy: SendingPolicy, clock: Clock,
                 pricing: TariffResolver | None = None) -> None:
        self._uow = uow_factory
        self._auth = auth
        self._policy = policy
        self._clock = clock
        self._pricing = pricing or TariffResolver(policy.tariff)
        self._ledger = Ledger(clock)

    # -- use cases -------------------------------------------------------------------------

    def send(self, cmd: SendSms) -> SendResult:
        """Accept the messages: returns per-recipient results, totals and the new balance.

        Raises ValidationError subclasses for bad input, AuthenticationFailed/AccountBlocked,
        and InsufficientFunds (nothing stored, nothing debited).
        """
        return self._send(cmd, [cmd.text])

    def send_parts(self, cmd: SendParts) -> SendResult:
        """Accept every part for every recipient in one transaction with one debit: the result
        lists the messages part by part. A balance that covers only some parts stores and
        debits nothing (InsufficientFunds); otherwise as ``send``."""
        if not cmd.texts:
            raise MissingParameter("text")
        return self._send(SendSms(cmd.credentials, cmd.recipients, None, cmd.sender,
                                  cmd.scheduled_at, cmd.validity_minutes), cmd.texts)

    def _send(self, cmd: SendSms, texts: Sequence[str | None]) -> SendResult:
        with self._uow() as uow:
            account = self._auth.admit(uow, cmd.credentials, Operation.SEND)
            tariff = self._pricing.for_account(uow, account)
        now = self._clock.now()
        parts = [(text, *self._price(cmd.recipients, text, tariff)) for text in texts]
        sender = validate_sender(cmd.sender) if cmd.sender else account.settings.default_sender
        scheduled_at = self._schedule(cmd.scheduled_at, now)
        valid_until = (scheduled_at or now) + timedelta(minutes=self._validity(cmd.validity_minutes))
        client_ref = self._client_ref(cmd.client_ref)
        messages = [self._message(account.stored_id, p, text or "", sender, info, now, scheduled_at,
                                  valid_until, client_ref)
                    for text, info, priced in parts for p in priced]
        if cmd.external_id is not None and len(cmd.external_id) > 64:
            raise ConstraintViolation("id", "a message id is at most 64 characters", limit=64)
        for m in messages:
            m.external_id = cmd.external_id
        check_senders(self._uow, self._policy.sender_check, account.stored_id, account.settings,
                      messages)
        for _attempt in range(3):
            try:
                return self._store(account.stored_id, client_ref, messages, now, account.currency,
                                   account.login)
            except DuplicateRequest:
                continue
        raise DuplicateRequest(client_ref)

    def quote(self, cmd: QuoteSms) -> Quote:
        """Price a send without storing or debiting anything."""
        _info, recipients = self._recipients(cmd.recipients, cmd.text)
        with self._uow() as uow:
            account = self._auth.admit(uow, cmd.credentials, Operation.QUERY)
            priced = self._priced(_info, recipients, self._pricing.for_account(uow, account))
            banned = blacklist_refusals(
                uow, account.stored_id,
                [p.recipient.e164 for p in priced if p.recipient.e164 is not None])
        valid = [p for p in priced if p.recipient.valid and p.recipient.e164 not in banned]
        return Quote(cost=sum((p.cost for p in valid), Decimal("0")),
                     segments=sum(p.segments for p in valid),
                     accepted=len(valid), rejected=len(priced) - len(valid))

    # -- steps -----------------------------------------------------------------------------

    def _store(self, account_id: int, client_ref: str | None, messages: list[Message],
               now: datetime, currency: str | None = None, actor: str | None = None) -> SendResult:
        with self._uow(write=True) as uow:
            if client_ref is not None:
                earlier = uow.send_requests.find(account_id, client_ref)
                expired_before = now - timedelta(hours=self._policy.idempotency_hours)
                if earlier is not None and earlier[0] >= expired_before and earlier[1]:
                    return SendResult.from_json(earlier[1])
                uow.send_requests.claim(account_id, client_ref, now, expired_before)
            screen(uow, self._policy.limits, account_id, messages, now)
            ids = uow.messages.add_many(messages)
            owed_at_submit(uow, messages)  # those refused here (BANNED ...) may owe a receipt
            balance = pay(uow, self._ledger, account_id, messages, now, currency,
                          actor or str(account_id), send_note(len(messages), client_ref))
            total = sum((m.cost for m in messages), Decimal("0"))
            result = self._result(messages, ids, total, balance)
            if client_ref is not None:
                uow.send_requests.store_result(account_id, client_ref, result.to_json())
            uow.commit()
        return result

    def _price(self, raw_recipients: list[str], text: str | None,
               tariff: Tariff) -> tuple[SegmentInfo, list[_Priced]]:
        info, recipients = self._recipients(raw_recipients, text)
        return info, self._priced(info, recipients, tariff)

    def _recipients(self, raw_recipients: list[str],
                    text: str | None) -> tuple[SegmentInfo, list[Recipient]]:
        """The text's segments and the normalised recipients, validated against the policy."""
        text = check_text(text, self._policy.max_text_length)
        items = split_recipients(raw_recipients or [])
        if not items:
            raise MissingParameter("recipients", "at least one recipient is required")
        if len(items) > self._policy.max_recipients:
            raise ConstraintViolation(
                "recipients", f"{len(items)} recipients; at most {self._policy.max_recipients} "
                "per request", limit=self._policy.max_recipients)
        region = self._policy.default_region
        return analyse(text), [normalise(item, region) for item in items]

    @staticmethod
    def _priced(info: SegmentInfo, recipients: list[Recipient], tariff: Tariff) -> list[_Priced]:
        priced = []
        for recipient in recipients:
            if recipient.e164 is not None:
                priced.append(_Priced(recipient, info.segments, tariff.cost(recipient.e164, info.segments)))
            else:
                priced.append(_Priced(recipient, info.segments, Decimal("0")))
        return priced

    def _schedule(self, scheduled_at: datetime | None, now: datetime) -> datetime | None:
        if scheduled_at is None:
            return None
        when = schedule_limit(scheduled_at, now, self._policy.max_schedule_days)
        return when if when > now else None

    def _validity(self, minutes: int | None) -> int:
        if minutes is None:
            return self._policy.default_validity_minutes
        if not 1 <= minutes <= self._policy.max_validity_minutes:
            raise ConstraintViolation(
                "validityMinutes", f"validity must be 1..{self._policy.max_validity_minutes} "
                "minutes", limit=self._policy.max_validity_minutes)
        return minutes

    def _client_ref(self, ref: str | None) -> str | None:
        if ref is None or ref.strip() == "":
            return None
        if len(ref) > self._policy.max_client_ref_length:
            raise ConstraintViolation(
                "clientRef", f"client reference longer than {self._policy.max_client_ref_length}",
                limit=self._policy.max_client_ref_length)
        return ref

    @staticmethod
    def _message(account_id: int, priced: _Priced, text: str, sender: str | None,
                 info: SegmentInfo, now: datetime, scheduled_at: datetime | None,
                 valid_until: datetime, client_ref: str | None) -> Message:
        return new_message(account_id, priced.recipient, text, sender, info.encoding,
                           priced.segments, priced.cost, now, scheduled_at, valid_until,
                           client_ref)

    @staticmethod
    def _result(messages: list[Message], ids: list[int], total: Decimal, balance: Decimal) -> SendResult:
        results = [MessageResult(recipient=m.recipient, message_id=i, status=m.status.canonical_name,
                                 status_code=smsc_code(m.status), segments=m.segments, cost=m.cost,
                                 error_code=m.error_code, error_message=m.error_message,
                                 sender=m.sender)
                   for m, i in zip(messages, ids)]
        accepted = sum(1 for m in messages if not m.status.final)
        code = outcome(len(messages), len(messages) - accepted)
        return SendResult(code=code, total_cost=total,
                          total_segments=sum(m.segments for m in messages if not m.status.final),
                          balance=balance, messages=results)

