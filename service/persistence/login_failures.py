"""The login guard's failure counts in the database, so every web node sees the same locks.

Counting is one upsert per row (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``): the row
lock serialises concurrent failures, so none is lost and exactly one reaches a threshold.
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, case, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from ..app.access.ports import FailureRecord
from .tables import login_failures as lf

_STANDING = select(lf).where(or_(
    and_(lf.c.login == bindparam("login"), lf.c.address.in_([bindparam("address"), ""])),
    and_(lf.c.login == "", lf.c.address == bindparam("address"))))
_ADDRESS_ONLY = select(lf).where(lf.c.login == "", lf.c.address == bindparam("address"))


def _record(row) -> FailureRecord:
    return FailureRecord(row.login, row.address, row.failures, row.strikes, row.blocked_until,
                         row.last_success)


class SqlLoginFailures:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _insert(self):
        return (pg_insert if self._conn.dialect.name == "postgresql" else sqlite_insert)(lf)

    def standing(self, login: str | None, address: str) -> list[FailureRecord]:
        if login is None:
            rows = self._conn.execute(_ADDRESS_ONLY, {"address": address})
        else:
            rows = self._conn.execute(_STANDING, {"login": login, "address": address})
        return [_record(r) for r in rows]

    def record(self, login: str, address: str, now: int, window_seconds: int,
               forget_seconds: int) -> FailureRecord:
        new_window = lf.c.window_start <= now - window_seconds
        quiet = and_(lf.c.last_failure <= now - forget_seconds,
                     or_(lf.c.blocked_until.is_(None), lf.c.blocked_until <= now - forget_seconds))
        stmt = self._insert().values(login=login, address=address, failures=1, window_start=now,
                                     strikes=0, last_failure=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[lf.c.login, lf.c.address],
            set_={"failures": case((new_window, 1), else_=lf.c.failures + 1),
                  "window_start": case((new_window, now), else_=lf.c.window_start),
                  "strikes": case((quiet, 0), else_=lf.c.strikes),
                  "last_failure": now}).returning(*lf.c)
        record = _record(self._conn.execute(stmt).one())
        if record.failures == 1:  # a new window here: a good moment to drop stale rows
            self._conn.execute(delete(lf).where(
                lf.c.last_failure < now - forget_seconds - window_seconds,
                or_(lf.c.blocked_until.is_(None), lf.c.blocked_until < now),
                lf.c.last_success.is_(None)))
        return record

    def block(self, login: str, address: str, until: int, now: int) -> None:
        self._conn.execute(update(lf).where(lf.c.login == login, lf.c.address == address)
                           .values(blocked_until=until, strikes=lf.c.strikes + 1, failures=0,
                                   window_start=now))

    def succeeded(self, login: str, address: str, now: int) -> None:
        stmt = self._insert().values(login=login, address=address, failures=0, window_start=0,
                                     strikes=0, last_failure=0, last_success=now)
        self._conn.execute(stmt.on_conflict_do_update(
            index_elements=[lf.c.login, lf.c.address],
            set_={"failures": 0, "strikes": 0, "blocked_until": None, "last_success": now}))

    def blocked(self, now: int) -> list[FailureRecord]:
        rows = self._conn.execute(select(lf).where(lf.c.blocked_until > now)
                                  .order_by(lf.c.blocked_until.desc()))
        return [_record(r) for r in rows]

    def lift(self, subject: str) -> int:
        if not subject:
            return 0
        return self._conn.execute(delete(lf).where(
            or_(lf.c.login == subject, lf.c.address == subject))).rowcount
