"""SQL implementation of the mailing store."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import bindparam, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from ..app.results import Page
from ..domain.mailing import Mailing, MailingState
from .address_book import _contact, _chunks
from .tables import (contacts, group_members, mailing_purged_stats, mailing_recipients, mailings,
                     messages, messages_archive)

UNSENT = ("QUEUED", "SCHEDULED")
_REQUEUE = (update(messages).where(messages.c.id == bindparam("mid"),
                                   messages.c.status == "STOPPED")
            .values(status=bindparam("status"), scheduled_at=bindparam("at"),
                    updated_at=bindparam("now"), lease_owner=None, lease_until=None))


def encode_targets(m: Mailing) -> str:
    """The ``targets`` column: a mailing's groups, contacts and phones, as JSON."""
    return json.dumps({"groups": list(m.group_ids), "contacts": list(m.contact_ids),
                       "phones": list(m.phones)})


def decode_targets(text: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[str, ...]]:
    raw = json.loads(text)
    return tuple(raw["groups"]), tuple(raw["contacts"]), tuple(raw["phones"])


def _mailing(row) -> Mailing:
    groups, contact_ids, phones = decode_targets(row.targets)
    return Mailing(id=row.id, account_id=row.account_id, name=row.name, text=row.text,
                   state=MailingState(row.state), created_at=row.created_at, sender=row.sender,
                   scheduled_at=row.scheduled_at, validity_minutes=row.validity_minutes,
                   rate_per_minute=row.rate_per_minute, defaults=json.loads(row.defaults),
                   group_ids=groups, contact_ids=contact_ids, phones=phones,
                   started_at=row.started_at, recipients=row.recipients,
                   total_cost=row.total_cost)


class SqlMailingRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, m: Mailing) -> int:
        return self._conn.execute(insert(mailings).values(
            account_id=m.account_id, name=m.name, text=m.text, sender=m.sender,
            state=m.state.value, scheduled_at=m.scheduled_at, validity_minutes=m.validity_minutes,
            rate_per_minute=m.rate_per_minute, defaults=json.dumps(m.defaults, ensure_ascii=False),
            targets=encode_targets(m), recipients=m.recipients, total_cost=m.total_cost,
            created_at=m.created_at, started_at=m.started_at).returning(mailings.c.id)).scalar_one()

    def get(self, account_id, mailing_id, *, lock=False) -> Mailing | None:
        query = select(mailings).where(mailings.c.account_id == account_id,
                                       mailings.c.id == mailing_id)
        if lock:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return _mailing(row) if row else None

    def update(self, m: Mailing) -> None:
        self._conn.execute(update(mailings).where(mailings.c.id == m.id).values(
            state=m.state.value, started_at=m.started_at, recipients=m.recipients,
            total_cost=m.total_cost))

    def list(self, account_id, offset, limit) -> Page[Mailing]:
        where = mailings.c.account_id == account_id
        total = self._conn.execute(select(func.count()).select_from(mailings).where(where)).scalar_one()
        rows = self._conn.execute(select(mailings).where(where).order_by(mailings.c.id.desc())
                                  .offset(offset).limit(limit))
        return Page(total, [_mailing(r) for r in rows])

    def group_contacts(self, account_id, group_ids):
        if not group_ids:
            return []
        members = select(group_members.c.contact_id).where(
            group_members.c.group_id.in_(list(group_ids)))
        rows = self._conn.execute(select(contacts).where(
            contacts.c.account_id == account_id, contacts.c.id.in_(members))
            .order_by(contacts.c.id))
        return [_contact(r) for r in rows]

    def stats(self, mailing_id) -> dict[str, tuple[int, Decimal]]:
        # Hot, archived and purged messages all count (docs/retention.md).
        out: dict[str, tuple[int, Decimal]] = {}
        for table in (messages, messages_archive):
            rows = self._conn.execute(
                select(table.c.status, func.count(), func.coalesce(func.sum(table.c.cost), 0))
                .where(table.c.mailing_id == mailing_id).group_by(table.c.status))
            # sum() and coalesce() keep the Money type, so SQLite's scaled integers come back exact.
            for status, count, cost in rows:
                _add(out, status, count, Decimal(cost))
        ps = mailing_purged_stats
        for status, count, cost in self._conn.execute(
                select(ps.c.status, ps.c.count, ps.c.cost).where(ps.c.mailing_id == mailing_id)):
            _add(out, status, count, Decimal(cost))
        return out

    def stop_unsent(self, mailing_id, now) -> int:
        return self._conn.execute(update(messages).where(
            messages.c.mailing_id == mailing_id, messages.c.status.in_(UNSENT),
            messages.c.submit_state.is_(None)).values(
            status="STOPPED", updated_at=now, lease_owner=None, lease_until=None)).rowcount

    def stopped(self, mailing_id) -> list[int]:
        return list(self._conn.execute(select(messages.c.id).where(
            messages.c.mailing_id == mailing_id, messages.c.status == "STOPPED")
            .order_by(messages.c.id)).scalars())

    def requeue(self, rows, now) -> None:
        if rows:
            self._conn.execute(_REQUEUE, [{"mid": i, "status": s, "at": at, "now": now}
                                          for i, s, at in rows])

    def unsent(self, mailing_id) -> list[int]:
        return list(self._conn.execute(select(messages.c.id).where(
            messages.c.mailing_id == mailing_id, messages.c.submit_state.is_(None),
            messages.c.status.in_(UNSENT + ("STOPPED",))).order_by(messages.c.id)).scalars())

    # -- the staging list of a large mailing ------------------------------------------------

    def _insert_ignore(self):
        dialect = pg_insert if self._conn.dialect.name == "postgresql" else sqlite_insert
        return dialect(mailing_recipients)

    def stage(self, mailing_id, account_id, group_ids, contact_ids, phones) -> None:
        """Write every recipient once (groups first, then contacts, then numbers), in SQL."""
        if group_ids:
            members = select(group_members.c.contact_id).where(
                group_members.c.group_id.in_(list(group_ids)))
            self._conn.execute(self._insert_ignore().from_select(
                ["mailing_id", "phone", "contact_id"],
                select(literal(mailing_id), contacts.c.phone, contacts.c.id).where(
                    contacts.c.account_id == account_id, contacts.c.id.in_(members))
                .order_by(contacts.c.id)).on_conflict_do_nothing())
        for chunk in _chunks(list(contact_ids)):
            rows = self._conn.execute(select(contacts.c.phone, contacts.c.id).where(
                contacts.c.account_id == account_id, contacts.c.id.in_(chunk))).all()
            if rows:
                self._conn.execute(self._insert_ignore().on_conflict_do_nothing(), [
                    {"mailing_id": mailing_id, "phone": phone, "contact_id": cid}
                    for phone, cid in rows])
        for chunk in _chunks(list(dict.fromkeys(phones)), 1000):
            self._conn.execute(self._insert_ignore().on_conflict_do_nothing(), [
                {"mailing_id": mailing_id, "phone": phone, "contact_id": None} for phone in chunk])

    def staged(self, mailing_id, after_id, limit):
        """(staging id, phone, contact card or None) in order, with the cards joined in."""
        mr = mailing_recipients
        rows = self._conn.execute(
            select(mr.c.id.label("stage_id"), mr.c.phone.label("stage_phone"), contacts)
            .select_from(mr.outerjoin(contacts, contacts.c.id == mr.c.contact_id))
            .where(mr.c.mailing_id == mailing_id, mr.c.id > after_id)
            .order_by(mr.c.id).limit(limit))
        return [(r.stage_id, r.stage_phone, _contact(r) if r.id is not None else None)
                for r in rows]

    def release_held(self, mailing_id) -> None:
        self._conn.execute(update(messages).where(
            messages.c.mailing_id == mailing_id, messages.c.submit_state == "held")
            .values(submit_state=None))

    def discard_held(self, mailing_id) -> None:
        self._conn.execute(messages.delete().where(
            messages.c.mailing_id == mailing_id, messages.c.submit_state == "held"))

    def clear_stage(self, mailing_id) -> None:
        self._conn.execute(mailing_recipients.delete().where(
            mailing_recipients.c.mailing_id == mailing_id))


def _add(totals: dict[str, tuple[int, Decimal]], status: str, count: int, cost: Decimal) -> None:
    before = totals.get(status, (0, Decimal("0")))
    totals[status] = (before[0] + count, before[1] + cost)
