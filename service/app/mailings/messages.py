"""How a mailing's messages are built: each recipient's text rendered, priced and timed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ...domain.encoding import analyse
from ...domain.errors import SmsgwError
from ...domain.mailing import Mailing
from ...domain.message import Message
from ...domain.pricing import Tariff
from ...domain.status import MessageStatus as S
from ...domain.templates import parse
from ..limits.limits import screen_mailing
from ..results import ItemResult
from ..sending.policy import SendingPolicy
from ..sending.steps import BLACKLISTED_ERROR, blacklist_refusals
from ..senders.screen import screen
from ..uow import UnitOfWork


@dataclass(frozen=True)
class Target:
    """One recipient of a mailing and the values its template may use."""

    phone: str
    values: dict[str, str]


def send_time(start: datetime, position: int, rate: int | None) -> datetime:
    """With a rate cap, message ``position`` goes ``position / rate`` minutes after the start."""
    return start + timedelta(minutes=position / rate) if rate else start


def build_messages(uow: UnitOfWork, policy: SendingPolicy, mailing: Mailing, targets: list[Target],
                   errors: list[ItemResult], now: datetime, position: int,
                   started: datetime, tariff: Tariff | None = None) -> list[Message]:
    """Render and price ``targets`` (with ``tariff``, the account's price list: see
    app/pricing/tariffs.py); ``position`` counts the messages before them."""
    banned = blacklist_refusals(uow, mailing.account_id, [t.phone for t in targets])
    template, tariff = parse(mailing.text), tariff or policy.tariff
    validity = timedelta(minutes=mailing.validity_minutes
                         or policy.default_validity_minutes)
    start = max(mailing.scheduled_at or started, started)
    messages: list[Message] = []
    for target in targets:
        try:
            text = template.render(target.values, mailing.defaults)
        except SmsgwError as exc:
            errors.append(ItemResult(len(errors), exc.code, None,
                                     f"{target.phone}: {exc.message}", exc.field))
            continue
        if not text.strip() or len(text) > policy.max_text_length:
            errors.append(ItemResult(len(errors), 12, None,
                                     f"{target.phone}: rendered text is empty or too long",
                                     "text"))
            continue
        info = analyse(text)
        at = send_time(start, position + len(messages), mailing.rate_per_minute)
        status = S.BANNED if target.phone in banned else (
            S.SCHEDULED if at > now else S.QUEUED)
        messages.append(Message(
            id=None, account_id=mailing.account_id, recipient=target.phone, text=text,
            sender=mailing.sender, encoding=info.encoding, segments=info.segments,
            cost=Decimal("0") if status is S.BANNED else tariff.cost(target.phone, info.segments),
            status=status, created_at=now, updated_at=now, valid_until=at + validity,
            scheduled_at=at if at > now else None, mailing_id=mailing.id,
            error_code=BLACKLISTED_ERROR if status is S.BANNED else None,
            error_message=banned.get(target.phone)))
    screen_senders(uow, policy.sender_check, mailing.account_id, messages)
    screen_mailing(uow, policy.limits, mailing.account_id, messages, now)
    return messages


def screen_senders(uow: UnitOfWork, enabled: bool, account_id: int,
                   messages: list[Message]) -> None:
    """Each recipient's sender resolved as a send's is (app/senders/screen.py); a mailing
    without a sender wants the account's default sender."""
    account = uow.accounts.get(account_id) if enabled and messages else None
    if account is not None:
        screen(uow, account_id, account.settings, messages, apply_default=True)
