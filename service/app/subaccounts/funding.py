"""Who pays for an account's sends: itself, or (balance mode ``parent``) its parent, within the
sub-client's daily and monthly caps.

``charge`` is the one debit step of sending and of mailing starts; it runs inside their write
transaction, so a refusal (funds, a cap) rolls back everything, the spend counters included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from ...domain.account import Account
from ...domain.errors import AccountBlocked, InsufficientFunds, SpendingCapExceeded
from ...domain.subaccounts import BalanceMode, spend_windows
from ..accounts.ledger import Refund
from ..uow import UnitOfWork


def charge(uow: UnitOfWork, account_id: int, total: Decimal, now: datetime,
           currency: str | None, debit: Callable[[int], Decimal]) -> Decimal:
    """Debit ``total`` (more than 0) for a send of this account; return the balance to show
    its client. ``debit(payer_id)`` is the ledger's debit with its entry (the entry's actor
    and reference name the sending account and its message or mailing).

    Own balance: ``debit`` of its own row (InsufficientFunds with its balance).
    Parent mode: each cap's window counter first (a guarded UPDATE: SpendingCapExceeded),
    then ``debit`` of the PARENT's row (AccountBlocked while the operator has blocked the
    parent: its money is frozen for its sub-clients too). The sub-client never learns its
    parent's balance: the balance shown, and the one InsufficientFunds reports, is its own.
    """
    sub = uow.subaccounts.get(account_id)
    if sub is None or sub.balance_mode is BalanceMode.OWN:
        return debit(account_id)
    for window in spend_windows(now, sub.daily_cap, sub.monthly_cap):
        if uow.subaccounts.spend(account_id, window.period, window.start, total,
                                 window.cap) is None:
            raise SpendingCapExceeded(window.period, window.cap, uow.subaccounts.spent(
                account_id, window.period, window.start), total)
    parent = uow.accounts.get(sub.parent_id)
    if parent is None or parent.blocked:  # the operator stopped the account that pays
        raise AccountBlocked(sub.login)
    own = uow.accounts.balance(account_id)
    try:
        debit(sub.parent_id)
    except InsufficientFunds:  # the parent's balance and credit limit stay the parent's
        raise InsufficientFunds(total, own, currency=currency) from None
    return own


def route_refunds(refunds: Sequence[Refund],
                  parents: dict[int, tuple[int, str]]) -> list[Refund]:
    """Refunds with those of parent-mode sub-clients (``parents``: sub-client id -> (parent
    id, its login)) credited to the parent that paid; the entry's note names the sub-client."""
    out = []
    for r in refunds:
        if r.account_id in parents:
            parent_id, login = parents[r.account_id]
            r = replace(r, account_id=parent_id, why=f"sub-client {login}: {r.why}")
        out.append(r)
    return out


def payer(uow: UnitOfWork, account_id: int) -> int:
    """The account whose balance pays for (and takes refunds of) this account's sends."""
    sub = uow.subaccounts.get(account_id)
    return sub.parent_id if sub is not None and sub.balance_mode is BalanceMode.PARENT \
        else account_id


def parent_tariff(uow: UnitOfWork, account: Account) -> int | None:
    """The tariff a sub-client without its own inherits: its parent's (None: none to inherit,
    or not a sub-client)."""
    sub = uow.subaccounts.get(account.stored_id)
    if sub is None:
        return None
    parent = uow.accounts.get(sub.parent_id)
    return parent.tariff_id if parent is not None else None
