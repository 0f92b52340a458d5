"""The SMPP session registry in the database, so every node counts an account's binds together.

``open`` counts and inserts under the account's row lock (``SELECT ... FOR UPDATE`` on
PostgreSQL); on SQLite the write unit of work already holds the database's write lock
(``BEGIN IMMEDIATE``), which serialises opens the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from .tables import accounts
from .tables import smpp_sessions as ss
from .types import UtcDateTime

_CHUNK = 10_000  # ids per IN list, well within SQLite's 32766 variables

_LOCK_ACCOUNT = (select(accounts.c.id).where(accounts.c.id == bindparam("account_id"))
                 .with_for_update())
_LIVE = (select(func.count()).select_from(ss)
         .where(ss.c.account_id == bindparam("account_id"),
                ss.c.seen_at >= bindparam("stale_before", type_=UtcDateTime())))
_OPEN = insert(ss).returning(ss.c.id)


class SqlSmppSessions:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def open(self, account_id: int, node: str, bind_type: str, ip: str | None, now: datetime,
             limit: int, stale_before: datetime) -> int | None:
        self._conn.execute(_LOCK_ACCOUNT, {"account_id": account_id})
        if self.live(account_id, stale_before) >= limit:
            return None
        return self._conn.execute(_OPEN, {
            "account_id": account_id, "node": node, "bind_type": bind_type, "ip": ip,
            "bound_at": now, "seen_at": now}).scalar_one()

    def seen(self, session_ids: Sequence[int], now: datetime) -> None:
        ids = sorted(set(session_ids))
        for start in range(0, len(ids), _CHUNK):
            self._conn.execute(update(ss).where(ss.c.id.in_(ids[start:start + _CHUNK]))
                               .values(seen_at=now))

    def close(self, session_id: int) -> None:
        self._conn.execute(delete(ss).where(ss.c.id == session_id))

    def close_node(self, node: str) -> int:
        return self._conn.execute(delete(ss).where(ss.c.node == node)).rowcount

    def purge(self, stale_before: datetime) -> int:
        return self._conn.execute(delete(ss).where(ss.c.seen_at < stale_before)).rowcount

    def live(self, account_id: int, stale_before: datetime) -> int:
        return self._conn.execute(_LIVE, {"account_id": account_id,
                                          "stale_before": stale_before}).scalar_one()
