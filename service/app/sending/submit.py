"""Use case: many single-recipient submits (SMPP submit_sm, from any sessions) committed
together, and finding one of them again.

The SMPP server gathers the submits that arrive within a few milliseconds and calls
``submit_many`` once; it answers each submit_sm only after this returns, so nothing is
acknowledged that is not committed. The batch is ONE write transaction (a group commit): one
insert for every message, one debit and one ledger entry per account, one blacklist query per
account, one tariff resolve per account.

The rules are the send request's (``steps.py``): the account is read again (blocked:
AccountBlocked), the text checked, the number normalised, segments counted and priced by the
account's tariff, the sender validated and (SMSGW_SENDER_CHECK) resolved, the blacklist and
the sending limits applied, and the total charged to whoever pays for the account. The
account's send rate is counted in SEGMENTS, all of its items in the batch at once.

Isolation: an item's own problem (a bad number, text or sender) is its own error. An error
that refuses an account's messages whole (InsufficientFunds, a spending cap, QuotaExceeded)
would undo the whole transaction; the batch is then committed again without that account,
and that account's items are tried one by one, in order, so those that fit are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ...domain.account import Account
from ...domain.clock import Clock
from ...domain.encoding import Encoding, analyse, analyse_part
from ...domain.errors import (ConstraintViolation, InsufficientFunds, InvalidNumber, NotFound,
                              SmsgwError, ValidationError)
from ...domain.message import ConcatPart, Message
from ...domain.phones import Recipient, normalise
from ...domain.pricing import Tariff
from ...domain.sender import validate_sender
from ...domain.values import utc_time
from ..access.rate_limits import Operation, RateLimiter
from ..accounts.ledger import Ledger
from ..errors import SaveConflict
from ..pricing.tariffs import TariffResolver
from ..senders.screen import screen as screen_senders
from ..uow import UnitOfWork, UnitOfWorkFactory
from .policy import SendingPolicy
from .steps import check_text, ids_note, new_message, pay, schedule_limit, screen

CONFLICT_ATTEMPTS = 3  # a transaction lost to concurrent writers is tried this often
# What a database text column cannot hold (PostgreSQL: NUL; neither: a lone surrogate, not
# UTF-8). Refused per item: in the batch's one INSERT it would fail every other item too.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class Submission:
    """Command: send ``text`` to one ``recipient`` for ``account_id`` (already bound).

    ``receipt_request``: the SMPP registered_delivery bits, kept with the message. ``concat``:
    the text is one part of a message the client split itself; it goes out as ONE SMS with a
    concatenation UDH carrying the client's numbering."""

    account_id: int
    ip: str | None
    recipient: str
    text: str
    sender: str | None
    scheduled_at: datetime | None = None
    valid_until: datetime | None = None
    receipt_request: int = 0
    concat: ConcatPart | None = None


@dataclass(frozen=True)
class Submitted:
    """One submission's answer: the stored message's id, or the error that refused it
    (exactly one of them is set). A stored message may already be final (BANNED)."""

    message_id: int | None
    error: SmsgwError | None = None


@dataclass
class _Draft:
    """A submission that passed the checks needing no database."""

    index: int
    item: Submission
    recipient: Recipient
    encoding: Encoding
    segments: int
    sender: str | None          # validated; None: the account's default sender
    scheduled_at: datetime | None
    valid_until: datetime
    cost: Decimal | None = None   # as last priced (the one-by-one fallback skips by it)


class _AccountFailed(Exception):
    """An error that refuses one account's messages whole; the transaction must not commit."""

    def __init__(self, account_id: int, error: SmsgwError) -> None:
        super().__init__(error.message)
        self.account_id = account_id
        self.error = error


StoredHook = Callable[[UnitOfWork, Sequence[Message]], object]


class SubmitService:
    """Batch submit (a group commit) and the lookup of a submitted message.

    ``on_stored(uow, messages)`` runs inside the batch's transaction with every message it
    stores (ids set), e.g. to queue SMPP receipts for those stored already final (BANNED)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, policy: SendingPolicy, clock: Clock,
                 pricing: TariffResolver | None = None, limiter: RateLimiter | None = None,
                 on_stored: StoredHook | None = None) -> None:
        self._uow = uow_factory
        self._policy = policy
        self._clock = clock
        self._pricing = pricing or TariffResolver(policy.tariff)
        self._limiter = limiter
        self._on_stored = on_stored
        self._ledger = Ledger(clock)

    # -- use cases -------------------------------------------------------------------------

    def submit_many(self, batch: Sequence[Submission]) -> list[Submitted]:
        """Store every acceptable submission in one transaction; one answer per submission,
        in order. Never raises for a client's problem: each item carries its own error
        (ValidationError subclasses, InvalidNumber, AccountBlocked, RateLimited,
        InsufficientFunds, QuotaExceeded, SaveConflict when the store kept refusing)."""
        now = self._clock.now()
        results: list[Submitted | None] = [None] * len(batch)
        groups: dict[int, list[_Draft]] = {}
        for index, item in enumerate(batch):
            try:
                draft = self._draft(index, item, now)
            except SmsgwError as error:
                results[index] = Submitted(None, error)
                continue
            groups.setdefault(item.account_id, []).append(draft)
        for index, submitted in self._commit(groups, now).items():
            results[index] = submitted
        return [r if r is not None else Submitted(None, SmsgwError("not processed"))
                for r in results]

    def find(self, account_id: int, message_id: int) -> Message | None:
        """This account's message with this id, hot or archived; None for another account's
        or an unknown id."""
        with self._uow() as uow:
            return uow.messages.get_many(account_id, [message_id]).get(message_id)

    # -- checks without the database --------------------------------------------------------

    def _draft(self, index: int, item: Submission, now: datetime) -> _Draft:
        """In the order of the PDU's fields: source (sender), destination, text, times."""
        sender = validate_sender(item.sender) if item.sender else None
        recipient = normalise(item.recipient, self._policy.default_region)
        if not recipient.valid:
            raise InvalidNumber(item.recipient)
        text = check_text(item.text, self._policy.max_text_length)
        if _UNSTORABLE.search(text):
            raise ValidationError("the text holds a character that cannot be stored (NUL or "
                                  "an unpaired surrogate)", field="text")
        if item.concat is not None:
            encoding, segments = _part(text, item.concat), 1
        else:
            info = analyse(text)
            encoding, segments = info.encoding, info.segments
        if not 0 <= item.receipt_request <= 0xFF:  # SMPP's one octet (a SMALLINT column)
            raise ConstraintViolation("receipt_request", "registered_delivery is one octet",
                                      limit=0xFF)
        scheduled_at = None
        if item.scheduled_at is not None:
            when = schedule_limit(item.scheduled_at, now, self._policy.max_schedule_days)
            scheduled_at = when if when > now else None
        return _Draft(index, item, recipient, encoding, segments, sender, scheduled_at,
                      self._valid_until(item.valid_until, scheduled_at or now))

    def _valid_until(self, asked: datetime | None, start: datetime) -> datetime:
        """The client's validity end, cut to the longest validity allowed from when the
        message is due; one at or before that moment is refused."""
        longest = start + timedelta(minutes=self._policy.max_validity_minutes)
        if asked is None:
            return start + timedelta(minutes=self._policy.default_validity_minutes)
        until = utc_time(asked, "valid_until")
        if until <= start:
            raise ConstraintViolation("valid_until", "the validity period ends before the "
                                      "message is due")
        return min(until, longest)

    # -- the group commit -------------------------------------------------------------------

    def _commit(self, groups: dict[int, list[_Draft]], now: datetime) -> dict[int, Submitted]:
        """Every account's items together; an account whose error would undo the transaction
        is left out of the next attempt, and its items then go one by one."""
        out: dict[int, Submitted] = {}
        together = dict(groups)
        alone: list[int] = []
        while together:
            try:
                out.update(self._transaction(together, now))
                break
            except _AccountFailed as failed:
                alone.append(failed.account_id)
                del together[failed.account_id]
        for account_id in alone:
            out.update(self._one_by_one(groups[account_id], now))
        return out

    def _one_by_one(self, drafts: list[_Draft], now: datetime) -> dict[int, Submitted]:
        """Greedy, in order: each item in its own transaction. Once the money ran out for an
        item, items costing as much or more are refused without trying (the balance only went
        down meanwhile); after any other such error (the day/month quota reached, the paying
        parent blocked) every later item is refused with it."""
        out: dict[int, Submitted] = {}
        sticky: SmsgwError | None = None
        short: tuple[Decimal, InsufficientFunds] | None = None  # the cheapest item refused
        for d in drafts:
            if sticky is not None:
                out[d.index] = Submitted(None, sticky)
            elif short is not None and d.cost is not None and d.cost >= short[0]:
                out[d.index] = Submitted(None, short[1])
            else:
                try:
                    out.update(self._transaction({d.item.account_id: [d]}, now))
                except _AccountFailed as failed:
                    out[d.index] = Submitted(None, failed.error)
                    if not isinstance(failed.error, InsufficientFunds):
                        sticky = failed.error
                    elif d.cost is not None:
                        short = (d.cost, failed.error)
        return out

    def _transaction(self, groups: dict[int, list[_Draft]], now: datetime) -> dict[int, Submitted]:
        """One write transaction over ``groups``, tried again when concurrent writers made the
        store give up (SaveConflict); after the last try its items carry that error."""
        conflict = SaveConflict()
        for _attempt in range(CONFLICT_ATTEMPTS):
            try:
                return self._write(groups, now)
            except SaveConflict as error:
                conflict = error
        return {d.index: Submitted(None, conflict) for ds in groups.values() for d in ds}

    def _write(self, groups: dict[int, list[_Draft]], now: datetime) -> dict[int, Submitted]:
        out: dict[int, Submitted] = {}
        staged: list[tuple[Account, list[_Draft], list[Message]]] = []
        with self._uow(write=True) as uow:
            for account_id in sorted(groups):  # rows are locked in id order: no deadlock
                found = self._account_messages(uow, account_id, groups[account_id], now, out)
                if found is not None:
                    staged.append(found)
            # in the order they arrived: workers claim by id, first come first sent
            order = sorted((d.index, m) for _, drafts, messages in staged
                           for d, m in zip(drafts, messages))
            stored = [m for _, m in order]
            uow.messages.add_many(stored)
            for account, drafts, messages in staged:
                self._pay(uow, account, messages, now)
                out.update((d.index, Submitted(m.stored_id)) for d, m in zip(drafts, messages))
            if stored and self._on_stored is not None:
                self._on_stored(uow, stored)
            uow.commit()
        return out

    def _account_messages(self, uow: UnitOfWork, account_id: int, drafts: list[_Draft],
                          now: datetime, out: dict[int, Submitted]
                          ) -> tuple[Account, list[_Draft], list[Message]] | None:
        """One account's messages, priced and screened; errors that refuse items without
        undoing anything go into ``out``. Raises _AccountFailed for one that must undo."""
        account = uow.accounts.get(account_id)
        if account is None:
            _refuse(out, drafts, NotFound("account", account_id))
            return None
        live = []
        for d in drafts:
            try:
                account.check_access(d.item.ip)
            except SmsgwError as error:  # blocked since the bind, or not from this address
                out[d.index] = Submitted(None, error)
            else:
                live.append(d)
        if not live:
            return None
        try:
            tariff = self._pricing.for_account(uow, account)
        except SaveConflict:
            raise
        except SmsgwError as error:  # a configuration problem: every item says so
            _refuse(out, live, error)
            return None
        messages = [self._message(account, d, tariff, now) for d in live]
        if self._limiter is not None:
            limited = self._limiter.count(uow, account, Operation.SEND,
                                          sum(m.segments for m in messages), "segments")
            if limited is not None:
                _refuse(out, live, limited)
                return None
        try:
            if self._policy.sender_check:
                screen_senders(uow, account_id, account.settings, messages)
            screen(uow, self._policy.limits, account_id, messages, now)
        except SaveConflict:
            raise
        except SmsgwError as error:
            raise _AccountFailed(account_id, error) from error
        return account, live, messages

    def _pay(self, uow: UnitOfWork, account: Account, messages: list[Message],
             now: datetime) -> None:
        note = ids_note("smpp", [m.stored_id for m in messages])
        try:
            pay(uow, self._ledger, account.stored_id, messages, now, account.currency,
                account.login, note)
        except SaveConflict:
            raise
        except SmsgwError as error:
            raise _AccountFailed(account.stored_id, error) from error

    @staticmethod
    def _message(account: Account, d: _Draft, tariff: Tariff, now: datetime) -> Message:
        d.cost = tariff.cost(d.recipient.address, d.segments)  # a draft's number is valid
        sender = d.sender if d.sender is not None else account.settings.default_sender
        message = new_message(account.stored_id, d.recipient, d.item.text, sender, d.encoding,
                              d.segments, d.cost, now, d.scheduled_at, d.valid_until)
        message.receipt_request = d.item.receipt_request
        message.concat = d.item.concat
        return message


def _part(text: str, part: ConcatPart) -> Encoding:
    """The encoding of a client's concatenated part, refused unless its numbering is sound and
    its text fits one SMS beside the UDH (ConstraintViolation: the SMPP door answers
    ESME_RINVMSGLEN)."""
    if not (0 <= part.reference <= 0xFFFF and 1 <= part.sequence <= part.total <= 255):
        raise ConstraintViolation("concat", f"concatenation reference {part.reference}, part "
                                  f"{part.sequence} of {part.total} is not a valid numbering")
    info = analyse_part(text, part.reference)
    if info is None:
        limit = "152 GSM septets or 66 UCS-2 characters" if part.reference > 0xFF \
            else "153 GSM septets or 67 UCS-2 characters"
        raise ConstraintViolation("text", f"a concatenated part holds at most {limit}",
                                  limit=limit)
    return info.encoding


def _refuse(out: dict[int, Submitted], drafts: list[_Draft], error: SmsgwError) -> None:
    for d in drafts:
        out[d.index] = Submitted(None, error)
