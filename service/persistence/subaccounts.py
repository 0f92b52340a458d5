"""SQL implementation of the sub-clients' port: parent links, spend counters, totals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Sequence

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..app.accounts.ledger import Refund
from ..app.subaccounts.funding import route_refunds as funding_route_refunds
from ..app.subaccounts.ports import SubAccountTotals
from ..domain.subaccounts import BalanceMode, SubAccount
from .tables import accounts, messages, messages_archive, sub_account_spend, sub_accounts

s, sp = sub_accounts, sub_account_spend

_GET = select(s, accounts.c.login, accounts.c.blocked, accounts.c.balance).join(
    accounts, accounts.c.id == s.c.account_id).where(s.c.account_id == bindparam("aid"))
_SPEND = (update(sp).where(sp.c.account_id == bindparam("aid"), sp.c.period == bindparam("b_period"),
                           sp.c.start == bindparam("b_start"),
                           sp.c.spent + bindparam("amount", type_=sp.c.spent.type)
                           <= bindparam("cap", type_=sp.c.spent.type))
          .values(spent=sp.c.spent + bindparam("amount", type_=sp.c.spent.type))
          .returning(sp.c.spent))
_SPENT = select(sp.c.spent).where(sp.c.account_id == bindparam("aid"),
                                  sp.c.period == bindparam("b_period"),
                                  sp.c.start == bindparam("b_start"))


def _from_row(row) -> SubAccount:
    return SubAccount(account_id=row.account_id, parent_id=row.parent_id, login=row.login,
                      balance_mode=BalanceMode(row.balance_mode), daily_cap=row.daily_cap,
                      monthly_cap=row.monthly_cap, created_at=row.created_at,
                      deleted_at=row.deleted_at, blocked=row.blocked, balance=row.balance)


class SqlSubAccountRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, sub: SubAccount) -> None:
        self._conn.execute(insert(s).values(
            account_id=sub.account_id, parent_id=sub.parent_id,
            balance_mode=sub.balance_mode.value, daily_cap=sub.daily_cap,
            monthly_cap=sub.monthly_cap, created_at=sub.created_at, deleted_at=sub.deleted_at))

    def get(self, account_id: int) -> SubAccount | None:
        row = self._conn.execute(_GET, {"aid": account_id}).first()
        return _from_row(row) if row else None

    def of_parent(self, parent_id: int) -> list[SubAccount]:
        rows = self._conn.execute(
            select(s, accounts.c.login, accounts.c.blocked, accounts.c.balance)
            .join(accounts, accounts.c.id == s.c.account_id)
            .where(s.c.parent_id == parent_id, s.c.deleted_at.is_(None))
            .order_by(accounts.c.login))
        return [_from_row(r) for r in rows]

    def has_children(self, account_id: int) -> bool:
        return self._conn.execute(select(s.c.account_id).where(s.c.parent_id == account_id)
                                  .limit(1)).first() is not None

    def update(self, sub: SubAccount) -> None:
        self._conn.execute(update(s).where(s.c.account_id == sub.account_id).values(
            daily_cap=sub.daily_cap, monthly_cap=sub.monthly_cap, deleted_at=sub.deleted_at))

    def spend(self, account_id: int, period: str, start: date, amount: Decimal,
              cap: Decimal) -> Decimal | None:
        if amount > cap:
            return None
        args = {"aid": account_id, "b_period": period, "b_start": start, "amount": amount, "cap": cap}
        spent = self._conn.execute(_SPEND, args).scalar_one_or_none()
        if spent is not None:
            return spent
        if self._conn.execute(_SPENT, args).first() is not None:
            return None  # the window's row exists: the cap refused this amount
        # The window's first spend: create its row (a concurrent first spend may win the
        # insert; ours then fails on the key and waits for theirs), then spend on it.
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(sp).values(account_id=account_id, period=period,
                                                     start=start, spent=Decimal("0")))
        except IntegrityError:
            pass
        return self._conn.execute(_SPEND, args).scalar_one_or_none()

    def spent(self, account_id: int, period: str, start: date) -> Decimal:
        value = self._conn.execute(_SPENT, {"aid": account_id, "b_period": period,
                                            "b_start": start}).scalar_one_or_none()
        return value if value is not None else Decimal("0")

    def totals(self, parent_id: int, since: datetime | None,
               until: datetime | None) -> list[SubAccountTotals]:
        subs = self.of_parent(parent_id)
        sums = {sub.account_id: [0, 0, Decimal("0")] for sub in subs}
        # hot and archived messages alike (docs/retention.md); purged ones are gone
        for table in (messages, messages_archive):
            where = [table.c.account_id.in_(list(sums))]
            if since is not None:
                where.append(table.c.created_at >= since)
            if until is not None:
                where.append(table.c.created_at < until)
            if not sums:
                break
            for account_id, n, seg, cost in self._conn.execute(
                    select(table.c.account_id, func.count(), func.coalesce(
                        func.sum(table.c.segments), 0), func.sum(table.c.cost))
                    .where(*where).group_by(table.c.account_id)):
                total = sums[account_id]
                total[0] += int(n)
                total[1] += int(seg)
                total[2] += cost if cost is not None else Decimal("0")
        return [SubAccountTotals(sub.login, *sums[sub.account_id]) for sub in subs]


def route_refunds(conn: Connection, refunds: Sequence[Refund]) -> list[Refund]:
    """Refunds with a parent-mode sub-client's sent back to the parent that paid
    (app/subaccounts/funding.py route_refunds)."""
    ids = list({r.account_id for r in refunds})
    if not ids:
        return list(refunds)
    parents = {row.account_id: (row.parent_id, row.login) for row in conn.execute(
        select(s.c.account_id, s.c.parent_id, accounts.c.login)
        .join(accounts, accounts.c.id == s.c.account_id)
        .where(s.c.account_id.in_(ids), s.c.balance_mode == BalanceMode.PARENT.value))}
    return funding_route_refunds(refunds, parents)
