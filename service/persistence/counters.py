"""Per-account request counters in the database, so every web node sees the same counts."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from .tables import request_counters as rc


class SqlRequestCounters:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def hit(self, account_id: int, key: str, window: int, weight: int = 1) -> int:
        """Add ``weight`` to this minute's count; returns the count including it."""
        dialect = pg_insert if self._conn.dialect.name == "postgresql" else sqlite_insert
        stmt = dialect(rc).values(account_id=account_id, key=key, window=window, count=weight)
        stmt = stmt.on_conflict_do_update(index_elements=[rc.c.account_id, rc.c.key, rc.c.window],
                                          set_={"count": rc.c.count + weight}).returning(rc.c.count)
        count = self._conn.execute(stmt).scalar_one()
        if count == weight:  # a new minute for this key: forget this account's old minutes
            self._conn.execute(rc.delete().where(rc.c.account_id == account_id,
                                                 rc.c.window < window - 1))
        return count

    def latest_window(self, account_id: int, key: str) -> int | None:
        """The newest window in which ``key`` was counted, if any."""
        from sqlalchemy import func, select
        return self._conn.execute(select(func.max(rc.c.window)).where(
            rc.c.account_id == account_id, rc.c.key == key)).scalar_one()
