"""Which price list prices an account's messages, and the operator's tariff administration.

``TariffResolver.for_account`` is the ONE place that decides a price list: every door that
prices (send, quote/GetSmsCost, smsc's ``cost``, OMS, mailings) reaches it through the sending
and mailing use cases. An account with a tariff pays that tariff; every other account pays the
gateway's default (``SMSGW_TARIFF``: a prefix spec as before, or the name of a stored tariff).

A stored tariff may hold many thousands of prefixes, so a send never loads them: the resolver
reads the tariff's version (one indexed row) in the request's transaction and keeps the built
price list in-process, keyed by (tariff id, version). A re-import bumps the version, so every
process prices with the new list from its next request on.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal

from ...domain.account import Account
from ...domain.clock import Clock, SystemClock
from ...domain.errors import ConstraintViolation, NotFound, SmsgwError
from ...domain.money import parse_currency
from ...domain.pricing import Tariff
from ...domain.tariffs import (StoredTariff, parse_price, parse_price_list, price_places,
                               validate_tariff_name)
from ..subaccounts.funding import parent_tariff
from ..uow import UnitOfWork, UnitOfWorkFactory


class CurrencyMismatch(ConstraintViolation):
    """An account and its tariff must share a currency."""

    def __init__(self, tariff: str, tariff_currency: str, logins: list[str],
                 account_currency: str) -> None:
        who = ", ".join(logins)
        super().__init__(
            "tariff", f"tariff {tariff} is priced in {tariff_currency} but account(s) {who} keep "
            f"their balance in {account_currency}: an account and its tariff must share a "
            "currency")


class TariffInUse(ConstraintViolation):
    """A tariff that accounts (or the gateway's default) still use cannot be deleted."""

    def __init__(self, tariff: str, users: list[str]) -> None:
        super().__init__("tariff", f"tariff {tariff} is in use by {', '.join(users)}; "
                         "move them to another tariff first")
        self.users = users


class DefaultTariffMissing(SmsgwError):
    """SMSGW_TARIFF names a stored tariff that does not exist (a configuration error)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"SMSGW_TARIFF names tariff {name!r}, which does not exist: "
                         f"import it with `smsgw tariff import {name} FILE.csv`")


class TariffResolver:
    """Resolves the price list of an account; holds the in-process cache of stored tariffs.

    ``default`` prices accounts without a tariff; ``default_name`` (SMSGW_TARIFF naming a
    stored tariff) replaces it when set.
    """

    def __init__(self, default: Tariff, default_name: str | None = None,
                 cache_size: int = 32) -> None:
        self._default = default
        self.default_name = default_name
        # tariff id -> (version, name, currency, price list); least recently used first
        self._cache: OrderedDict[int, tuple[int, str, str, Tariff]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def for_account(self, uow: UnitOfWork, account: Account) -> Tariff:
        """The price list ``account`` pays: its own tariff, else (a sub-client) its parent's,
        else the gateway's default."""
        if account.tariff_id is not None:
            return self._stored(uow, account.tariff_id, account)
        inherited = parent_tariff(uow, account)
        if inherited is not None:
            return self._stored(uow, inherited, account)
        if self.default_name is None:
            return self._default
        stored = uow.tariffs.get_by_name(self.default_name)
        if stored is None or stored.id is None:
            raise DefaultTariffMissing(self.default_name)
        return self._stored(uow, stored.id, account)

    def _stored(self, uow: UnitOfWork, tariff_id: int, account: Account) -> Tariff:
        version = uow.tariffs.version(tariff_id)
        with self._lock:
            hit = self._cache.get(tariff_id)
            if hit is not None and hit[0] == version:
                self._cache.move_to_end(tariff_id)
        if hit is None or hit[0] != version:
            loaded = self._load(uow, tariff_id)
            if loaded is None:  # deleted under us: an account cannot point at a missing one
                return self._default
            hit = loaded
        _version, name, currency, tariff = hit
        if currency != account.currency:
            raise CurrencyMismatch(name, currency, [account.login], account.currency)
        return tariff

    def _load(self, uow: UnitOfWork, tariff_id: int) -> tuple[int, str, str, Tariff] | None:
        """Read the tariff and its prices. Under READ COMMITTED (PostgreSQL) a re-import may
        commit between the two reads; the version read after them says so, and then the
        reads are repeated, so a default price and prices of different versions never mix."""
        for _attempt in range(5):
            stored = uow.tariffs.get(tariff_id)
            if stored is None:
                return None
            loaded = (stored.version, stored.name, stored.currency,
                      Tariff(stored.default_price, uow.tariffs.prices(tariff_id)))
            if uow.tariffs.version(tariff_id) == stored.version:
                with self._lock:
                    self._cache[tariff_id] = loaded
                    self._cache.move_to_end(tariff_id)
                    while len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
                return loaded
        raise SmsgwError("the tariff is being re-imported too often to read; try again")


@dataclass(frozen=True)
class TariffDetails:
    tariff: StoredTariff
    prices: dict[str, Decimal]
    users: list[str]


class TariffService:
    """The operator's tariff administration (CLI): import, list, show, delete, assign."""

    def __init__(self, uow_factory: UnitOfWorkFactory, resolver: TariffResolver,
                 default_currency: str = "RUB", default_price: str = "1.00",
                 clock: Clock | None = None) -> None:
        self._uow = uow_factory
        self._resolver = resolver
        self._currency = default_currency
        self._default_price = default_price
        self._clock = clock or SystemClock()

    def import_csv(self, name: str, data: bytes, currency: str | None = None,
                   default_price: str | None = None) -> StoredTariff:
        """Create tariff ``name`` from a CSV file of ``prefix,price`` lines, or replace ALL
        its prices at once. The currency and default price default to the tariff's own (on
        a re-import), else the gateway's (SMSGW_CURRENCY, SMSGW_DEFAULT_PRICE). Raises
        TariffFileInvalid naming every bad line (nothing changes), or CurrencyMismatch when
        accounts of another currency use the tariff."""
        name = validate_tariff_name(name)
        with self._uow(write=True) as uow:
            existing = uow.tariffs.get_by_name(name)
            code = parse_currency(currency or (existing.currency if existing else self._currency))
            prices = parse_price_list(data, code)
            given = default_price if default_price is not None else (
                str(existing.default_price.normalize()) if existing and existing.currency == code
                else self._default_price)
            default, why = parse_price(given, price_places(code), "default price")
            if default is None:
                raise ConstraintViolation("default_price", f"{why} (set it with --default-price)")
            if existing is not None and existing.id is not None and existing.currency != code:
                self._check_users_currency(uow, name, existing.id, code)
            saved = uow.tariffs.save(name, code, default, prices, self._clock.now())
            uow.commit()
        return saved

    def all(self) -> list[StoredTariff]:
        with self._uow() as uow:
            return uow.tariffs.all()

    def show(self, name: str) -> TariffDetails:
        with self._uow() as uow:
            stored = self._get(uow, name)
            assert stored.id is not None
            return TariffDetails(stored, uow.tariffs.prices(stored.id), uow.tariffs.users(stored.id))

    def delete(self, name: str) -> None:
        """Delete a tariff no account uses (TariffInUse names the accounts that do)."""
        with self._uow(write=True) as uow:
            stored = self._get(uow, name)
            assert stored.id is not None
            users = uow.tariffs.users(stored.id)
            if self._resolver.default_name == stored.name:
                users = ["the gateway's default (SMSGW_TARIFF)", *users]
            if users:
                raise TariffInUse(stored.name, users)
            uow.tariffs.delete(stored.id)
            uow.commit()

    def assign(self, login: str, name: str) -> StoredTariff | None:
        """Price ``login`` with tariff ``name``; ``""`` returns it to the gateway's default.
        Raises CurrencyMismatch unless the account and the tariff share a currency."""
        with self._uow(write=True) as uow:
            account = uow.accounts.get_by_login(login)
            if account is None:
                raise NotFound("account", login)
            stored = self._get(uow, name) if name else None
            if stored is not None and stored.currency != account.currency:
                raise CurrencyMismatch(stored.name, stored.currency, [account.login],
                                       account.currency)
            uow.tariffs.assign(account.stored_id, stored.id if stored else None)
            uow.commit()
        return stored

    def name_of(self, account: Account) -> str | None:
        """The name of the account's own tariff (None: the gateway's default)."""
        if account.tariff_id is None:
            return None
        with self._uow() as uow:
            stored = uow.tariffs.get(account.tariff_id)
        return stored.name if stored else None

    @staticmethod
    def _check_users_currency(uow: UnitOfWork, name: str, tariff_id: int, code: str) -> None:
        users = uow.tariffs.users(tariff_id)
        if users:
            currencies = {}
            for login in users:
                account = uow.accounts.get_by_login(login)
                if account is not None and account.currency != code:
                    currencies[login] = account.currency
            if currencies:
                first = next(iter(currencies.values()))
                raise CurrencyMismatch(name, code, sorted(currencies), first)

    @staticmethod
    def _get(uow: UnitOfWork, name: str) -> StoredTariff:
        stored = uow.tariffs.get_by_name(validate_tariff_name(name))
        if stored is None:
            raise NotFound("tariff", name)
        return stored
