"""The ledger primitive: every balance change goes through here, with its ledger entry.

Each method works inside the caller's unit of work (``uow``), so the change and its entry are
committed together or not at all, and adds exactly one UPDATE and one INSERT per account it
touches. The debit is the guarded UPDATE (``balance - amount >= -credit_limit``), never a
read-modify-write; the entry records the balance that UPDATE returned.

    ledger = Ledger(clock)
    balance = ledger.debit(uow, account_id, cost, Reason.SEND, actor="alice",
                           reference=Reference(RefKind.MESSAGE, "42"))
    moved = ledger.transfer(uow, parent_id, child_id, Decimal("50"), actor="alice")
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Sequence

from ...domain.clock import Clock
from ...domain.errors import ConstraintViolation, InsufficientFunds, NotFound, ValidationError
from ...domain.ledger import (MAX_ACTOR, MAX_NOTE, LedgerEntry, Reason, RefKind, Reference,
                              clip, running_balances)
from ...domain.money import MONEY_MAX, MONEY_PLACES, MONEY_QUANTUM
from ..uow import UnitOfWork


@dataclass(frozen=True)
class TransferResult:
    """What ``Ledger.transfer`` did: the reference both entries carry, and both new balances."""

    reference: Reference
    from_balance: Decimal
    to_balance: Decimal


class Ledger:
    """Balance changes with their ledger entries, inside the caller's unit of work."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def debit(self, uow: UnitOfWork, account_id: int, amount: Decimal, reason: Reason, *,
              actor: str, reference: Reference | None = None, note: str | None = None,
              currency: str | None = None) -> Decimal:
        """Take ``amount`` (> 0) with the guarded UPDATE and record it; the new balance.

        Raises InsufficientFunds (nothing changed) when the balance minus ``amount`` would go
        below minus the account's credit limit."""
        _positive(amount)
        balance = uow.accounts.debit(account_id, amount)
        if balance is None:
            raise self._insufficient(uow, account_id, amount, currency)
        self._record(uow, account_id, -amount, balance, reason, actor, reference, note)
        return balance

    def credit(self, uow: UnitOfWork, account_id: int, amount: Decimal, reason: Reason, *,
               actor: str, reference: Reference | None = None, note: str | None = None) -> Decimal:
        """Add ``amount`` (> 0) and record it; the new balance. ConstraintViolation when the
        balance would pass the largest amount kept (MONEY_MAX)."""
        _positive(amount)
        balance = uow.accounts.credit(account_id, amount)
        if balance is None:
            raise ConstraintViolation("amount", f"the balance would be more than the largest "
                                      f"amount kept ({MONEY_MAX})", limit=MONEY_MAX)
        self._record(uow, account_id, amount, balance, reason, actor, reference, note)
        return balance

    def adjust(self, uow: UnitOfWork, account_id: int, amount: Decimal, *, actor: str,
               note: str, reference: Reference | None = None) -> Decimal:
        """An operator's correction: a credit when ``amount`` > 0, a guarded debit when < 0
        (InsufficientFunds beyond the credit limit). ``note`` says why and is required."""
        if not note or not note.strip():
            raise ValidationError("an adjustment needs a reason", field="reason")
        if amount > 0:
            return self.credit(uow, account_id, amount, Reason.ADJUSTMENT, actor=actor,
                               reference=reference, note=note.strip())
        if amount < 0:
            return self.debit(uow, account_id, -amount, Reason.ADJUSTMENT, actor=actor,
                              reference=reference, note=note.strip())
        raise ConstraintViolation("amount", "an adjustment must not be 0")

    def transfer(self, uow: UnitOfWork, from_account: int, to_account: int, amount: Decimal, *,
                 actor: str, reference: Reference | None = None,
                 note: str | None = None) -> TransferResult:
        """Move ``amount`` from one account to another in the caller's unit of work.

        - ``amount`` must be more than 0 (ConstraintViolation otherwise) and at most MONEY_MAX;
          the two accounts must differ (ValidationError) and exist (NotFound("account", id))
          and share a currency (ValidationError, field ``currency``).
        - Both rows are locked first, in id order, so opposite transfers never deadlock.
        - ``from_account`` is debited with the guarded UPDATE: InsufficientFunds (nothing
          moved) when it would go below minus its credit limit. ``to_account`` is credited.
        - Two entries are written, ``transfer_out`` (negative) on the sender and
          ``transfer_in`` (positive) on the receiver, with the same ``reference`` (default: a
          new ``transfer:<32 hex>``), ``actor`` and ``note``.

        Nothing is committed here: commit the unit of work; on an error, do not.
        Returns the reference and both balances after the move."""
        _positive(amount)
        if from_account == to_account:
            raise ValidationError("a transfer needs two different accounts", field="account")
        found = {a.stored_id: a for a in uow.accounts.lock([from_account, to_account])}
        for account_id in (from_account, to_account):
            if account_id not in found:
                raise NotFound("account", account_id)
        source, target = found[from_account], found[to_account]
        if source.currency != target.currency:
            raise ValidationError(f"a transfer between {source.currency} and {target.currency} "
                                  "accounts is not possible: the currencies differ",
                                  field="currency")
        reference = reference or Reference(RefKind.TRANSFER, uuid.uuid4().hex)
        from_balance = self.debit(uow, from_account, amount, Reason.TRANSFER_OUT, actor=actor,
                                  reference=reference, note=note, currency=source.currency)
        to_balance = self.credit(uow, to_account, amount, Reason.TRANSFER_IN, actor=actor,
                                 reference=reference, note=note)
        return TransferResult(reference, from_balance, to_balance)

    def entry(self, account_id: int, amount: Decimal, balance_after: Decimal, reason: Reason,
              actor: str, reference: Reference | None = None,
              note: str | None = None) -> LedgerEntry:
        """The entry of a change already applied (a bulk path writes many at once)."""
        return LedgerEntry(account_id=account_id, amount=amount, balance_after=balance_after,
                           reason=reason, actor=clip(actor, MAX_ACTOR) or "?",
                           created_at=self._clock.now(), reference=reference,
                           note=clip(note, MAX_NOTE))

    def _record(self, uow: UnitOfWork, account_id: int, amount: Decimal, balance: Decimal,
                reason: Reason, actor: str, reference: Reference | None,
                note: str | None) -> None:
        uow.ledger.add([self.entry(account_id, amount, balance, reason, actor, reference, note)])

    @staticmethod
    def _insufficient(uow: UnitOfWork, account_id: int, amount: Decimal,
                      currency: str | None) -> InsufficientFunds:
        account = uow.accounts.get(account_id)
        if account is None:
            return InsufficientFunds(amount, Decimal("0"), currency=currency)
        return InsufficientFunds(amount, account.balance, currency=currency or account.currency,
                                 credit_limit=account.credit_limit)


def _positive(amount: Decimal) -> None:
    if not amount > 0:
        raise ConstraintViolation("amount", "amount must be more than 0")
    if amount > MONEY_MAX:
        raise ConstraintViolation("amount", f"amount is more than the largest amount kept "
                                  f"({MONEY_MAX})", limit=MONEY_MAX)
    if amount != amount.quantize(MONEY_QUANTUM):
        raise ConstraintViolation("amount", f"amount has more than {MONEY_PLACES} decimal "
                                  f"places (money is kept to {MONEY_QUANTUM})",
                                  limit=MONEY_QUANTUM)


@dataclass(frozen=True)
class Refund:
    """One message's cost going back: ``why`` is its final status and the reason given."""

    account_id: int
    message_id: int
    cost: Decimal
    mailing_id: int | None
    why: str


def refunds_by_account(refunds: Sequence[Refund]) -> dict[int, list[Refund]]:
    """The refunds worth an entry (cost > 0), per account, accounts in id order (the order
    their rows are updated in, so concurrent refunds never deadlock), messages in order."""
    out: dict[int, list[Refund]] = {}
    for r in sorted(refunds, key=lambda r: (r.account_id, r.message_id)):
        if r.cost > 0:
            out.setdefault(r.account_id, []).append(r)
    return out


def refund_entries(refunds: Sequence[Refund], final: Decimal, actor: str,
                   now: datetime) -> list[LedgerEntry]:
    """One account's refunds, credited as one sum that left the balance at ``final``: one
    entry per message with its own balance after. A mailing's message is ``mailing_refund``
    (the mailing was debited once; its messages come back one by one) and its note names the
    mailing; any other is ``refund``."""
    return [LedgerEntry(
        account_id=r.account_id, amount=r.cost, balance_after=after,
        reason=Reason.MAILING_REFUND if r.mailing_id is not None else Reason.REFUND,
        actor=clip(actor, MAX_ACTOR) or "?", created_at=now,
        reference=Reference(RefKind.MESSAGE, str(r.message_id)),
        note=clip(f"mailing {r.mailing_id}: {r.why}" if r.mailing_id is not None else r.why,
                  MAX_NOTE))
        for r, after in zip(refunds, running_balances(final, [r.cost for r in refunds]))]
