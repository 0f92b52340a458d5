"""Fakes of the contact book ports: contacts, groups and the blacklist."""

from __future__ import annotations

from dataclasses import replace
import copy

from service.domain.contacts import Contact, Group

from .store import _Store, _next


def _card(store: _Store, contact: Contact, with_groups: bool = True) -> Contact:
    """A stored card as the SQL repositories read it back: its group ids ascending, or none
    at all where the SQL query does not join them (the mailing store's reads)."""
    groups = tuple(sorted(g for g, c in store.members if c == contact.id)) if with_groups else ()
    return replace(copy.deepcopy(contact), group_ids=groups)


class FakeContactRepository:
    """The contact cards in memory (app/book/ports.py), with the SQL one's semantics."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def _own(self, account_id):
        return [c for _, c in sorted(self._s.contacts.items()) if c.account_id == account_id]

    def by_phones(self, account_id, phones):
        wanted = set(phones)
        return {c.phone: _card(self._s, c) for c in self._own(account_id) if c.phone in wanted}

    def get(self, account_id, ids):
        wanted = set(ids)
        return {c.id: _card(self._s, c) for c in self._own(account_id) if c.id in wanted}

    def _insert(self, contact):
        if any(c.phone == contact.phone for c in self._own(contact.account_id)):
            raise ValueError("a phone is unique within an account")  # SQL: IntegrityError
        contact_id = _next(self._s, "contacts")
        self._s.contacts[contact_id] = replace(copy.deepcopy(contact), id=contact_id, group_ids=())
        return contact_id

    def add(self, contact):
        return self._insert(contact)  # like SQL: ``contact.id`` is left as it was

    def add_many(self, contacts):
        return {c.phone: self._insert(c) for c in contacts}

    def update(self, contact):
        if contact.id in self._s.contacts:
            stored = self._s.contacts[contact.id]
            self._s.contacts[contact.id] = replace(copy.deepcopy(contact), id=stored.id,
                                                   account_id=stored.account_id, group_ids=())

    def update_many(self, contacts):
        for c in contacts:
            self.update(c)

    def delete(self, account_id, ids):
        gone = [c.id for c in self._own(account_id) if c.id in set(ids)]
        for contact_id in gone:
            del self._s.contacts[contact_id]
        self._s.members = {(g, c) for g, c in self._s.members if c not in gone}
        return gone

    def search(self, account_id, group_id, phone_prefix, offset, limit):
        from service.app.results import Page
        found = [c for c in self._own(account_id)
                 if (not phone_prefix or c.phone.startswith(phone_prefix))
                 and (group_id is None or (group_id, c.id) in self._s.members)]
        return Page(len(found), [_card(self._s, c) for c in found[offset:offset + limit]])


class FakeGroupRepository:
    """The contact groups in memory (app/book/ports.py), with the SQL one's semantics."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def _group(self, group_id):
        g = self._s.groups[group_id]
        size = sum(1 for member_of, _ in self._s.members if member_of == group_id)
        return Group(group_id, g["account_id"], g["name"], size)

    def _clash(self, account_id, name, group_id=None):
        from service.domain.errors import ConstraintViolation
        if any(g["account_id"] == account_id and g["name"] == name and i != group_id
               for i, g in self._s.groups.items()):
            raise ConstraintViolation("name", f"a group named {name!r} exists")

    def add(self, account_id, name, now):
        self._clash(account_id, name)
        group_id = _next(self._s, "groups")
        self._s.groups[group_id] = dict(account_id=account_id, name=name, created_at=now)
        return Group(group_id, account_id, name, 0)

    def get(self, account_id, group_id):
        g = self._s.groups.get(group_id)
        return self._group(group_id) if g is not None and g["account_id"] == account_id else None

    def rename(self, account_id, group_id, name):
        g = self._s.groups.get(group_id)
        if g is not None and g["account_id"] == account_id:
            self._clash(account_id, name, group_id)
            g["name"] = name

    def delete(self, account_id, group_id):
        g = self._s.groups.get(group_id)
        if g is not None and g["account_id"] == account_id:
            self._s.members = {(gid, c) for gid, c in self._s.members if gid != group_id}
            del self._s.groups[group_id]

    def list(self, account_id):
        return [self._group(i) for i, g in sorted(self._s.groups.items())
                if g["account_id"] == account_id]

    def add_members(self, group_id, contact_ids):
        self._s.members.update((group_id, c) for c in contact_ids)

    def remove_members(self, group_id, contact_ids):
        present = [c for c in dict.fromkeys(contact_ids) if (group_id, c) in self._s.members]
        self._s.members.difference_update((group_id, c) for c in present)
        return present

    def phones(self, account_id, group_ids):
        out = {g: [] for g in group_ids}
        for contact_id, c in sorted(self._s.contacts.items()):
            for g in out:
                if c.account_id == account_id and (g, contact_id) in self._s.members:
                    out[g].append(c.phone)
        return out


class FakeBlacklistRepository:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def contains(self, account_id, phones):
        return set(phones) & set(self._s.blacklist.get(account_id, {}))

    def entries(self, account_id, phones):
        listed = self._s.blacklist.get(account_id, {})
        return {p: listed[p] for p in dict.fromkeys(phones) if p in listed}

    def add(self, account_id, phones, now, source="api", reason=None):
        from service.domain.contacts import BlacklistEntry
        listed = self._s.blacklist.setdefault(account_id, {})
        for phone in dict.fromkeys(phones):
            listed.setdefault(phone, BlacklistEntry(phone, source, reason, now))

    def remove(self, account_id, phones):
        listed = self._s.blacklist.get(account_id, {})
        gone = sorted(set(phones) & set(listed))
        for phone in gone:
            del listed[phone]
        return gone

    def list(self, account_id, offset, limit):
        from service.app.results import Page
        listed = self._s.blacklist.get(account_id, {})
        entries = [listed[phone] for phone in sorted(listed)]
        return Page(len(entries), entries[offset:offset + limit])
