"""Ports of the contact book (contacts, groups, blacklist) and of the message history.

They are reached through the unit of work (``uow.contacts``, ``uow.groups``,
``uow.blacklist``, ``uow.history``) and change nothing until it commits. Every method is
scoped to one account: another account's rows are never seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, Sequence, TypeVar

from ..domain.contacts import Contact, Group
from ..domain.message import Message
from ..domain.status import MessageStatus

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and the total number of matching items."""

    total: int
    items: list[T]


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one item of a mass operation (``index`` in request order)."""

    index: int
    code: int = 0
    id: int | None = None
    message: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class MessageFilter:
    since: datetime | None = None
    until: datetime | None = None
    status: MessageStatus | None = None
    recipient: str | None = None
    mailing_id: int | None = None


class ContactRepository(Protocol):
    def by_phones(self, account_id: int, phones: Sequence[str]) -> dict[str, Contact]:
        """This account's contacts with these E.164 phones, by phone."""

    def get(self, account_id: int, ids: Sequence[int]) -> dict[int, Contact]:
        """This account's contacts among ``ids``, with their group ids."""

    def add(self, contact: Contact) -> int:
        """Insert a new contact; return its id."""

    def update(self, contact: Contact) -> None:
        """Store every field of an existing contact (not its groups)."""

    def add_many(self, contacts: list[Contact]) -> dict[str, int]:
        """Insert new contacts together; their ids, by phone."""

    def update_many(self, contacts: list[Contact]) -> None:
        """Store every field of existing contacts together."""

    def delete(self, account_id: int, ids: Sequence[int]) -> list[int]:
        """Delete; return the ids that existed."""

    def search(self, account_id: int, group_id: int | None, phone_prefix: str | None,
               offset: int, limit: int) -> Page[Contact]:
        """Contacts ordered by id, optionally in a group and/or with a phone prefix."""


class GroupRepository(Protocol):
    def add(self, account_id: int, name: str, now: datetime) -> Group:
        """Insert; raises ConstraintViolation when the account has a group of that name."""

    def get(self, account_id: int, group_id: int) -> Group | None: ...

    def rename(self, account_id: int, group_id: int, name: str) -> None:
        """Raises ConstraintViolation when another group has that name."""

    def delete(self, account_id: int, group_id: int) -> None:
        """Delete the group; its contacts stay."""

    def list(self, account_id: int) -> list[Group]:
        """Every group of the account with its member count."""

    def add_members(self, group_id: int, contact_ids: Sequence[int]) -> None:
        """Add members; ones already in the group are left as they are."""

    def remove_members(self, group_id: int, contact_ids: Sequence[int]) -> list[int]:
        """Remove members; return the ids that were members."""

    def phones(self, account_id: int, group_ids: Sequence[int]) -> dict[int, list[str]]:
        """Each group's member phones in contact order (one query); every id given is a key."""


class BlacklistRepository(Protocol):
    def contains(self, account_id: int, phones: Sequence[str]) -> set[str]:
        """The phones among ``phones`` that are blacklisted."""

    def add(self, account_id: int, phones: Sequence[str], now: datetime) -> None:
        """Add phones; ones already listed stay as they are."""

    def remove(self, account_id: int, phones: Sequence[str]) -> list[str]:
        """Remove phones; return those that were listed."""

    def list(self, account_id: int, offset: int, limit: int) -> Page[str]: ...


class HistoryRepository(Protocol):
    def search(self, account_id: int, flt: MessageFilter, offset: int,
               limit: int) -> Page[Message]:
        """The account's messages, newest first."""
