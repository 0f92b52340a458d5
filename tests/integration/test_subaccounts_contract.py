"""The sub-clients' port, run against the in-memory fake and both SQL stores."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from service.domain.subaccounts import BalanceMode, SubAccount
from service.persistence.uow import SqlUnitOfWorkFactory
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, make_account
from tests.integration.test_repositories_contract import message

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
DAY = date(2026, 11, 22)


@pytest.fixture(params=["fake", *STORES])
def uow_factory(request):
    if request.param == "fake":
        yield FakeUnitOfWorkFactory()
        return
    engine = migrated(store_url(request, request.param))
    yield SqlUnitOfWorkFactory(engine, FixedClock(NOW))
    engine.dispose()


def family(uow_factory):
    with uow_factory(write=True) as uow:
        parent = uow.accounts.add(make_account("parent", balance="50"))
        ids = {}
        for login, mode in (("zed", BalanceMode.OWN), ("amy", BalanceMode.PARENT)):
            kid = uow.accounts.add(make_account(login, balance="0"))
            uow.subaccounts.add(SubAccount(kid.id, parent.id, login, mode,
                                           daily_cap=Decimal("2.5") if mode is BalanceMode.PARENT
                                           else None, created_at=NOW))
            ids[login] = kid.id
        uow.commit()
    return parent.id, ids


def test_links_round_trip_and_list_by_login_without_deleted(uow_factory):
    parent, ids = family(uow_factory)
    with uow_factory(write=True) as uow:
        amy = uow.subaccounts.get(ids["amy"])
        assert (amy.parent_id, amy.login, amy.balance_mode, amy.daily_cap, amy.monthly_cap) == (
            parent, "amy", BalanceMode.PARENT, Decimal("2.5"), None)
        assert uow.subaccounts.get(parent) is None
        assert uow.subaccounts.has_children(parent) and not uow.subaccounts.has_children(ids["amy"])
        assert [s.login for s in uow.subaccounts.of_parent(parent)] == ["amy", "zed"]
        assert uow.subaccounts.of_parent(ids["zed"]) == []
        from dataclasses import replace
        uow.subaccounts.update(replace(amy, daily_cap=None, monthly_cap=Decimal("9.9999"),
                                       deleted_at=NOW))
        uow.commit()
    with uow_factory() as uow:
        amy = uow.subaccounts.get(ids["amy"])
        assert amy.daily_cap is None and amy.monthly_cap == Decimal("9.9999")
        assert amy.deleted_at is not None
        assert [s.login for s in uow.subaccounts.of_parent(parent)] == ["zed"]


def test_spend_counts_up_to_the_cap_and_never_past_it(uow_factory):
    _parent, ids = family(uow_factory)
    amy = ids["amy"]
    with uow_factory(write=True) as uow:
        assert uow.subaccounts.spent(amy, "daily", DAY) == 0
        assert uow.subaccounts.spend(amy, "daily", DAY, Decimal("1.5"), Decimal("2.5")) == Decimal("1.5")
        assert uow.subaccounts.spend(amy, "daily", DAY, Decimal("1.0001"), Decimal("2.5")) is None
        assert uow.subaccounts.spend(amy, "daily", DAY, Decimal("1"), Decimal("2.5")) == Decimal("2.5")
        assert uow.subaccounts.spend(amy, "daily", DAY, Decimal("3"), Decimal("2.5")) is None
        # another window, another period: counted apart
        assert uow.subaccounts.spend(amy, "daily", DAY + timedelta(days=1), Decimal("1"),
                                     Decimal("2.5")) == 1
        assert uow.subaccounts.spend(amy, "monthly", DAY.replace(day=1), Decimal("2"),
                                     Decimal("10")) == 2
        uow.commit()
    with uow_factory() as uow:
        assert uow.subaccounts.spent(amy, "daily", DAY) == Decimal("2.5")
        assert uow.subaccounts.spent(amy, "monthly", DAY.replace(day=1)) == 2


def test_a_spend_not_committed_is_not_counted(uow_factory):
    _parent, ids = family(uow_factory)
    with uow_factory(write=True) as uow:
        uow.subaccounts.spend(ids["amy"], "daily", DAY, Decimal("1"), Decimal("2.5"))
    with uow_factory() as uow:
        assert uow.subaccounts.spent(ids["amy"], "daily", DAY) == 0


def test_totals_per_sub_client_in_a_time_range(uow_factory):
    parent, ids = family(uow_factory)
    with uow_factory(write=True) as uow:
        uow.messages.add_many([message(ids["amy"]), message(ids["amy"], cost="0.75"),
                               message(parent)])
        uow.commit()
    with uow_factory() as uow:
        totals = {t.login: (t.messages, t.segments, t.cost)
                  for t in uow.subaccounts.totals(parent, None, None)}
        assert totals == {"amy": (2, 4, Decimal("2.00")), "zed": (0, 0, Decimal("0"))}
        later = uow.subaccounts.totals(parent, NOW + timedelta(seconds=1), None)
        assert [t.messages for t in later] == [0, 0]
        assert [t.messages for t in uow.subaccounts.totals(parent, NOW, NOW + timedelta(1))] == [2, 0]


def test_refunds_of_a_parent_mode_sub_client_credit_the_parent(uow_factory):
    from service.app.delivery.ports import Transition
    from service.domain.status import MessageStatus
    parent, ids = family(uow_factory)
    with uow_factory(write=True) as uow:
        spent = uow.messages.add_many([message(ids["amy"], cost="1.5"),
                                       message(ids["zed"], cost="0.5")])
        uow.commit()
    with uow_factory(write=True) as uow:
        uow.delivery.apply([Transition(i, MessageStatus.EXPIRED, refund=True) for i in spent],
                           NOW)
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.balance(parent) == Decimal("51.5")   # amy's, paid by the parent
        assert uow.accounts.balance(ids["amy"]) == 0
        assert uow.accounts.balance(ids["zed"]) == Decimal("0.5")  # zed paid its own


def test_totals_count_archived_messages_too(uow_factory):
    from service.app.delivery.ports import Transition
    from service.domain.status import MessageStatus
    parent, ids = family(uow_factory)
    with uow_factory(write=True) as uow:
        sent = uow.messages.add_many([message(ids["amy"]), message(ids["amy"], cost="0.75")])
        uow.commit()
    with uow_factory(write=True) as uow:
        uow.delivery.apply([Transition(sent[0], MessageStatus.DELIVERED, dlr_stat="DELIVRD")], NOW)
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.retention.archive(NOW + timedelta(days=2), 100) == 1
        uow.commit()
    with uow_factory() as uow:
        [amy, _zed] = uow.subaccounts.totals(parent, None, None)
        assert (amy.messages, amy.segments, amy.cost) == (2, 4, Decimal("2.00"))
