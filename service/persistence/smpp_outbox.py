"""SQL implementation of the SmppOutbox port (service/app/smpp/outbox_ports.py): one table,
``smpp_outbox``, whose ``kind`` says which deliver_sm a row is ('receipt' or 'inbound').

Claims lease rows like the delivery store leases messages: ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so sessions on any number of nodes take disjoint rows; on SQLite the write
transaction (BEGIN IMMEDIATE) already serialises them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from ..app.smpp.outbox_ports import NewDeliver, NewReceipt, OwedDeliver, OwedInbound, OwedReceipt
from .tables import smpp_outbox

q = smpp_outbox


def _chunks(items: Sequence, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _due(account_ids: Sequence[int], now: datetime):
    return (q.c.account_id.in_(list(account_ids)), q.c.next_attempt_at <= now,
            or_(q.c.lease_until.is_(None), q.c.lease_until < now))


def _row(r: NewDeliver, now: datetime) -> dict:
    common = {"account_id": r.account_id, "source": r.source[:64],
              "destination": r.destination[:64], "created_at": now, "attempts": 0,
              "next_attempt_at": now}
    if isinstance(r, NewReceipt):
        return {**common, "kind": "receipt", "message_id": r.message_id, "inbound_id": None,
                "stat": r.stat[:8], "err": r.err[:3], "message_state": r.message_state,
                "submitted_at": r.submitted_at, "done_at": r.done_at, "text": r.text[:20],
                "final": r.final}
    # an inbound message: the whole text; the receipt-only columns stay NULL
    return {**common, "kind": "inbound", "message_id": None, "inbound_id": r.inbound_id,
            "stat": None, "err": None, "message_state": None, "submitted_at": None,
            "done_at": None, "text": r.text, "final": None}


def _owed(x) -> OwedDeliver:
    if x.kind == "inbound":
        return OwedInbound(id=x.id, account_id=x.account_id, inbound_id=x.inbound_id,
                           source=x.source, destination=x.destination, text=x.text,
                           attempts=x.attempts)
    return OwedReceipt(id=x.id, account_id=x.account_id, message_id=x.message_id,
                       source=x.source, destination=x.destination, stat=x.stat, err=x.err,
                       message_state=x.message_state, submitted_at=x.submitted_at,
                       done_at=x.done_at, text=x.text, attempts=x.attempts,
                       final=bool(x.final))


class SqlSmppOutbox:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, items: Sequence[NewDeliver], now: datetime) -> None:
        if items:  # one executemany; ids ascend in the order given
            self._conn.execute(insert(q), [_row(r, now) for r in items])

    def any_due(self, account_ids, now) -> bool:
        if not account_ids:
            return False
        return self._conn.execute(select(q.c.id).where(*_due(account_ids, now)).limit(1)
                                  ).first() is not None

    def claim(self, account_ids, owner, now, lease_until, limit) -> list[OwedDeliver]:
        if not account_ids or limit < 1:
            return []
        ids = list(self._conn.execute(
            select(q.c.id).where(*_due(account_ids, now)).order_by(q.c.id).limit(limit)
            .with_for_update(skip_locked=True)).scalars())
        if not ids:
            return []
        self._conn.execute(update(q).where(q.c.id.in_(ids))
                           .values(lease_owner=owner, lease_until=lease_until))
        rows = self._conn.execute(select(q).where(q.c.id.in_(ids)).order_by(q.c.id))
        return [_owed(x) for x in rows]

    def delete(self, ids) -> None:
        for chunk in _chunks(list(ids)):
            self._conn.execute(delete(q).where(q.c.id.in_(chunk)))

    def held_attempts(self, row_id, owner) -> int | None:
        return self._conn.execute(
            select(q.c.attempts).where(q.c.id == row_id, q.c.lease_owner == owner)
            .with_for_update()).scalar()

    def retry(self, row_id, owner, at) -> None:
        self._conn.execute(update(q).where(q.c.id == row_id, q.c.lease_owner == owner)
                           .values(attempts=q.c.attempts + 1, next_attempt_at=at,
                                   lease_owner=None, lease_until=None))

    def release(self, owner) -> None:
        self._conn.execute(update(q).where(q.c.lease_owner == owner)
                           .values(lease_owner=None, lease_until=None))

    def expire(self, created_before) -> int:
        return self._conn.execute(delete(q).where(q.c.created_at < created_before)).rowcount
