"""One contract for the ledger's ports (LedgerRepository, and the accounts' guarded debit,
credit and lock), run against the in-memory fake and the SQL stores."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from service.domain.ledger import LedgerEntry, Reason, RefKind, Reference
from service.domain.money import MONEY_MAX
from service.persistence.uow import SqlUnitOfWorkFactory
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, make_account

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
D = Decimal


@pytest.fixture(params=["fake", *STORES])
def uow_factory(request):
    if request.param == "fake":
        yield FakeUnitOfWorkFactory()
        return
    engine = migrated(store_url(request, request.param))
    yield SqlUnitOfWorkFactory(engine, FixedClock(NOW))
    engine.dispose()


def add(uow_factory, login, balance, credit_limit="0"):
    with uow_factory(write=True) as uow:
        account = make_account(login, balance=balance)
        account.credit_limit = D(credit_limit)
        account = uow.accounts.add(account)
        uow.commit()
    return account.stored_id


def entry(account_id, amount, after, minutes=0, reason=Reason.TOPUP, ref=None, note=None):
    return LedgerEntry(account_id=account_id, amount=D(amount), balance_after=D(after),
                       reason=reason, actor="operator", created_at=NOW + timedelta(minutes=minutes),
                       reference=ref, note=note)


def test_entries_round_trip_exactly_newest_first(uow_factory):
    a = add(uow_factory, "alice", "0")
    ref = Reference(RefKind.MESSAGE, "42")
    with uow_factory(write=True) as uow:
        uow.ledger.add([entry(a, "12.3456", "12.3456"), entry(a, "-0.0001", "12.3455", 1,
                                                              Reason.SEND, ref, "1 message")])
        uow.commit()
    with uow_factory() as uow:
        page = uow.ledger.page(a, None, None, 0, 10)
    assert page.total == 2
    newest, oldest = page.items
    assert (newest.amount, newest.balance_after, newest.reason, newest.reference, newest.note) == (
        D("-0.0001"), D("12.3455"), Reason.SEND, ref, "1 message")
    assert newest.created_at == NOW + timedelta(minutes=1) and newest.id > oldest.id
    assert oldest.reference is None and oldest.actor == "operator"


def test_pages_and_time_windows(uow_factory):
    a, b = add(uow_factory, "alice", "0"), add(uow_factory, "bob", "0")
    with uow_factory(write=True) as uow:
        uow.ledger.add([entry(a, str(n), str(n * (n + 1) // 2), n) for n in range(1, 6)]
                       + [entry(b, "7", "7")])
        uow.commit()
    with uow_factory() as uow:
        assert [e.amount for e in uow.ledger.page(a, None, None, 1, 2).items] == [D(4), D(3)]
        window = uow.ledger.page(a, NOW + timedelta(minutes=2), NOW + timedelta(minutes=4), 0, 10)
        assert (window.total, [e.amount for e in window.items]) == (2, [D(3), D(2)])
        assert uow.ledger.page(a, None, None, 10, 10).total == 5
        assert uow.ledger.page(b, None, None, 0, 10).total == 1


def test_totals_compare_every_balance_with_its_ledger(uow_factory):
    a, b = add(uow_factory, "alice", "10"), add(uow_factory, "bob", "3")
    add(uow_factory, "carol", "0")
    with uow_factory(write=True) as uow:
        uow.ledger.add([entry(a, "10", "10"), entry(a, "-2.5", "7.5", 1), entry(b, "2", "2")])
        assert uow.accounts.debit(a, D("2.5")) == D("7.5")
        uow.commit()
    with uow_factory() as uow:
        totals = {t.login: t for t in uow.ledger.totals()}
    assert (totals["alice"].total, totals["alice"].entries, totals["alice"].last_balance_after,
            totals["alice"].consistent) == (D("7.5"), 2, D("7.5"), True)
    assert (totals["bob"].total, totals["bob"].consistent) == (D("2"), False)
    assert (totals["carol"].entries, totals["carol"].last_balance_after,
            totals["carol"].consistent) == (0, None, True)


def test_the_guarded_debit_stops_at_minus_the_credit_limit(uow_factory):
    prepaid, postpaid = add(uow_factory, "alice", "1"), add(uow_factory, "bob", "1", "5")
    with uow_factory(write=True) as uow:
        assert uow.accounts.debit(prepaid, D("1.0001")) is None
        assert uow.accounts.debit(prepaid, D("1")) == D("0")
        assert uow.accounts.debit(postpaid, D("6")) == D("-5")
        assert uow.accounts.debit(postpaid, D("0.0001")) is None
        uow.commit()
    with uow_factory() as uow:
        assert (uow.accounts.balance(prepaid), uow.accounts.balance(postpaid)) == (D(0), D(-5))
        assert uow.accounts.get(postpaid).credit_limit == D("5")


def test_a_credit_never_passes_the_largest_amount(uow_factory):
    a = add(uow_factory, "alice", str(MONEY_MAX - 1))
    with uow_factory(write=True) as uow:
        assert uow.accounts.credit(a, D("1.0001")) is None
        assert uow.accounts.credit(a, D("1")) == MONEY_MAX


def test_lock_returns_the_accounts_in_id_order_and_skips_unknown_ids(uow_factory):
    a, b = add(uow_factory, "alice", "1"), add(uow_factory, "bob", "2")
    with uow_factory(write=True) as uow:
        assert [x.login for x in uow.accounts.lock([b, 999, a, b])] == ["alice", "bob"]


def test_the_credit_limit_is_stored_by_update(uow_factory):
    a = add(uow_factory, "alice", "1")
    with uow_factory(write=True) as uow:
        account = uow.accounts.get(a)
        account.credit_limit = D("123.4567")
        uow.accounts.update(account)
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.get_by_login("alice").credit_limit == D("123.4567")
