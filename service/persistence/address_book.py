"""SQL implementations of the contact book ports and of the message history."""

from __future__ import annotations

import json
from typing import Sequence

from sqlalchemy import bindparam, delete, func, insert, select, union_all, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..app.sending.ports import MessageFilter
from ..app.results import Page
from ..domain.contacts import BlacklistEntry, Contact, Group, OptOutSource
from ..domain.errors import ConstraintViolation
from ..domain.message import Message
from .repositories import _message_from_row
from .retention import ARCHIVED_COLUMNS
from .tables import blacklist, contact_groups, contacts, group_members, messages, messages_archive


def _chunks(items: Sequence, size: int = 500):
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _contact(row, group_ids=()) -> Contact:
    return Contact(id=row.id, account_id=row.account_id, phone=row.phone, name=row.name,
                   email=row.email, birthday=row.birthday, fields=json.loads(row.fields),
                   group_ids=tuple(group_ids))


def _values(c: Contact) -> dict:
    return dict(phone=c.phone, name=c.name, email=c.email, birthday=c.birthday,
                fields=json.dumps(c.fields, ensure_ascii=False, sort_keys=True))


_UPDATE_CONTACT = update(contacts).where(contacts.c.id == bindparam("cid")).values(
    updated_at=bindparam("now"), **{k: bindparam(f"v_{k}")
                                    for k in ("phone", "name", "email", "birthday", "fields")})


class SqlContactRepository:
    def __init__(self, conn: Connection, now) -> None:
        self._conn = conn
        self._now = now

    def _with_groups(self, rows) -> list[Contact]:
        rows = list(rows)
        groups: dict[int, list[int]] = {}
        for chunk in _chunks([r.id for r in rows]):
            for m in self._conn.execute(select(group_members).where(
                    group_members.c.contact_id.in_(chunk)).order_by(group_members.c.group_id)):
                groups.setdefault(m.contact_id, []).append(m.group_id)
        return [_contact(r, groups.get(r.id, ())) for r in rows]

    def by_phones(self, account_id, phones) -> dict[str, Contact]:
        found = []
        for chunk in _chunks(list(phones)):
            found += self._with_groups(self._conn.execute(select(contacts).where(
                contacts.c.account_id == account_id, contacts.c.phone.in_(chunk))))
        return {c.phone: c for c in found}

    def get(self, account_id, ids) -> dict[int, Contact]:
        found = []
        for chunk in _chunks(list(dict.fromkeys(ids))):
            found += self._with_groups(self._conn.execute(select(contacts).where(
                contacts.c.account_id == account_id, contacts.c.id.in_(chunk))))
        return {c.id: c for c in found}

    def add(self, contact: Contact) -> int:
        now = self._now()
        return self._conn.execute(insert(contacts).values(
            account_id=contact.account_id, created_at=now, updated_at=now, **_values(contact))
            .returning(contacts.c.id)).scalar_one()

    def add_many(self, items: list[Contact]) -> dict[str, int]:
        """Insert new contacts in one executemany; their ids, by phone."""
        now = self._now()
        self._conn.execute(insert(contacts), [
            {"account_id": c.account_id, "created_at": now, "updated_at": now, **_values(c)}
            for c in items])
        ids: dict[str, int] = {}
        for chunk in _chunks([c.phone for c in items]):
            ids.update(self._conn.execute(select(contacts.c.phone, contacts.c.id).where(
                contacts.c.account_id == items[0].account_id,
                contacts.c.phone.in_(chunk))).all())
        return ids

    def update_many(self, items: list[Contact]) -> None:
        if items:
            self._conn.execute(_UPDATE_CONTACT, [
                {"cid": c.id, "now": self._now(), **{f"v_{k}": v for k, v in _values(c).items()}}
                for c in items])

    def update(self, contact: Contact) -> None:
        self._conn.execute(update(contacts).where(contacts.c.id == contact.id).values(
            updated_at=self._now(), **_values(contact)))

    def delete(self, account_id, ids) -> list[int]:
        gone = []
        for chunk in _chunks(list(dict.fromkeys(ids))):
            existing = list(self._conn.execute(select(contacts.c.id).where(
                contacts.c.account_id == account_id, contacts.c.id.in_(chunk))).scalars())
            if existing:
                self._conn.execute(delete(group_members).where(
                    group_members.c.contact_id.in_(existing)))
                self._conn.execute(delete(contacts).where(contacts.c.id.in_(existing)))
            gone += existing
        return gone

    def search(self, account_id, group_id, phone_prefix, offset, limit) -> Page[Contact]:
        where = [contacts.c.account_id == account_id]
        if phone_prefix:
            where.append(contacts.c.phone.startswith(phone_prefix, autoescape=True))
        if group_id is not None:
            where.append(contacts.c.id.in_(select(group_members.c.contact_id).where(
                group_members.c.group_id == group_id)))
        total = self._conn.execute(select(func.count()).select_from(contacts).where(*where)).scalar_one()
        rows = self._conn.execute(select(contacts).where(*where).order_by(contacts.c.id)
                                  .offset(offset).limit(limit))
        return Page(total, self._with_groups(rows))


class SqlGroupRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, account_id, name, now) -> Group:
        try:
            with self._conn.begin_nested():
                group_id = self._conn.execute(insert(contact_groups).values(
                    account_id=account_id, name=name, created_at=now)
                    .returning(contact_groups.c.id)).scalar_one()
        except IntegrityError as exc:
            raise ConstraintViolation("name", f"a group named {name!r} exists") from exc
        return Group(group_id, account_id, name, 0)

    def _counted(self, *where):
        size = (select(func.count()).where(group_members.c.group_id == contact_groups.c.id)
                .scalar_subquery())
        return self._conn.execute(select(contact_groups, size.label("size")).where(*where)
                                  .order_by(contact_groups.c.id))

    def get(self, account_id, group_id) -> Group | None:
        row = self._counted(contact_groups.c.account_id == account_id,
                            contact_groups.c.id == group_id).first()
        return Group(row.id, row.account_id, row.name, row.size) if row else None

    def rename(self, account_id, group_id, name) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(update(contact_groups).where(
                    contact_groups.c.account_id == account_id, contact_groups.c.id == group_id)
                    .values(name=name))
        except IntegrityError as exc:
            raise ConstraintViolation("name", f"a group named {name!r} exists") from exc

    def delete(self, account_id, group_id) -> None:
        owned = select(contact_groups.c.id).where(contact_groups.c.account_id == account_id,
                                                  contact_groups.c.id == group_id)
        self._conn.execute(delete(group_members).where(group_members.c.group_id.in_(owned)))
        self._conn.execute(delete(contact_groups).where(contact_groups.c.id.in_(owned)))

    def list(self, account_id) -> list[Group]:
        return [Group(r.id, r.account_id, r.name, r.size)
                for r in self._counted(contact_groups.c.account_id == account_id)]

    def add_members(self, group_id, contact_ids) -> None:
        for chunk in _chunks(list(dict.fromkeys(contact_ids))):
            present = set(self._conn.execute(select(group_members.c.contact_id).where(
                group_members.c.group_id == group_id,
                group_members.c.contact_id.in_(chunk))).scalars())
            rows = [{"group_id": group_id, "contact_id": i} for i in chunk if i not in present]
            if rows:
                self._conn.execute(insert(group_members), rows)

    def remove_members(self, group_id, contact_ids) -> list[int]:
        removed = []
        for chunk in _chunks(list(dict.fromkeys(contact_ids))):
            present = list(self._conn.execute(select(group_members.c.contact_id).where(
                group_members.c.group_id == group_id,
                group_members.c.contact_id.in_(chunk))).scalars())
            if present:
                self._conn.execute(delete(group_members).where(
                    group_members.c.group_id == group_id,
                    group_members.c.contact_id.in_(present)))
            removed += present
        return removed

    def phones(self, account_id, group_ids) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {g: [] for g in group_ids}
        if out:
            rows = self._conn.execute(
                select(group_members.c.group_id, contacts.c.phone)
                .join(contacts, contacts.c.id == group_members.c.contact_id)
                .where(contacts.c.account_id == account_id,
                       group_members.c.group_id.in_(list(out)))
                .order_by(group_members.c.group_id, contacts.c.id))
            for group_id, phone in rows:
                out[group_id].append(phone)
        return out


class SqlBlacklistRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def contains(self, account_id, phones) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(list(dict.fromkeys(phones))):
            found |= set(self._conn.execute(select(blacklist.c.phone).where(
                blacklist.c.account_id == account_id, blacklist.c.phone.in_(chunk))).scalars())
        return found

    def entries(self, account_id, phones) -> dict[str, BlacklistEntry]:
        found: dict[str, BlacklistEntry] = {}
        for chunk in _chunks(list(dict.fromkeys(phones))):
            for row in self._conn.execute(select(blacklist).where(
                    blacklist.c.account_id == account_id, blacklist.c.phone.in_(chunk))):
                found[row.phone] = BlacklistEntry(row.phone, row.source, row.reason,
                                                  row.created_at)
        return found

    def add(self, account_id, phones, now, source=OptOutSource.API, reason=None) -> None:
        listed = self.contains(account_id, phones)
        new = [p for p in dict.fromkeys(phones) if p not in listed]
        if new:
            self._conn.execute(insert(blacklist), [
                {"account_id": account_id, "phone": p, "created_at": now, "source": source,
                 "reason": reason} for p in new])

    def remove(self, account_id, phones) -> list[str]:
        present = sorted(self.contains(account_id, phones))
        for chunk in _chunks(present):
            self._conn.execute(delete(blacklist).where(blacklist.c.account_id == account_id,
                                                       blacklist.c.phone.in_(chunk)))
        return present

    def list(self, account_id, offset, limit) -> Page[BlacklistEntry]:
        where = blacklist.c.account_id == account_id
        total = self._conn.execute(select(func.count()).select_from(blacklist).where(where)).scalar_one()
        rows = self._conn.execute(select(blacklist).where(where).order_by(blacklist.c.phone)
                                  .offset(offset).limit(limit))
        return Page(total, [BlacklistEntry(r.phone, r.source, r.reason, r.created_at)
                            for r in rows])


class SqlHistoryRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def search(self, account_id, flt: MessageFilter, offset, limit) -> Page[Message]:
        # Hot and archived messages alike (docs/retention.md): one newest-first page over both.
        parts = [select(*[t.c[name] for name in ARCHIVED_COLUMNS])
                 .where(*_history_filter(t, account_id, flt)) for t in (messages, messages_archive)]
        total = sum(self._conn.execute(select(func.count()).select_from(part.subquery()))
                    .scalar_one() for part in parts)
        both = union_all(*parts).subquery()
        rows = self._conn.execute(select(both).order_by(both.c.id.desc()).offset(offset).limit(limit))
        return Page(total, [_message_from_row(r) for r in rows])


def _history_filter(t, account_id, flt: MessageFilter) -> list:
    where = [t.c.account_id == account_id]
    if flt.since is not None:
        where.append(t.c.created_at >= flt.since)
    if flt.until is not None:
        where.append(t.c.created_at < flt.until)
    if flt.status is not None:
        where.append(t.c.status == flt.status.canonical_name)
    if flt.recipient:
        where.append(t.c.recipient == flt.recipient)
    if flt.mailing_id is not None:
        where.append(t.c.mailing_id == flt.mailing_id)
    return where
