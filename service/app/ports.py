"""The ports the use cases need. ``persistence`` implements them; tests have in-memory fakes.

A unit of work is one transaction. Use it as a context manager; nothing it did is kept
unless ``commit()`` was called before it closes.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Callable, Iterable, Protocol

from ..domain.account import Account, AccountSettings
from ..domain.api_keys import ApiKey
from ..domain.message import Message
from .address_book_ports import (BlacklistRepository, ContactRepository, GroupRepository,
                                 HistoryRepository)
from .delivery_ports import DeliveryStore
from .mailing_ports import MailingRepository
from .task_ports import TaskStore


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


class MessageRepository(Protocol):
    def add_many(self, messages: list[Message]) -> list[int]:
        """Insert the messages in order; return their new ids in the same order."""

    def get_many(self, account_id: int, ids: Iterable[int]) -> dict[int, Message]:
        """This account's messages among ``ids``; other accounts' ids are simply absent."""

    def by_external_id(self, account_id: int, external_id: str) -> list[Message]:
        """This account's messages carrying the client's own id, oldest first."""


class SendRequestRepository(Protocol):
    """Remembers send requests that carried a client reference, for idempotent retries."""

    def find(self, account_id: int, client_ref: str) -> tuple[datetime, str | None] | None:
        """(created_at, stored result) of the earlier request with this reference, if any."""

    def claim(self, account_id: int, client_ref: str, now: datetime,
              expired_before: datetime) -> None:
        """Reserve the reference, replacing a claim made before ``expired_before``.

        Raises DuplicateRequest when a live claim exists (possibly committed concurrently).
        """

    def store_result(self, account_id: int, client_ref: str, result: str) -> None:
        """Attach the serialised result to a claimed reference."""


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> int: ...

    def by_prefix(self, prefix: str) -> list[ApiKey]:
        """Live (not revoked) keys with this prefix."""

    def of_account(self, account_id: int) -> list[ApiKey]: ...

    def revoke(self, account_id: int, key_id: int, now: datetime) -> bool:
        """Revoke a live key of this account; False when there is none."""


class RequestCounters(Protocol):
    def hit(self, account_id: int, key: str, window: int) -> int:
        """Count one more request for ``key`` in minute ``window``; the count including it."""

    def latest_window(self, account_id: int, key: str) -> int | None:
        """The newest window in which ``key`` was counted, if any."""


class UnitOfWork(Protocol):
    accounts: AccountRepository
    messages: MessageRepository
    send_requests: SendRequestRepository
    delivery: "DeliveryStore"
    contacts: "ContactRepository"
    groups: "GroupRepository"
    blacklist: "BlacklistRepository"
    history: "HistoryRepository"
    mailings: "MailingRepository"
    tasks: "TaskStore"
    counters: RequestCounters
    api_keys: ApiKeyRepository

    def __enter__(self) -> "UnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Make everything done in this unit permanent."""


UnitOfWorkFactory = Callable[..., UnitOfWork]
"""``factory(write=False)``: a new unit of work; ``write=True`` takes the write lock up front."""

__all__ = [
    "Account", "AccountSettings", "AccountRepository", "MessageRepository",
    "SendRequestRepository", "UnitOfWork", "UnitOfWorkFactory",
]
