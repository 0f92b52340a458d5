"""The SQL TariffRepository: named price lists and their prefixes (app/pricing/ports.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from ..domain.tariffs import StoredTariff
from .tables import accounts, tariff_prices, tariffs

_COUNTS = (select(tariff_prices.c.tariff_id, func.count().label("n"))
           .group_by(tariff_prices.c.tariff_id).subquery())
_WITH_COUNT = (select(tariffs, func.coalesce(_COUNTS.c.n, 0).label("price_count"))
               .select_from(tariffs.outerjoin(_COUNTS, _COUNTS.c.tariff_id == tariffs.c.id)))
# On the send path (once per request for an account with a tariff): built once.
_VERSION = select(tariffs.c.version).where(tariffs.c.id == bindparam("tariff_id"))
_CHUNK = 5000


def _tariff(row) -> StoredTariff:
    return StoredTariff(id=row.id, name=row.name, currency=row.currency,
                        default_price=row.default_price, version=row.version,
                        updated_at=row.updated_at, price_count=row.price_count)


class SqlTariffRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, tariff_id: int) -> StoredTariff | None:
        row = self._conn.execute(_WITH_COUNT.where(tariffs.c.id == tariff_id)).first()
        return _tariff(row) if row else None

    def get_by_name(self, name: str) -> StoredTariff | None:
        row = self._conn.execute(_WITH_COUNT.where(tariffs.c.name == name)).first()
        return _tariff(row) if row else None

    def all(self) -> list[StoredTariff]:
        return [_tariff(r) for r in self._conn.execute(_WITH_COUNT.order_by(tariffs.c.name))]

    def version(self, tariff_id: int) -> int | None:
        return self._conn.execute(_VERSION, {"tariff_id": tariff_id}).scalar_one_or_none()

    def prices(self, tariff_id: int) -> dict[str, Decimal]:
        rows = self._conn.execute(select(tariff_prices.c.prefix, tariff_prices.c.price)
                                  .where(tariff_prices.c.tariff_id == tariff_id))
        return {r.prefix: r.price for r in rows}

    def save(self, name: str, currency: str, default_price: Decimal,
             prices: dict[str, Decimal], now: datetime) -> StoredTariff:
        # Lock the row (PostgreSQL) so two re-imports of one tariff serialise; SQLite's write
        # transaction already holds the one write lock.
        row = self._conn.execute(select(tariffs.c.id).where(tariffs.c.name == name)
                                 .with_for_update()).first()
        values = dict(currency=currency, default_price=default_price, updated_at=now)
        if row is None:
            tariff_id = self._conn.execute(insert(tariffs).values(name=name, version=1, **values)
                                           .returning(tariffs.c.id)).scalar_one()
        else:
            tariff_id = row.id
            self._conn.execute(update(tariffs).where(tariffs.c.id == tariff_id)
                               .values(version=tariffs.c.version + 1, **values))
            self._conn.execute(delete(tariff_prices).where(tariff_prices.c.tariff_id == tariff_id))
        rows = [{"tariff_id": tariff_id, "prefix": p, "price": v} for p, v in prices.items()]
        for start in range(0, len(rows), _CHUNK):
            self._conn.execute(insert(tariff_prices), rows[start:start + _CHUNK])
        saved = self.get(tariff_id)
        assert saved is not None
        return saved

    def delete(self, tariff_id: int) -> None:
        self._conn.execute(delete(tariff_prices).where(tariff_prices.c.tariff_id == tariff_id))
        self._conn.execute(delete(tariffs).where(tariffs.c.id == tariff_id))

    def users(self, tariff_id: int) -> list[str]:
        return list(self._conn.execute(select(accounts.c.login).where(
            accounts.c.tariff_id == tariff_id).order_by(accounts.c.login)).scalars())

    def assign(self, account_id: int, tariff_id: int | None) -> None:
        self._conn.execute(update(accounts).where(accounts.c.id == account_id)
                           .values(tariff_id=tariff_id))
