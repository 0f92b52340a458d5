"""Use cases of mailings: create, start, pause, resume, cancel, and read with stats.

Starting prices every recipient's rendered text and debits the whole mailing up front with
the guarded update, in the same transaction that queues the messages; without the funds
nothing happens and the error names the shortfall. Pausing turns every message not yet
handed to a carrier into STOPPED (-2); resuming queues them again; cancelling makes them
final (DELETED) and refunds them. A rate cap spreads the messages' send times.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Iterator

from ...domain.contacts import clean_fields
from ...domain.ledger import Reason, RefKind, Reference
from ...domain.errors import (ConstraintViolation, InsufficientFunds, MissingParameter, NotFound,
                              QuotaExceeded)
from ...domain.mailing import Mailing, MailingState, check_move
from ...domain.message import Message
from ...domain.pricing import Tariff
from ...domain.phones import normalise
from ...domain.sender import validate_sender
from ...domain.status import MessageStatus as S
from ...domain.templates import parse
from .messages import Target, build_messages, send_time
from ..limits.limits import reserve_quota
from ..sending.steps import schedule_limit
from ..results import BACKGROUND, ItemResult, Page, failure, outcome, paging
from ..access.auth import Credentials
from ..base import AccountUseCases
from ..access.rate_limits import Operation
from ..delivery.delivery import notification
from ..accounts.ledger import Ledger
from ..delivery.ports import Transition
from ..tasks.ports import TaskRecord
from ..tasks.tasks import TaskContext
from ..subaccounts.funding import charge
from ..pricing.tariffs import TariffResolver
from ..uow import UnitOfWork

START_TASK = "start_mailing"
CHUNK = 1000


@dataclass(frozen=True)
class CreateMailing:
    """Command: a mailing in DRAFT. Recipients: any mix of groups, contacts and numbers."""

    credentials: Credentials
    name: str | None
    text: str | None
    sender: str | None = None
    group_ids: tuple[int, ...] = ()
    contact_ids: tuple[int, ...] = ()
    phones: tuple[str, ...] = ()
    scheduled_at: datetime | None = None
    validity_minutes: int | None = None
    rate_per_minute: int | None = None
    defaults: dict[str, str] | None = None


@dataclass(frozen=True)
class MailingView:
    mailing: Mailing
    state: MailingState
    counts: dict[str, int]
    cost: Decimal
    progress: float


@dataclass(frozen=True)
class StartResult:
    code: int
    view: MailingView
    accepted: int
    balance: Decimal
    errors: list[ItemResult] = field(default_factory=list)
    task_id: int | None = None  # with code 100: the background task starting the mailing


class MailingService(AccountUseCases):
    def __init__(self, *args: Any, pricing: TariffResolver | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pricing = pricing or TariffResolver(self._policy.tariff)

    def _tariff(self, uow: UnitOfWork, account_id: int) -> Tariff:
        """The price list of the mailing's account (app/pricing/tariffs.py decides)."""
        account = uow.accounts.get(account_id)
        if account is None:
            raise NotFound("account", account_id)
        return self._pricing.for_account(uow, account)

    def create(self, cmd: CreateMailing) -> MailingView:
        """Validate and store a mailing in DRAFT; nothing is priced or sent yet."""
        account_id = self._account(cmd.credentials, Operation.MANAGE)
        name = (cmd.name or "").strip()
        if not name:
            raise MissingParameter("name")
        if not cmd.text:
            raise MissingParameter("text")
        if len(cmd.text) > self._policy.max_text_length:
            raise ConstraintViolation("text", f"at most {self._policy.max_text_length} characters",
                                      limit=self._policy.max_text_length)
        parse(cmd.text)
        if not (cmd.group_ids or cmd.contact_ids or cmd.phones):
            raise MissingParameter("recipients", "name at least one group, contact or number")
        if cmd.rate_per_minute is not None and not 1 <= cmd.rate_per_minute <= 1_000_000:
            raise ConstraintViolation("ratePerMinute", "rate must be 1..1000000 per minute")
        if cmd.validity_minutes is not None and not (
                1 <= cmd.validity_minutes <= self._policy.max_validity_minutes):
            raise ConstraintViolation("validityMinutes", "validity out of range",
                                      limit=self._policy.max_validity_minutes)
        now = self._clock.now()
        mailing = Mailing(
            id=None, account_id=account_id, name=name[:200], text=cmd.text,
            state=MailingState.DRAFT, created_at=now,
            sender=validate_sender(cmd.sender) if cmd.sender else None,
            scheduled_at=schedule_limit(cmd.scheduled_at, now, self._policy.max_schedule_days)
            if cmd.scheduled_at else None,
            validity_minutes=cmd.validity_minutes, rate_per_minute=cmd.rate_per_minute,
            defaults=clean_fields(cmd.defaults, standard_allowed=True, field_name="defaults")
            if cmd.defaults else {},
            group_ids=tuple(dict.fromkeys(cmd.group_ids)),
            contact_ids=tuple(dict.fromkeys(cmd.contact_ids)), phones=tuple(cmd.phones))
        with self._uow(write=True) as uow:
            known = {g.id for g in uow.groups.list(account_id)}
            missing = [g for g in mailing.group_ids if g not in known]
            if missing:
                raise NotFound("group", missing[0])
            mailing.id = uow.mailings.add(mailing)
            uow.commit()
        return MailingView(mailing, mailing.state, {}, Decimal("0"), 0.0)

    def start(self, credentials: Credentials, mailing_id: int) -> StartResult:
        """Price, debit and queue every recipient in one transaction; a mailing above the
        task threshold is handed to a background task (code 100 and its id) instead."""
        account_id = self._account(credentials, Operation.SEND)
        now = self._clock.now()
        with self._uow(write=True) as uow:
            mailing = self._get(uow, account_id, mailing_id, lock=True)
            check_move(mailing.state, "start")
            if self._estimate(uow, mailing) > self._threshold:
                task_id = uow.tasks.add(account_id, START_TASK, json.dumps(
                    {"mailing_id": mailing.id}), self._estimate(uow, mailing), now)
                mailing.state = MailingState.STARTING
                uow.mailings.update(mailing)
                view, balance = self._view(uow, mailing), uow.accounts.balance(account_id)
                uow.commit()
                return StartResult(BACKGROUND, view, 0, balance, [], task_id)
            targets, errors = self._targets(uow, mailing)
            messages = build_messages(uow, self._policy, mailing, targets, errors, now, 0, now,
                                      self._tariff(uow, account_id))
            total = sum((m.cost for m in messages), Decimal("0"))
            reserve_quota(uow, self._policy.limits, account_id,
                          sum(1 for m in messages if not m.status.final), now)
            balance = self._debit(uow, account_id, total, mailing, len(messages), now)
            uow.messages.add_many(messages)
            self._started(uow, mailing, now, len(messages), total)
            view = self._view(uow, mailing)
            uow.commit()
        code = outcome(len(messages) + len(errors), len(errors))
        return StartResult(code, view, len(messages), balance, errors)

    @staticmethod
    def _estimate(uow: UnitOfWork, mailing: Mailing) -> int:
        """An upper bound of the recipients, before duplicates are removed."""
        sizes = {g.id: g.size for g in uow.groups.list(mailing.account_id)}
        return (sum(sizes.get(g, 0) for g in mailing.group_ids) + len(mailing.contact_ids)
                + len(mailing.phones))

    def _debit(self, uow: UnitOfWork, account_id: int, total: Decimal, mailing: Mailing,
               count: int, now: datetime) -> Decimal:
        """The mailing's one debit, and its one ledger entry (its refunds come per message):
        its own balance, or its parent's within its caps (a sub-client's)."""
        if not total:
            return uow.accounts.balance(account_id)
        return charge(uow, account_id, total, now, None, lambda payer: Ledger(self._clock).debit(
            uow, payer, total, Reason.MAILING, actor=_login(uow, account_id),
            reference=Reference(RefKind.MAILING, str(mailing.stored_id)),
            note=f"{count} message{'s' if count != 1 else ''}"))

    def _started(self, uow: UnitOfWork, mailing: Mailing, now: datetime, count: int, total: Decimal) -> None:
        future = mailing.scheduled_at and mailing.scheduled_at > now
        mailing.state = MailingState.SCHEDULED if future else MailingState.RUNNING
        mailing.started_at, mailing.recipients, mailing.total_cost = now, count, total
        uow.mailings.update(mailing)

    def run_start(self, task: TaskRecord, ctx: TaskContext) -> tuple[int, str | None]:
        """The background start, in one pass over the recipients.

        The recipients are staged in SQL; then, chunk by chunk, each is rendered and priced
        and its message inserted *held* (no worker claims it); finally one transaction debits
        the whole cost with the guarded update and releases every held message at once, or,
        without the funds, deletes them. Every step commits with its checkpoint, so a restart
        resumes where the last worker stopped and never queues or debits twice.
        """
        mailing_id = json.loads(task.payload)["mailing_id"]
        state = dict(ctx.checkpoint) or {"phase": "stage"}
        if state["phase"] == "stage":
            with self._uow(write=True) as uow:
                m = self._get(uow, task.account_id, mailing_id, lock=True)
                uow.mailings.clear_stage(mailing_id)
                uow.mailings.discard_held(mailing_id)
                uow.tasks.clear_errors(task.id)
                phones = [r.e164 for r in (normalise(p, self._policy.default_region)
                                           for p in m.phones) if r.e164 is not None]
                uow.mailings.stage(mailing_id, m.account_id, m.group_ids, m.contact_ids, phones)
                state = {"phase": "queue", "start": self._clock.now().isoformat(), "after": 0,
                         "queued": 0, "failed": 0, "cost": "0"}
                ctx.commit_chunk(uow, state, 0)
        if state["phase"] == "queue":
            for last_id, messages, errors in self._staged_messages(
                    task, mailing_id, state["after"], state, queued=state["queued"]):
                with self._uow(write=True) as uow:
                    uow.messages.insert_bulk(messages, held=True)
                    uow.tasks.add_errors(task.id, [
                        ItemResult(state["queued"] + state["failed"] + n, e.code, None,
                                   e.message, e.field) for n, e in enumerate(errors)])
                    state = {**state, "after": last_id,
                             "queued": state["queued"] + len(messages),
                             "failed": state["failed"] + len(errors),
                             "accepted": state.get("accepted", 0) + sum(
                                 1 for m in messages if not m.status.final),
                             "cost": str(Decimal(state["cost"]) + sum(
                                 (m.cost for m in messages), Decimal("0")))}
                    ctx.commit_chunk(uow, state, state["queued"] + state["failed"])
            with self._uow(write=True) as uow:
                m = self._get(uow, task.account_id, mailing_id, lock=True)
                cost = Decimal(state["cost"])
                try:
                    reserve_quota(uow, self._policy.limits, task.account_id,
                                  state.get("accepted", 0), self._clock.now())
                    self._debit(uow, task.account_id, cost, m, state["queued"], self._clock.now())
                except (InsufficientFunds, QuotaExceeded):
                    uow.rollback()
                    self._abandon(task.account_id, mailing_id)
                    raise
                uow.mailings.release_held(mailing_id)
                self._started(uow, m, datetime.fromisoformat(state["start"]), state["queued"],
                              cost)
                uow.mailings.clear_stage(mailing_id)
                state = {**state, "phase": "done"}
                ctx.commit_chunk(uow, state, state["queued"] + state["failed"])
        failed, queued = state["failed"], state["queued"]
        return outcome(queued + failed, failed), None

    def _abandon(self, account_id: int, mailing_id: int) -> None:
        """Without the funds: nothing stays queued, and the mailing is a DRAFT again."""
        with self._uow(write=True) as uow:
            m = self._get(uow, account_id, mailing_id, lock=True)
            uow.mailings.discard_held(mailing_id)
            uow.mailings.clear_stage(mailing_id)
            m.state = MailingState.DRAFT
            uow.mailings.update(m)
            uow.commit()

    def _staged_messages(self, task: TaskRecord, mailing_id: int, after: int,
                         state: dict[str, Any], queued: int = 0
                         ) -> Iterator[tuple[int, list[Message], list[ItemResult]]]:
        """(last staging id, messages, errors) per chunk of the staged recipients."""
        start = datetime.fromisoformat(state["start"])
        while True:
            with self._uow() as uow:
                m = self._get(uow, task.account_id, mailing_id)
                rows = uow.mailings.staged(mailing_id, after, CHUNK)
                if not rows:
                    return
                targets = [Target(phone, card.placeholders() if card else {"phone": phone})
                           for _i, phone, card in rows]
                errors: list[ItemResult] = []
                messages = build_messages(uow, self._policy, m, targets, errors, start, queued,
                                          start, self._tariff(uow, m.account_id))
            queued += len(messages)
            after = rows[-1][0]
            yield after, messages, errors

    def _targets(self, uow: UnitOfWork, mailing: Mailing) -> tuple[list[Target], list[ItemResult]]:
        """Everyone the mailing names, each number once: groups, then contacts, then numbers."""
        seen: dict[str, Target] = {}
        errors: list[ItemResult] = []
        for contact in uow.mailings.group_contacts(mailing.account_id, mailing.group_ids):
            seen.setdefault(contact.phone, Target(contact.phone, contact.placeholders()))
        found = uow.contacts.get(mailing.account_id, mailing.contact_ids)
        for index, contact_id in enumerate(mailing.contact_ids):
            card = found.get(contact_id)
            if card is None:
                errors.append(failure(index, NotFound("contact", contact_id), contact_id))
            else:
                seen.setdefault(card.phone, Target(card.phone, card.placeholders()))
        for index, raw in enumerate(mailing.phones):
            recipient = normalise(raw, self._policy.default_region)
            if recipient.e164 is None:
                errors.append(ItemResult(index, 1, None, f"invalid phone number {raw!r}", "phones"))
            else:
                seen.setdefault(recipient.e164, Target(recipient.e164, {"phone": recipient.e164}))
        return list(seen.values()), errors

    def pause(self, credentials: Credentials, mailing_id: int) -> MailingView:
        """Messages not yet handed to a carrier become STOPPED (-2)."""
        return self._move(credentials, mailing_id, "pause",
                          lambda uow, m, now: uow.mailings.stop_unsent(m.stored_id, now))

    def resume(self, credentials: Credentials, mailing_id: int) -> MailingView:
        """Stopped messages are queued again (spread anew when the mailing has a rate cap)."""
        def requeue(uow: UnitOfWork, m: Mailing, now: datetime) -> None:
            start = max(m.scheduled_at or now, now)
            rows = []
            for position, message_id in enumerate(uow.mailings.stopped(m.stored_id)):
                at = send_time(start, position, m.rate_per_minute)
                rows.append((message_id, "SCHEDULED" if at > now else "QUEUED",
                             at if at > now else None))
            uow.mailings.requeue(rows, now)
        return self._move(credentials, mailing_id, "resume", requeue)

    def cancel(self, credentials: Credentials, mailing_id: int) -> MailingView:
        """Messages not yet handed to a carrier become final and are refunded."""
        def cancel(uow: UnitOfWork, m: Mailing, now: datetime) -> None:
            # Through the shared state change: refunds and client notifications included.
            ids = uow.mailings.unsent(m.stored_id)
            for start in range(0, len(ids), CHUNK):
                states = uow.delivery.states(ids[start:start + CHUNK])
                uow.delivery.apply([Transition(
                    st.id, S.DELETED, error_message="mailing cancelled", dlr_stat="DELETED",
                    refund=True, callback=notification(st.id, st.recipient, st.client_ref,
                                                       st.callback_url, S.DELETED, now,
                                                       sender=st.sender))
                    for st in states.values()], now, actor=_login(uow, m.account_id))
        return self._move(credentials, mailing_id, "cancel", cancel)

    def _move(self, credentials: Credentials, mailing_id: int, move: str,
              action: Callable[[UnitOfWork, Mailing, datetime], object]) -> MailingView:
        account_id = self._account(credentials, Operation.MANAGE)
        now = self._clock.now()
        with self._uow(write=True) as uow:
            mailing = self._get(uow, account_id, mailing_id, lock=True)
            state = self._effective(uow, mailing)
            mailing.state = check_move(state, move) or state  # pause/resume/cancel name a state
            action(uow, mailing, now)
            uow.mailings.update(mailing)
            view = self._view(uow, mailing)
            uow.commit()
        return view

    def get(self, credentials: Credentials, mailing_id: int) -> MailingView:
        account_id = self._account(credentials, Operation.QUERY)
        with self._uow() as uow:
            return self._view(uow, self._get(uow, account_id, mailing_id))

    def list(self, credentials: Credentials, page: int | None = None,
             page_size: int | None = None) -> Page[MailingView]:
        account_id = self._account(credentials, Operation.QUERY)
        offset, limit = paging(page, page_size)
        with self._uow() as uow:
            found = uow.mailings.list(account_id, offset, limit)
            return Page(found.total, [self._view(uow, m) for m in found.items])

    @staticmethod
    def _get(uow: UnitOfWork, account_id: int, mailing_id: int, lock: bool = False) -> Mailing:
        mailing = uow.mailings.get(account_id, mailing_id, lock=lock)
        if mailing is None:
            raise NotFound("mailing", mailing_id)
        return mailing

    def _effective(self, uow: UnitOfWork, mailing: Mailing) -> MailingState:
        """RUNNING/SCHEDULED with every message final reads COMPLETED; a due schedule RUNNING."""
        if mailing.state in (MailingState.RUNNING, MailingState.SCHEDULED):
            stats = uow.mailings.stats(mailing.stored_id)
            if all(S.from_name(name).final for name in stats):
                return MailingState.COMPLETED
            if mailing.state is MailingState.SCHEDULED and mailing.scheduled_at \
                    and mailing.scheduled_at <= self._clock.now():
                return MailingState.RUNNING
        return mailing.state

    def _view(self, uow: UnitOfWork, mailing: Mailing) -> MailingView:
        stats = uow.mailings.stats(mailing.id) if mailing.id else {}
        counts = {name: count for name, (count, _cost) in stats.items()}
        total = sum(counts.values())
        done = sum(c for name, c in counts.items() if S.from_name(name).final)
        cost = sum((cost for _count, cost in stats.values()), Decimal("0"))
        return MailingView(mailing, self._effective(uow, mailing), counts, cost,
                           round(100.0 * done / total, 1) if total else 0.0)


def _login(uow: UnitOfWork, account_id: int) -> str:
    """Who a ledger entry names as its actor: the account acting."""
    account = uow.accounts.get(account_id)
    return account.login if account is not None else str(account_id)


__all__ = ["CreateMailing", "MailingService", "MailingView", "StartResult"]
