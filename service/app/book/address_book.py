"""Use cases of the contact book: contacts, groups and the blacklist.

Mass operations answer per item (see app/results.py): ``code`` 0 when every item succeeded, 98
when some did, 99 when none did, and each failed item carries its own code, message and field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Sequence

from ...domain.contacts import (BlacklistEntry, Contact, Group, clean_email, clean_fields,
                               clean_group_name, clean_name, contact_phone)
from ...domain.errors import ConstraintViolation, MissingParameter, NotFound, SmsgwError
from ...domain.phones import normalise
from ..access.auth import Credentials
from ..access.rate_limits import Operation
from ..base import AccountUseCases
from ..results import (BACKGROUND, BatchResult, ItemResult, Page, batch_result, failure, outcome,
                       paging)
from ..tasks.ports import TaskRecord
from ..tasks.tasks import TaskContext
from ..uow import UnitOfWork

MAX_IMPORT = 100_000
IMPORT_TASK = "import_contacts"


@dataclass(frozen=True)
class ContactInput:
    """A contact card as a client sends it; ``None`` leaves a field unset (or unchanged)."""

    phone: str | None = None
    name: str | None = None
    email: str | None = None
    birthday: date | None = None
    fields: dict[str, str] | None = None
    group_ids: tuple[int, ...] = ()


class AddressBookService(AccountUseCases):
    def _limit(self, items: Sequence[object], name: str) -> None:
        if not items:
            raise MissingParameter(name)
        if len(items) > self._policy.max_recipients:
            raise ConstraintViolation(name, f"at most {self._policy.max_recipients} per request",
                                      limit=self._policy.max_recipients)

    # -- contacts ---------------------------------------------------------------------------

    def create_contacts(self, credentials: Credentials, items: list[ContactInput]) -> BatchResult:
        """Create contact cards; a phone that already has a card updates that card instead.

        Above the task threshold the import runs in the background: code 100 and a task id.
        """
        account_id = self._account(credentials, Operation.MANAGE)
        if not items:
            raise MissingParameter("contacts")
        if len(items) > MAX_IMPORT:
            raise ConstraintViolation("contacts", f"at most {MAX_IMPORT} contacts per import",
                                      limit=MAX_IMPORT)
        with self._uow(write=True) as uow:
            if len(items) > self._threshold:
                task_id = uow.tasks.add(account_id, IMPORT_TASK, json.dumps(
                    {"contacts": [_to_json(item) for item in items]}), len(items),
                    self._clock.now())
                uow.commit()
                return BatchResult(BACKGROUND, [], task_id)
            results = self._import(uow, account_id, list(enumerate(items)))
            uow.commit()
        return batch_result(results)

    def run_import(self, task: TaskRecord, ctx: TaskContext) -> tuple[int, str | None]:
        """The background import: chunks of 500, each committed with its checkpoint."""
        items = [_from_json(raw) for raw in json.loads(task.payload)["contacts"]]
        state = dict(ctx.checkpoint) or {"next": 0, "failed": 0}
        while state["next"] < len(items):
            start, end = state["next"], min(state["next"] + 500, len(items))
            with self._uow(write=True) as uow:
                results = self._import(uow, task.account_id,
                                       list(enumerate(items[start:end], start)))
                failed = [r for r in results if r.code]
                uow.tasks.add_errors(task.id, failed)
                state = {"next": end, "failed": state["failed"] + len(failed)}
                ctx.commit_chunk(uow, state, end)
        return outcome(len(items), state["failed"]), None

    def _import(self, uow: UnitOfWork, account_id: int,
                indexed: list[tuple[int, ContactInput]]) -> list[ItemResult]:
        region = self._policy.default_region
        results: list[ItemResult] = []
        cards: dict[str, list[tuple[int, ContactInput]]] = {}
        for index, item in indexed:
            try:
                phone = contact_phone(item.phone, region)
                clean_name(item.name), clean_email(item.email), clean_fields(item.fields)
            except SmsgwError as exc:
                results.append(failure(index, exc))
                continue
            cards.setdefault(phone, []).append((index, item))  # later cards update earlier ones
        existing = uow.contacts.by_phones(account_id, list(cards))
        groups = {g.id for g in uow.groups.list(account_id)}
        final: dict[str, Contact] = {}
        members: dict[int, set[str]] = {}
        placed: list[tuple[int, str]] = []
        for phone, versions in cards.items():
            contact = existing.get(phone)
            for index, item in versions:
                unknown = [g for g in item.group_ids if g not in groups]
                if unknown:
                    results.append(failure(index, NotFound("group", unknown[0])))
                    continue
                contact = _merged(contact or Contact(None, account_id, phone), item)
                final[phone] = contact
                for group_id in item.group_ids:
                    members.setdefault(group_id, set()).add(phone)
                placed.append((index, phone))
        new = [c for c in final.values() if c.id is None]
        ids = uow.contacts.add_many(new) if new else {}
        uow.contacts.update_many([c for c in final.values() if c.id is not None])
        ids.update({c.phone: c.id for c in final.values() if c.id is not None})
        for group_id, phones in members.items():
            uow.groups.add_members(group_id, [ids[p] for p in phones])
        results += [ItemResult(index, 0, ids[phone]) for index, phone in placed]
        return sorted(results, key=lambda r: r.index)

    def update_contact(self, credentials: Credentials, contact_id: int,
                       changes: ContactInput) -> Contact:
        """Change the given fields of one contact card (a new phone must stay unique)."""
        account_id = self._account(credentials, Operation.MANAGE)
        with self._uow(write=True) as uow:
            contact = uow.contacts.get(account_id, [contact_id]).get(contact_id)
            if contact is None:
                raise NotFound("contact", contact_id)
            updated = _merged(contact, changes)
            if changes.phone is not None:
                updated.phone = contact_phone(changes.phone, self._policy.default_region)
                clash = uow.contacts.by_phones(account_id, [updated.phone]).get(updated.phone)
                if clash is not None and clash.id != contact_id:
                    raise ConstraintViolation("phone", f"contact {clash.id} has this phone")
            uow.contacts.update(updated)
            uow.commit()
        return updated

    def delete_contacts(self, credentials: Credentials, ids: list[int]) -> BatchResult:
        account_id = self._account(credentials, Operation.MANAGE)
        self._limit(ids, "contactIds")
        with self._uow(write=True) as uow:
            deleted = set(uow.contacts.delete(account_id, ids))
            uow.commit()
        return batch_result([ItemResult(i, 0, key) if key in deleted
                             else failure(i, NotFound("contact", key), key)
                             for i, key in enumerate(ids)])

    def get_contacts(self, credentials: Credentials, group_id: int | None = None,
                     phone_prefix: str | None = None, page: int | None = None,
                     page_size: int | None = None) -> Page[Contact]:
        account_id = self._account(credentials, Operation.QUERY)
        offset, limit = paging(page, page_size)
        prefix = None
        if phone_prefix:
            prefix = "+" + "".join(ch for ch in phone_prefix if ch in "0123456789")
        with self._uow() as uow:
            if group_id is not None and uow.groups.get(account_id, group_id) is None:
                raise NotFound("group", group_id)
            return uow.contacts.search(account_id, group_id, prefix, offset, limit)

    # -- groups -----------------------------------------------------------------------------

    def create_group(self, credentials: Credentials, name: str | None) -> Group:
        account_id = self._account(credentials, Operation.MANAGE)
        name = clean_group_name(name)
        with self._uow(write=True) as uow:
            group = uow.groups.add(account_id, name, self._clock.now())
            uow.commit()
        return group

    def rename_group(self, credentials: Credentials, group_id: int, name: str | None) -> Group:
        account_id = self._account(credentials, Operation.MANAGE)
        name = clean_group_name(name)
        with self._uow(write=True) as uow:
            group = self._group(uow, account_id, group_id)
            uow.groups.rename(account_id, group_id, name)
            uow.commit()
        return replace(group, name=name)

    def delete_group(self, credentials: Credentials, group_id: int) -> None:
        """Delete a group; its contacts are kept."""
        account_id = self._account(credentials, Operation.MANAGE)
        with self._uow(write=True) as uow:
            self._group(uow, account_id, group_id)
            uow.groups.delete(account_id, group_id)
            uow.commit()

    def get_groups(self, credentials: Credentials) -> list[Group]:
        account_id = self._account(credentials, Operation.QUERY)
        with self._uow() as uow:
            return uow.groups.list(account_id)

    def group_phones(self, credentials: Credentials, refs: list[str]) -> dict[str, list[str]]:
        """The phones of each group named in ``refs`` (by its id, or by its name in any case),
        in contact order, read in one transaction: to send to whole groups. Raises NotFound
        for a group the account does not have."""
        account_id = self._account(credentials, Operation.QUERY)
        with self._uow() as uow:
            groups = uow.groups.list(account_id)
            by_id = {str(g.id): g for g in groups}
            chosen: dict[str, int] = {}
            for ref in refs:
                group = by_id.get(ref) or next(
                    (g for g in groups if g.name.lower() == ref.lower()), None)
                if group is None or group.id is None:
                    raise NotFound("group", ref)
                chosen[ref] = group.id
            phones = uow.groups.phones(account_id, list(dict.fromkeys(chosen.values())))
        return {ref: phones[group_id] for ref, group_id in chosen.items()}

    def add_to_group(self, credentials: Credentials, group_id: int,
                     contact_ids: list[int]) -> BatchResult:
        account_id = self._account(credentials, Operation.MANAGE)
        self._limit(contact_ids, "contactIds")
        with self._uow(write=True) as uow:
            self._group(uow, account_id, group_id)
            known = uow.contacts.get(account_id, contact_ids)
            uow.groups.add_members(group_id, [i for i in dict.fromkeys(contact_ids) if i in known])
            uow.commit()
        return batch_result([ItemResult(n, 0, i) if i in known
                             else failure(n, NotFound("contact", i), i)
                             for n, i in enumerate(contact_ids)])

    def remove_from_group(self, credentials: Credentials, group_id: int,
                          contact_ids: list[int]) -> BatchResult:
        account_id = self._account(credentials, Operation.MANAGE)
        self._limit(contact_ids, "contactIds")
        with self._uow(write=True) as uow:
            self._group(uow, account_id, group_id)
            removed = set(uow.groups.remove_members(group_id, contact_ids))
            uow.commit()
        return batch_result([ItemResult(n, 0, i) if i in removed
                             else failure(n, NotFound("group member", i), i)
                             for n, i in enumerate(contact_ids)])

    @staticmethod
    def _group(uow: UnitOfWork, account_id: int, group_id: int) -> Group:
        group = uow.groups.get(account_id, group_id)
        if group is None:
            raise NotFound("group", group_id)
        return group

    # -- blacklist --------------------------------------------------------------------------

    def add_to_blacklist(self, credentials: Credentials, phones: list[str]) -> BatchResult:
        """Blacklisted numbers get status BANNED (23) and are never sent."""
        account_id = self._account(credentials, Operation.MANAGE)
        self._limit(phones, "phones")
        results, valid = self._phones(phones)
        with self._uow(write=True) as uow:
            uow.blacklist.add(account_id, list(dict.fromkeys(valid.values())), self._clock.now())
            uow.commit()
        return batch_result(results)

    def remove_from_blacklist(self, credentials: Credentials, phones: list[str]) -> BatchResult:
        account_id = self._account(credentials, Operation.MANAGE)
        self._limit(phones, "phones")
        results, valid = self._phones(phones)
        with self._uow(write=True) as uow:
            removed = set(uow.blacklist.remove(account_id, list(dict.fromkeys(valid.values()))))
            uow.commit()
        return batch_result(sorted(
            [r for r in results if r.code] +
            [ItemResult(i, 0) if phone in removed else
             failure(i, NotFound("blacklisted number", phone)) for i, phone in valid.items()],
            key=lambda r: r.index))

    def get_blacklist(self, credentials: Credentials, page: int | None = None,
                      page_size: int | None = None) -> Page[BlacklistEntry]:
        """A page of the account's blacklist: each number with its source (``api``: the
        account listed it; ``inbound``: its subscriber sent STOP), reason and time."""
        account_id = self._account(credentials, Operation.QUERY)
        offset, limit = paging(page, page_size)
        with self._uow() as uow:
            return uow.blacklist.list(account_id, offset, limit)

    def _phones(self, phones: list[str]) -> tuple[list[ItemResult], dict[int, str]]:
        results, valid = [], {}
        for index, raw in enumerate(phones):
            recipient = normalise(raw or "", self._policy.default_region)
            if recipient.e164 is not None:
                valid[index] = recipient.e164
                results.append(ItemResult(index))
            else:
                results.append(ItemResult(index, 1, None, f"invalid phone number {raw!r}", "phones"))
        return results, valid


def _to_json(item: ContactInput) -> dict[str, Any]:
    return {"phone": item.phone, "name": item.name, "email": item.email,
            "birthday": item.birthday.isoformat() if item.birthday else None,
            "fields": item.fields, "group_ids": list(item.group_ids)}


def _from_json(raw: dict[str, Any]) -> ContactInput:
    return ContactInput(phone=raw["phone"], name=raw["name"], email=raw["email"],
                        birthday=date.fromisoformat(raw["birthday"]) if raw["birthday"] else None,
                        fields=raw["fields"], group_ids=tuple(raw["group_ids"]))


def _merged(contact: Contact, item: ContactInput) -> Contact:
    """The card with the fields the client gave; custom fields merge key by key."""
    merged = replace(contact)
    if item.name is not None:
        merged.name = clean_name(item.name)
    if item.email is not None:
        merged.email = clean_email(item.email)
    if item.birthday is not None:
        merged.birthday = item.birthday
    if item.fields is not None:
        merged.fields = {**contact.fields, **clean_fields(item.fields)}
    return merged
