"""Column types that keep money exact and time in UTC on every backend.

PostgreSQL stores money as NUMERIC(18,4). SQLite has no decimal type (NUMERIC columns hold
floats), so there money is an INTEGER of ten-thousandths. The guarded debit
``balance = balance - :cost WHERE balance >= :cost`` then stays exact integer arithmetic.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.types import TypeDecorator

SCALE = 10_000
QUANTUM = Decimal("0.0001")


class Money(TypeDecorator):
    impl = Numeric(18, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 4, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value).quantize(QUANTUM)
        if dialect.name == "sqlite":
            return int(value * SCALE)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / SCALE).quantize(QUANTUM)
        return Decimal(value).quantize(QUANTUM)


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC in Python; naive UTC in SQLite, timestamptz in PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
