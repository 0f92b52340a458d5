"""Stored tariffs and their prices per destination prefix."""

from __future__ import annotations

from sqlalchemy import (Column, ForeignKey, Integer, String, Table)

from ..types import Money, UtcDateTime
from .base import Id, metadata

# Named price lists (docs/tariffs.md): a default price, and a price per destination prefix.
# ``version`` grows on every re-import; processes cache a tariff's prices by (id, version).
tariffs = Table(
    "tariffs", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    Column("default_price", Money(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

tariff_prices = Table(
    "tariff_prices", metadata,
    Column("tariff_id", Id, ForeignKey("tariffs.id", ondelete="CASCADE"), primary_key=True),
    Column("prefix", String(15), primary_key=True),
    Column("price", Money(), nullable=False),
)
