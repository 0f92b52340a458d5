"""Ports of the accounts capability: accounts and their balance, and API keys.

Reached through the unit of work (``uow.accounts``, ``uow.api_keys``); nothing changes until
it commits.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol

from ...domain.account import Account
from ...domain.api_keys import ApiKey


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
        """Atomically take ``amount`` if the balance covers it; the new balance, else None."""

    def credit(self, account_id: int, amount: Decimal) -> Decimal:
        """Atomically add ``amount``; return the new balance."""

    def balance(self, account_id: int) -> Decimal:
        """The balance as stored now."""

    def update(self, account: Account) -> None:
        """Store the blocked flag, settings and password hash of an existing account."""


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> int: ...

    def by_prefix(self, prefix: str) -> list[ApiKey]:
        """Live (not revoked) keys with this prefix."""

    def of_account(self, account_id: int) -> list[ApiKey]: ...

    def revoke(self, account_id: int, key_id: int, now: datetime) -> bool:
        """Revoke a live key of this account; False when there is none."""
