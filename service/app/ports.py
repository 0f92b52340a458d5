"""The ports the use cases need. ``persistence`` implements them; tests have in-memory fakes.

A unit of work is one transaction. Use it as a context manager; nothing it did is kept
unless ``commit()`` was called before it closes.
"""

from __future__ import annotations

from dataclasses import dataclass
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

    def by_client_keys(self, account_id: int, keys: list[str]) -> list[Message]:
        """This account's messages whose client id (``external_id``) is among ``keys``, or
        whose numeric id is (for keys of ASCII digits that fit 64 bits), oldest first; in one
        query, however many keys."""


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


@dataclass(frozen=True)
class FailureRecord:
    """One row of the login guard: failed logins of a (login, address) pair, of a login
    (``address == ""``) or of an address (``login == ""``). Times are epoch seconds."""

    login: str
    address: str
    failures: int = 0
    strikes: int = 0
    blocked_until: int | None = None
    last_success: int | None = None


class LoginFailures(Protocol):
    """Failed logins, shared by every node (see app/login_guard.py)."""

    def standing(self, login: str | None, address: str) -> list[FailureRecord]:
        """The rows of (login, address), (login, "") and ("", address), in one read."""

    def record(self, login: str, address: str, now: int, window_seconds: int,
               forget_seconds: int) -> FailureRecord:
        """Atomically count one failure on this row (a new window restarts at 1; strikes are
        forgotten after ``forget_seconds`` without a failure or a lock); the row after it."""

    def block(self, login: str, address: str, until: int, now: int) -> None:
        """Lock this row until ``until``: one more strike, and the count starts again."""

    def succeeded(self, login: str, address: str, now: int) -> None:
        """The pair signed in: forget its failures and strikes, remember when."""

    def blocked(self, now: int) -> list[FailureRecord]:
        """Every row locked beyond ``now``."""

    def lift(self, subject: str) -> int:
        """Delete every row of this login or address; how many there were."""


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
    login_failures: LoginFailures

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
