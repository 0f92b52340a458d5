"""Ports of the accounts capability: accounts and their balance, and API keys.

Reached through the unit of work (``uow.accounts``, ``uow.api_keys``); nothing changes until
it commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol, Sequence

from ...domain.account import Account
from ...domain.api_keys import ApiKey
from ...domain.ledger import LedgerEntry
from ..results import Page


class AccountRepository(Protocol):
    def get(self, account_id: int) -> Account | None:
        """The account with this id, or None."""

    def get_by_login(self, login: str) -> Account | None:
        """The account with this login, or None."""

    def add(self, account: Account) -> Account:
        """Store a new account and return it with its id. Raises LoginTaken when in use."""

    def any_exist(self) -> bool:
        """True when at least one account is stored."""

    def debit(self, account_id: int, amount: Decimal) -> Decimal | None:
        """Atomically take ``amount`` if the balance covers it, down to minus the account's
        credit limit (one guarded UPDATE, never read-modify-write); the new balance, else
        None. Callers write the ledger entry (app/accounts/ledger.py does both)."""

    def credit(self, account_id: int, amount: Decimal) -> Decimal | None:
        """Atomically add ``amount``; the new balance, or None when it would pass the
        largest amount kept (``MONEY_MAX``)."""

    def lock(self, account_ids: Sequence[int]) -> list[Account]:
        """Lock these accounts' rows until the unit of work ends, in id order (so two
        transfers between the same accounts never deadlock), and return them as stored now,
        in id order; an id that does not exist is left out."""

    def balance(self, account_id: int) -> Decimal:
        """The balance as stored now."""

    def update(self, account: Account) -> None:
        """Store the blocked flag, settings, password hash and credit limit of an existing
        account (never its balance: that changes only through debit and credit)."""


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> int: ...

    def by_prefix(self, prefix: str) -> list[ApiKey]:
        """Live (not revoked) keys with this prefix."""

    def of_account(self, account_id: int) -> list[ApiKey]: ...

    def revoke(self, account_id: int, key_id: int, now: datetime) -> bool:
        """Revoke a live key of this account; False when there is none."""


@dataclass(frozen=True)
class LedgerTotals:
    """One account's balance beside what its ledger says (``smsgw ledger check``)."""

    account_id: int
    login: str
    balance: Decimal
    total: Decimal                        # the sum of the account's ledger amounts
    entries: int
    last_balance_after: Decimal | None    # the newest entry's balance after, None without any

    @property
    def consistent(self) -> bool:
        return self.total == self.balance and self.last_balance_after in (None, self.balance)


class LedgerRepository(Protocol):
    """The money ledger (domain/ledger.py), reached as ``uow.ledger``: append-only."""

    def add(self, entries: Sequence[LedgerEntry]) -> None:
        """Append these entries, in order, in one statement (ids ascend in that order)."""

    def page(self, account_id: int, since: datetime | None, until: datetime | None,
             offset: int, limit: int) -> Page[LedgerEntry]:
        """The account's entries created in [since, until), newest first (by id), and how
        many match."""

    def totals(self) -> list[LedgerTotals]:
        """Every account's balance, ledger sum, entry count and newest balance after, by id."""
