"""Sending limits in SQL: the account's own limits, its recent sends, its day/month counts.

The counts are one row per account and period; ``reserve`` adds with a guarded UPDATE
(``count + n <= limit``), so the total never passes the limit even without the per-account
lock, and a new period's row starts from the messages already stored in it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import and_, or_, bindparam, delete, func, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from ..domain.limits import Flood, Limits, Period, QuietHours, Sent
from .tables import account_limits as al, limit_counters as lc, messages as m
from .tables import recent_sends as rs

_REFUSED = ("INVALID_NUMBER", "BANNED")
_CHUNK = 500
_LOCK_CLASS = 7315  # pg_advisory_xact_lock's first key: "sending limits"


class SqlLimitStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, account_id: int) -> Limits | None:
        row = self._conn.execute(select(al).where(al.c.account_id == account_id)).first()
        if row is None:
            return None
        return Limits(
            per_day=row.per_day, per_month=row.per_month,
            flood=None if row.flood_count is None else Flood(row.flood_count, row.flood_minutes),
            duplicate_minutes=row.duplicate_minutes,
            countries=None if row.countries is None else tuple(
                c for c in row.countries.split(",") if c),
            quiet_hours=None if row.quiet_start is None else QuietHours(row.quiet_start,
                                                                        row.quiet_end))

    def put(self, account_id: int, limits: Limits) -> None:
        values = {
            "per_day": limits.per_day, "per_month": limits.per_month,
            "flood_count": limits.flood.count if limits.flood else None,
            "flood_minutes": limits.flood.minutes if limits.flood else None,
            "duplicate_minutes": limits.duplicate_minutes,
            "countries": None if limits.countries is None else ",".join(limits.countries),
            "quiet_start": limits.quiet_hours.start if limits.quiet_hours else None,
            "quiet_end": limits.quiet_hours.end if limits.quiet_hours else None}
        if self._conn.execute(update(al).where(al.c.account_id == account_id)
                              .values(**values)).rowcount == 0:
            self._conn.execute(insert(al).values(account_id=account_id, **values))
        self._conn.execute(delete(rs).where(rs.c.account_id == account_id))

    def serialize(self, account_id: int) -> None:
        if self._conn.dialect.name == "postgresql":
            self._conn.execute(text("SELECT pg_advisory_xact_lock(:c, CAST(:k AS integer))"),
                               {"c": _LOCK_CLASS, "k": account_id % 2147483647})

    def recent(self, account_id: int, recipients: Sequence[str], since: datetime) -> list[Sent]:
        out: list[Sent] = []
        for start in range(0, len(recipients), _CHUNK):
            rows = self._conn.execute(
                select(rs.c.recipient, rs.c.digest, rs.c.created_at).where(
                    rs.c.account_id == account_id,
                    rs.c.recipient.in_(list(recipients[start:start + _CHUNK])),
                    rs.c.created_at >= since))
            out.extend(Sent(r.recipient, r.digest, r.created_at) for r in rows)
        return out

    def remember(self, account_id: int, sends: Sequence[Sent], forget_before: datetime) -> None:
        self._conn.execute(delete(rs).where(rs.c.account_id == account_id,
                                            rs.c.created_at < forget_before))
        if sends:
            self._conn.execute(insert(rs), [
                {"account_id": account_id, "recipient": s.recipient, "digest": s.text,
                 "created_at": s.at} for s in sends])

    def reserve(self, account_id: int, period: Period, count: int, limit: int) -> int | None:
        total = self._add(account_id, period, count, limit)
        if total is None and self._count(account_id, period) is None:
            self._start(account_id, period)
            total = self._add(account_id, period, count, limit)
        return total

    def used(self, account_id: int, period: Period) -> int:
        return self._count(account_id, period) or 0

    def _add(self, account_id: int, period: Period, count: int, limit: int) -> int | None:
        row = self._conn.execute(
            update(lc).where(lc.c.account_id == account_id, lc.c.period == period.key,
                             lc.c.count + count <= limit)
            .values(count=lc.c.count + count).returning(lc.c.count)).first()
        return None if row is None else int(row[0])

    def _count(self, account_id: int, period: Period) -> int | None:
        return self._conn.execute(select(lc.c.count).where(
            lc.c.account_id == account_id, lc.c.period == period.key)).scalar_one_or_none()

    def _start(self, account_id: int, period: Period) -> None:
        """A period's first count: the accepted messages already stored in it; the
        account's ended periods are forgotten."""
        stored = select(literal(account_id), literal(period.key),
                        bindparam("ends", period.end, type_=lc.c.ends_at.type),
                        func.count()).where(and_(
                            m.c.account_id == account_id, m.c.created_at >= period.start,
                            m.c.created_at < period.end, m.c.status.not_in(_REFUSED),
                            # a starting mailing's held messages are counted when it starts
                            or_(m.c.submit_state.is_(None), m.c.submit_state != "held")))
        dialect = pg_insert if self._conn.dialect.name == "postgresql" else sqlite_insert
        self._conn.execute(dialect(lc).from_select(
            ["account_id", "period", "ends_at", "count"], stored).on_conflict_do_nothing())
        self._conn.execute(delete(lc).where(lc.c.account_id == account_id,
                                            lc.c.ends_at <= period.start))
