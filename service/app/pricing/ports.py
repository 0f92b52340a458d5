"""Ports of the pricing capability: stored tariffs and their prices.

Reached through the unit of work (``uow.tariffs``); nothing changes until it commits.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol

from ...domain.tariffs import StoredTariff


class TariffRepository(Protocol):
    def get(self, tariff_id: int) -> StoredTariff | None:
        """The tariff with this id (``price_count`` filled in), or None."""

    def get_by_name(self, name: str) -> StoredTariff | None:
        """The tariff with this name (``price_count`` filled in), or None."""

    def all(self) -> list[StoredTariff]:
        """Every tariff, by name, each with its ``price_count``."""

    def version(self, tariff_id: int) -> int | None:
        """The tariff's current version (one indexed read, for caches), or None if it is gone."""

    def prices(self, tariff_id: int) -> dict[str, Decimal]:
        """Every prefix of the tariff and its price per segment."""

    def save(self, name: str, currency: str, default_price: Decimal,
             prices: dict[str, Decimal], now: datetime) -> StoredTariff:
        """Create the tariff, or replace the currency, default price and EVERY price of an
        existing one (its version grows by one). The caller's transaction makes it atomic."""

    def delete(self, tariff_id: int) -> None:
        """Remove the tariff and its prices (the caller has checked no account uses it)."""

    def users(self, tariff_id: int) -> list[str]:
        """The logins of the accounts priced by this tariff, sorted."""

    def assign(self, account_id: int, tariff_id: int | None) -> None:
        """Price the account with this tariff (None: the gateway's default)."""
