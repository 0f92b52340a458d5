"""Use cases: a parent account manages its sub-clients (one level), moves funds to and from
them, and reads their totals; the operator links an account to a parent from the CLI.

A sub-client is an account like any other (its own credentials, API keys, callback URL, IP
allowlist and senders) with a link to its parent. Only an account that is not itself a
sub-client may act as a parent: a sub-client calling these operations gets Forbidden (9). A
login that is not one of the caller's live sub-clients is NotFound (2), whoever it belongs to.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, replace
from typing import Any
from datetime import datetime
from decimal import Decimal

from ...domain.account import Account
from ...domain.clock import Clock
from ...domain.errors import (ConstraintViolation, Forbidden, InsufficientFunds, NotFound,
                              ValidationError)
from ...domain.money import MONEY_MAX
from ...domain.logins import validate_login
from ...domain.passwords import hash_password
from ...domain.subaccounts import (BalanceMode, SubAccount, parse_cap, parse_transfer_amount)
from ...domain.values import utc_time
from ..access.auth import Authenticator, Credentials
from ..access.rate_limits import Operation
from ..accounts.accounts import AccountService
from ..accounts.ledger import Ledger
from ..uow import UnitOfWork, UnitOfWorkFactory
from .ports import SubAccountTotals


class _Keep:
    """A setting the caller did not mention: it stays as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


@dataclass(frozen=True)
class Transfer:
    """After a transfer: the parent's balance and the sub-client's."""

    sub_account: str
    amount: Decimal
    parent_balance: Decimal
    sub_balance: Decimal


class SubAccountService:
    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator,
                 accounts: AccountService, clock: Clock) -> None:
        self._uow = uow_factory
        self._auth = auth
        self._accounts = accounts
        self._clock = clock
        self._ledger = Ledger(clock)

    # -- for parents (every door) ----------------------------------------------------------

    def create(self, credentials: Credentials, login: str, password: str,
               balance_mode: str | None = None, daily_cap: object = None,
               monthly_cap: object = None) -> SubAccount:
        """Create a sub-client of the calling account. Raises Forbidden for a sub-client,
        LoginTaken, ValidationError for a bad login, password, mode or cap."""
        parent = self._parent(credentials)
        return self._create(parent, login, password, balance_mode, daily_cap, monthly_cap)

    def list(self, credentials: Credentials) -> list[SubAccount]:
        """The caller's live sub-clients, by login."""
        parent = self._parent(credentials, Operation.QUERY)
        with self._uow() as uow:
            return uow.subaccounts.of_parent(parent.stored_id)

    def update(self, credentials: Credentials, sub_login: str, *, password: str | None = None,
               blocked: bool | None = None, daily_cap: object = KEEP,
               monthly_cap: object = KEEP) -> SubAccount:
        """Change a sub-client: its password, blocked flag, caps (None removes a cap). Its
        balance mode is fixed at creation (refunds then always go back where the money came
        from)."""
        parent = self._parent(credentials)
        caps: dict[str, Any] = {}
        if daily_cap is not KEEP:
            caps["daily_cap"] = parse_cap(daily_cap, "dailyCap")
        if monthly_cap is not KEEP:
            caps["monthly_cap"] = parse_cap(monthly_cap, "monthlyCap")
        if password is not None and not password:
            raise ValidationError("password must not be empty", field="password")
        with self._uow(write=True) as uow:
            account, sub = self._child(uow, parent, sub_login)
            if caps and sub.balance_mode is not BalanceMode.PARENT:
                raise ConstraintViolation(next(iter(caps)).replace("_cap", "Cap"),
                                          "caps apply to balance mode 'parent' only")
            if password is not None:
                account.password_hash = hash_password(password)
            if blocked is not None:
                account.blocked = blocked
            uow.accounts.update(account)
            if caps:
                sub = replace(sub, **caps)
                uow.subaccounts.update(sub)
            uow.commit()
        return replace(sub, blocked=account.blocked)

    def delete(self, credentials: Credentials, sub_login: str) -> None:
        """Delete a sub-client: refused (12) while its balance is not 0 (withdraw it first, or
        have the operator settle a debt).
        Otherwise it is blocked and hidden from every listing; its login stays taken, and its
        messages are kept (they were paid for)."""
        parent = self._parent(credentials)
        with self._uow(write=True) as uow:
            account, sub = self._child(uow, parent, sub_login)
            if account.balance != 0:  # money (or a debt on its credit limit) is never dropped
                raise ConstraintViolation("subAccount", f"{sub_login} still has a balance of "
                                          f"{account.balance}; settle it first")
            account.blocked = True
            uow.accounts.update(account)
            uow.subaccounts.update(replace(sub, deleted_at=self._clock.now()))
            uow.commit()

    def transfer(self, credentials: Credentials, sub_login: str, amount: object) -> Transfer:
        """Move ``amount`` (more than 0) from the caller's balance to a sub-client that has
        its own balance: the ledger's transfer, a ``transfer_out`` row on the caller and a
        ``transfer_in`` row on the sub-client with one reference. InsufficientFunds when the
        caller's balance (and credit limit) does not cover it; nothing moves."""
        value = parse_transfer_amount(amount)
        parent = self._parent(credentials)
        with self._uow(write=True) as uow:
            account, sub = self._child(uow, parent, sub_login)
            self._own_mode(sub)
            if account.balance + value > MONEY_MAX:
                raise ConstraintViolation("amount", f"{sub_login}'s balance would pass the "
                                          f"largest amount kept ({MONEY_MAX})", limit=MONEY_MAX)
            moved = self._ledger.transfer(uow, parent.stored_id, sub.account_id, value,
                                          actor=parent.login, note=f"to sub-client {sub_login}")
            uow.commit()
        return Transfer(sub_login, value, moved.from_balance, moved.to_balance)

    def withdraw(self, credentials: Credentials, sub_login: str, amount: object) -> Transfer:
        """Move ``amount`` (more than 0) from a sub-client's own balance back to the caller
        (the ledger's transfer). InsufficientFunds when the sub-client's balance does not
        cover it: only money it holds comes back, never its credit limit."""
        value = parse_transfer_amount(amount)
        parent = self._parent(credentials)
        with self._uow(write=True) as uow:
            account, sub = self._child(uow, parent, sub_login)
            self._own_mode(sub)
            # both rows locked (in id order, as the transfer locks them) before the sub-client's
            # balance is read: a racing send cannot spend it between the check and the move
            locked = {a.stored_id: a for a in uow.accounts.lock([parent.stored_id,
                                                                   sub.account_id])}
            held = locked[sub.account_id].balance
            if held < value:
                raise InsufficientFunds(value, held, currency=account.currency)
            if locked[parent.stored_id].balance + value > MONEY_MAX:
                raise ConstraintViolation("amount", "your balance would pass the largest "
                                          f"amount kept ({MONEY_MAX})", limit=MONEY_MAX)
            moved = self._ledger.transfer(uow, sub.account_id, parent.stored_id, value,
                                          actor=parent.login,
                                          note=f"withdrawn from sub-client {sub_login}")
            uow.commit()
        return Transfer(sub_login, value, moved.to_balance, moved.from_balance)

    def totals(self, credentials: Credentials, since: datetime | None = None,
               until: datetime | None = None) -> builtins.list[SubAccountTotals]:
        """Per sub-client: messages created in [since, until), their segments and cost."""
        since = utc_time(since, "since") if since else None
        until = utc_time(until, "until") if until else None
        parent = self._parent(credentials, Operation.QUERY)
        with self._uow() as uow:
            return uow.subaccounts.totals(parent.stored_id, since, until)

    def resolve(self, uow: UnitOfWork, account: Account, sub_login: str | None) -> Account:
        """The account a request acts on: the caller, or (``sub_login`` given) one of its live
        sub-clients. For use inside another use case's unit of work, after admission."""
        if sub_login is None or sub_login == "":
            return account
        if uow.subaccounts.get(account.stored_id) is not None:
            raise Forbidden("a sub-client has no sub-clients: subAccount is for parents")
        return self._child(uow, account, sub_login)[0]

    # -- for the operator (CLI) ------------------------------------------------------------

    def create_for(self, parent_login: str, login: str, password: str,
                   balance_mode: str | None = None) -> SubAccount:
        """Create an account under ``parent_login`` (which must not be a sub-client)."""
        parent = self._accounts.show(parent_login)
        with self._uow() as uow:
            if uow.subaccounts.get(parent.stored_id) is not None:
                raise ValidationError(f"{parent_login} is a sub-client; sub-clients are one "
                                      "level deep", field="parent")
        return self._create(parent, login, password, balance_mode, None, None)

    def parent_of(self, login: str) -> str | None:
        """The login of this account's parent, or None (for ``account show``)."""
        with self._uow() as uow:
            account = uow.accounts.get_by_login(login)
            sub = uow.subaccounts.get(account.stored_id) if account else None
            parent = uow.accounts.get(sub.parent_id) if sub else None
            return parent.login if parent else None

    # -- steps -----------------------------------------------------------------------------

    def _create(self, parent: Account, login: str, password: str, balance_mode: str | None,
                daily_cap: object, monthly_cap: object) -> SubAccount:
        mode = BalanceMode.parse(balance_mode)
        daily, monthly = parse_cap(daily_cap, "dailyCap"), parse_cap(monthly_cap, "monthlyCap")
        if mode is BalanceMode.OWN and (daily is not None or monthly is not None):
            raise ConstraintViolation("dailyCap" if daily is not None else "monthlyCap",
                                      "caps apply to balance mode 'parent' only")
        # The account and its link in one transaction: no orphan on a failure between them.
        if not password:
            raise ValidationError("password must not be empty", field="password")
        account = Account(id=None, login=validate_login(login), password_hash=hash_password(password),
                          currency=parent.currency)
        with self._uow(write=True) as uow:
            if uow.subaccounts.get(parent.stored_id) is not None:
                raise Forbidden("a sub-client cannot create sub-clients (one level only)")
            account = uow.accounts.add(account)
            sub = SubAccount(account_id=account.stored_id, parent_id=parent.stored_id,
                             login=account.login, balance_mode=mode, daily_cap=daily,
                             monthly_cap=monthly, created_at=self._clock.now())
            uow.subaccounts.add(sub)
            uow.commit()
        return sub

    def _parent(self, credentials: Credentials, operation: Operation = Operation.MANAGE) -> Account:
        with self._uow() as uow:
            account = self._auth.admit(uow, credentials, operation)
            if uow.subaccounts.get(account.stored_id) is not None:
                raise Forbidden("a sub-client cannot manage sub-clients (one level only)")
            return account

    @staticmethod
    def _child(uow: UnitOfWork, parent: Account, sub_login: str) -> tuple[Account, SubAccount]:
        if not sub_login:
            raise ValidationError("subAccount is required", field="subAccount")
        account = uow.accounts.get_by_login(sub_login)
        sub = uow.subaccounts.get(account.stored_id) if account is not None else None
        if account is None or sub is None or sub.parent_id != parent.stored_id \
                or sub.deleted_at is not None:
            raise NotFound("sub-account", sub_login)
        return account, sub

    @staticmethod
    def _own_mode(sub: SubAccount) -> None:
        if sub.balance_mode is not BalanceMode.OWN:
            raise ConstraintViolation("subAccount", f"{sub.login} spends from your balance "
                                      "(balance mode 'parent'); it has none of its own to fund")
