"""SQL implementation of the RetentionStore port (service/app/retention/ports.py).

Every batch picks its rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers
running the job take disjoint batches, and a row a delivery worker holds is left for the next
run; on SQLite the write transaction (BEGIN IMMEDIATE) already serialises them. A batch is a
handful of set-based statements over at most ``limit`` ids, never a statement per row.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Table, delete, exists, func, insert, literal_column, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from ..domain.status import MessageStatus
from .tables import (accounts, callbacks, inbound_messages, mailing_purged_stats,
                     message_parts, messages, messages_archive, request_counters, send_requests)

FINAL = [s.canonical_name for s in MessageStatus if s.final]
ARCHIVED_COLUMNS = [col.name for col in messages_archive.columns]


def _lit(value: str):
    """A constant the planner can see (partial indexes are matched on literal values)."""
    return literal_column(f"'{value}'")


_PENDING = callbacks.c.state == _lit("pending")
_OPEN = callbacks.c.state.in_([_lit("pending"), _lit("dead")])


class SqlRetentionStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._pg = conn.dialect.name == "postgresql"

    def _locked(self, stmt, table: Table):
        return stmt.with_for_update(of=table, skip_locked=True) if self._pg else stmt

    def retention_classes(self) -> list[int | None]:
        return list(self._conn.execute(select(accounts.c.retention_days).distinct()).scalars())

    def purge(self, retention_days: int | None, finished_before: datetime, limit: int) -> int:
        setting = (accounts.c.retention_days.is_(None) if retention_days is None
                   else accounts.c.retention_days == retention_days)
        owners = select(accounts.c.id).where(setting)
        done = 0
        for table in (messages, messages_archive):
            if done >= limit:
                break
            where = [table.c.account_id.in_(owners), table.c.finished_at <= finished_before,
                     table.c.status.in_(FINAL)]
            if table is messages:
                where.append(~exists().where(callbacks.c.message_id == messages.c.id, _PENDING))
            ids = list(self._conn.execute(self._locked(
                select(table.c.id).where(*where).order_by(table.c.id).limit(limit - done),
                table)).scalars())
            if ids:
                self._keep_mailing_stats(table, ids)
                self._delete(table, ids)
            done += len(ids)
        return done

    def purge_inbound(self, retention_days: int | None, received_before: datetime,
                      limit: int) -> int:
        im = inbound_messages
        if retention_days is None:
            owners = or_(im.c.account_id.is_(None), im.c.account_id.in_(
                select(accounts.c.id).where(accounts.c.retention_days.is_(None))))
        else:
            owners = im.c.account_id.in_(
                select(accounts.c.id).where(accounts.c.retention_days == retention_days))
        ids = list(self._conn.execute(self._locked(
            select(im.c.id).where(owners, im.c.received_at <= received_before,
                                  ~exists().where(callbacks.c.inbound_id == im.c.id, _PENDING))
            .order_by(im.c.id).limit(limit), im)).scalars())
        if ids:
            self._conn.execute(delete(callbacks).where(callbacks.c.inbound_id.in_(ids)))
            self._conn.execute(delete(im).where(im.c.id.in_(ids)))
        return len(ids)

    def archive(self, finished_before: datetime, limit: int) -> int:
        m = messages
        ids = list(self._conn.execute(self._locked(
            select(m.c.id).where(m.c.finished_at <= finished_before, m.c.status.in_(FINAL),
                                 ~exists().where(callbacks.c.message_id == m.c.id, _OPEN))
            .order_by(m.c.finished_at, m.c.id).limit(limit), m)).scalars())
        if not ids:
            return 0
        self._conn.execute(insert(messages_archive).from_select(
            ARCHIVED_COLUMNS, select(*[m.c[name] for name in ARCHIVED_COLUMNS])
            .where(m.c.id.in_(ids))))
        self._delete(m, ids)
        return len(ids)

    def purge_counters(self, before_window: int) -> int:
        return self._conn.execute(delete(request_counters).where(
            request_counters.c.window < before_window)).rowcount

    def purge_send_requests(self, created_before: datetime, limit: int) -> int:
        sr = send_requests
        ids = list(self._conn.execute(self._locked(
            select(sr.c.id).where(sr.c.created_at < created_before).order_by(sr.c.id)
            .limit(limit), sr)).scalars())
        if ids:
            self._conn.execute(delete(sr).where(sr.c.id.in_(ids)))
        return len(ids)

    def _delete(self, table: Table, ids: list[int]) -> None:
        if table is messages:  # what refers to a hot message goes first
            self._conn.execute(delete(callbacks).where(callbacks.c.message_id.in_(ids)))
            self._conn.execute(delete(message_parts).where(message_parts.c.message_id.in_(ids)))
        self._conn.execute(delete(table).where(table.c.id.in_(ids)))

    def _keep_mailing_stats(self, table: Table, ids: list[int]) -> None:
        """Add the purged messages of mailings to what their statistics keep counting."""
        rows = self._conn.execute(
            select(table.c.mailing_id, table.c.status, func.count(),
                   func.coalesce(func.sum(table.c.cost), 0))
            .where(table.c.id.in_(ids), table.c.mailing_id.is_not(None))
            .group_by(table.c.mailing_id, table.c.status)).all()
        if not rows:
            return
        ps = mailing_purged_stats
        dialect_insert = pg_insert if self._pg else sqlite_insert
        for mailing_id, status, count, cost in rows:
            stmt = dialect_insert(ps).values(mailing_id=mailing_id, status=status, count=count,
                                             cost=Decimal(cost))
            self._conn.execute(stmt.on_conflict_do_update(
                index_elements=[ps.c.mailing_id, ps.c.status],
                set_={"count": ps.c.count + stmt.excluded.count,
                      "cost": ps.c.cost + stmt.excluded.cost}))
