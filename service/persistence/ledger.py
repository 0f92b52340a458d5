"""SQL implementation of the ledger port (app/accounts/ports.py LedgerRepository), and the
bulk refund the delivery store makes through it.

Entries are appended with one INSERT (an executemany for many). Money columns use the Money
type, so SQLite's ten-thousandths and PostgreSQL's NUMERIC(18,4) read back the same Decimals.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Sequence

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from ..app.accounts.ledger import Refund, refund_entries, refunds_by_account
from ..app.accounts.ports import LedgerTotals
from ..app.results import Page
from ..domain.ledger import LedgerEntry, Reason, RefKind, Reference
from .tables import accounts, ledger_entries as le
from .types import Money

_INSERT = insert(le)
_REFUND = (update(accounts).where(accounts.c.id == bindparam("account_id"))
           .values(balance=accounts.c.balance + bindparam("amount", type_=Money()))
           .returning(accounts.c.balance))


def _row(e: LedgerEntry) -> dict:
    return {"account_id": e.account_id, "amount": e.amount, "balance_after": e.balance_after,
            "reason": e.reason.value, "ref_kind": e.reference.kind.value if e.reference else None,
            "ref_id": e.reference.id if e.reference else None, "note": e.note,
            "actor": e.actor, "created_at": e.created_at}


def _entry(row) -> LedgerEntry:
    reference = None
    if row.ref_kind is not None:
        reference = Reference(RefKind(row.ref_kind), row.ref_id or "")
    return LedgerEntry(account_id=row.account_id, amount=row.amount,
                       balance_after=row.balance_after, reason=Reason(row.reason),
                       actor=row.actor, created_at=row.created_at, reference=reference,
                       note=row.note, id=row.id)


class SqlLedgerRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, entries: Sequence[LedgerEntry]) -> None:
        if entries:
            self._conn.execute(_INSERT, [_row(e) for e in entries])

    def page(self, account_id: int, since: datetime | None, until: datetime | None,
             offset: int, limit: int) -> Page[LedgerEntry]:
        conditions = [le.c.account_id == account_id]
        if since is not None:
            conditions.append(le.c.created_at >= since)
        if until is not None:
            conditions.append(le.c.created_at < until)
        where = and_(*conditions)
        total = self._conn.execute(select(func.count()).select_from(le).where(where)).scalar_one()
        rows = self._conn.execute(select(le).where(where).order_by(le.c.id.desc())
                                  .offset(offset).limit(limit)) if total > offset else []
        return Page(total, [_entry(r) for r in rows])

    def totals(self) -> list[LedgerTotals]:
        sums = (select(le.c.account_id, func.sum(le.c.amount, type_=Money()).label("total"),
                       func.count().label("entries"), func.max(le.c.id).label("last_id"))
                .group_by(le.c.account_id).subquery())
        last = le.alias("last")
        rows = self._conn.execute(
            select(accounts.c.id, accounts.c.login, accounts.c.balance, sums.c.total,
                   sums.c.entries, last.c.balance_after)
            .select_from(accounts.outerjoin(sums, sums.c.account_id == accounts.c.id)
                         .outerjoin(last, last.c.id == sums.c.last_id))
            .order_by(accounts.c.id))
        # sum() is typed Money: SQLite's integer of ten-thousandths reads back as a Decimal.
        return [LedgerTotals(account_id=r.id, login=r.login, balance=r.balance,
                             total=r.total if r.total is not None else Decimal("0.0000"),
                             entries=r.entries or 0, last_balance_after=r.balance_after)
                for r in rows]


def refund(conn: Connection, refunds: Sequence[Refund], actor: str, now: datetime) -> None:
    """Give back the cost of messages that will not be sent: each account's total in one
    UPDATE (accounts in id order), then every message's own entry in one INSERT
    (app/accounts/ledger.py refund_entries says what the entries hold)."""
    entries: list[LedgerEntry] = []
    for account_id, items in refunds_by_account(refunds).items():
        total = sum((r.cost for r in items), Decimal("0"))
        final = conn.execute(_REFUND, {"account_id": account_id, "amount": total}).scalar_one()
        entries += refund_entries(items, final, actor, now)
    SqlLedgerRepository(conn).add(entries)
