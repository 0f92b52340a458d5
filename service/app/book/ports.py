"""Ports of the contact book: contacts, groups and the blacklist.

They are reached through the unit of work (``uow.contacts``, ``uow.groups``,
``uow.blacklist``) and change nothing until it commits. Every method is
scoped to one account: another account's rows are never seen.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol, Sequence

from ...domain.contacts import BlacklistEntry, Contact, Group, OptOutSource
from ..results import Page


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

    def delete(self, account_id: int, ids: Sequence[int]) -> builtins.list[int]:
        """Delete; return the ids that existed."""

    def search(self, account_id: int, group_id: int | None, phone_prefix: str | None,
               offset: int, limit: int) -> Page[Contact]:
        """Contacts ordered by id, optionally in a group and/or with a phone prefix."""


class GroupRepository(Protocol):
    def add(self, account_id: int, name: str, now: datetime) -> Group:
        """Insert; raises ConstraintViolation when the account has a group of that name."""

    def get(self, account_id: int, group_id: int) -> Group | None:
        """The account's group with its member count; None for another account's or none."""

    def rename(self, account_id: int, group_id: int, name: str) -> None:
        """Raises ConstraintViolation when another group has that name."""

    def delete(self, account_id: int, group_id: int) -> None:
        """Delete the group; its contacts stay."""

    def list(self, account_id: int) -> builtins.list[Group]:
        """Every group of the account with its member count."""

    def add_members(self, group_id: int, contact_ids: Sequence[int]) -> None:
        """Add members; ones already in the group are left as they are."""

    def remove_members(self, group_id: int, contact_ids: Sequence[int]) -> builtins.list[int]:
        """Remove members; return the ids that were members."""

    def phones(self, account_id: int, group_ids: Sequence[int]) -> dict[int, builtins.list[str]]:
        """Each group's member phones in contact order (one query); every id given is a key."""


class BlacklistRepository(Protocol):
    def contains(self, account_id: int, phones: Sequence[str]) -> set[str]:
        """The phones among ``phones`` that are blacklisted."""

    def entries(self, account_id: int, phones: Sequence[str]) -> dict[str, BlacklistEntry]:
        """The entries of the phones among ``phones`` that are blacklisted, by phone."""

    def add(self, account_id: int, phones: Sequence[str], now: datetime,
            source: str = OptOutSource.API, reason: str | None = None) -> None:
        """Add phones with who listed them (``OptOutSource``) and why; ones already listed
        stay as they are (their source, reason and time too)."""

    def remove(self, account_id: int, phones: Sequence[str]) -> builtins.list[str]:
        """Remove phones; return those that were listed."""

    def list(self, account_id: int, offset: int, limit: int) -> Page[BlacklistEntry]:
        """A page of the account's blacklist entries (phone, who listed it, why, when), in
        phone order, with their total."""
