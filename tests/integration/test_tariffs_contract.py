"""The TariffRepository contract, run against the in-memory fake and both SQL stores."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from service.persistence.uow import SqlUnitOfWorkFactory
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, make_account

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["fake", *STORES])
def uow_factory(request):
    if request.param == "fake":
        yield FakeUnitOfWorkFactory()
        return
    engine = migrated(store_url(request, request.param))
    yield SqlUnitOfWorkFactory(engine, FixedClock(NOW))
    engine.dispose()


def save(uow_factory, name, prices, currency="RUB", default="1.5", now=NOW):
    with uow_factory(write=True) as uow:
        saved = uow.tariffs.save(name, currency, Decimal(default),
                                 {k: Decimal(v) for k, v in prices.items()}, now)
        uow.commit()
    return saved


def test_a_tariff_round_trips_with_exact_prices(uow_factory):
    saved = save(uow_factory, "vip", {"7": "0.1234", "7495": "0.05", "44": "0"})
    assert (saved.name, saved.currency, saved.default_price, saved.version,
            saved.price_count) == ("vip", "RUB", Decimal("1.5"), 1, 3)
    assert saved.updated_at == NOW
    with uow_factory() as uow:
        assert uow.tariffs.get(saved.id) == saved == uow.tariffs.get_by_name("vip")
        assert uow.tariffs.prices(saved.id) == {"7": Decimal("0.1234"), "7495": Decimal("0.05"),
                                                "44": Decimal("0")}
        assert uow.tariffs.version(saved.id) == 1
        assert uow.tariffs.get_by_name("nope") is None and uow.tariffs.get(saved.id + 99) is None
        assert uow.tariffs.version(saved.id + 99) is None


def test_saving_again_replaces_every_price_and_bumps_the_version(uow_factory):
    first = save(uow_factory, "vip", {"7": "1", "8": "2"})
    later = NOW + timedelta(hours=1)
    again = save(uow_factory, "vip", {"9": "3"}, currency="EUR", default="0.5", now=later)
    assert again.id == first.id and again.version == 2 and again.price_count == 1
    assert (again.currency, again.default_price, again.updated_at) == ("EUR", Decimal("0.5"), later)
    with uow_factory() as uow:
        assert uow.tariffs.prices(first.id) == {"9": Decimal("3")}


def test_an_uncommitted_import_leaves_the_old_list(uow_factory):
    first = save(uow_factory, "vip", {"7": "1"})
    with uow_factory(write=True) as uow:
        uow.tariffs.save("vip", "RUB", Decimal("1"), {"8": Decimal("2")}, NOW)
    with uow_factory() as uow:
        assert uow.tariffs.prices(first.id) == {"7": Decimal("1")}
        assert uow.tariffs.version(first.id) == 1


def test_list_is_by_name_with_counts(uow_factory):
    save(uow_factory, "b", {"7": "1", "8": "1"})
    save(uow_factory, "a", {})
    with uow_factory() as uow:
        assert [(t.name, t.price_count) for t in uow.tariffs.all()] == [("a", 0), ("b", 2)]


def test_assign_users_and_delete(uow_factory):
    vip = save(uow_factory, "vip", {"7": "1"})
    with uow_factory(write=True) as uow:
        alice = uow.accounts.add(make_account("alice"))
        bob = uow.accounts.add(make_account("bob"))
        uow.tariffs.assign(bob.id, vip.id)
        uow.tariffs.assign(alice.id, vip.id)
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.tariffs.users(vip.id) == ["alice", "bob"]
        assert uow.accounts.get_by_login("alice").tariff_id == vip.id
        uow.tariffs.assign(alice.id, None)
        uow.tariffs.assign(bob.id, None)
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.accounts.get(alice.id).tariff_id is None and uow.tariffs.users(vip.id) == []
        uow.tariffs.delete(vip.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.tariffs.get(vip.id) is None and uow.tariffs.prices(vip.id) == {}


def test_updating_an_accounts_settings_keeps_its_tariff(uow_factory):
    vip = save(uow_factory, "vip", {"7": "1"})
    with uow_factory(write=True) as uow:
        alice = uow.accounts.add(make_account("alice"))
        uow.tariffs.assign(alice.id, vip.id)
        uow.commit()
    with uow_factory(write=True) as uow:
        account = uow.accounts.get(alice.id)
        account.blocked = True
        uow.accounts.update(account)
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.get(alice.id).tariff_id == vip.id
