"""Batch submit and cancel on the real unit of work (SQLite and PostgreSQL, and the fake):
one transaction per batch, rolled back and retried without an account whose money ran out,
ledgers that still sum to the balances, and a cancel racing a worker's claim with exactly one
winner."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from service.app.access.rate_limits import RateLimiter, RatePolicy
from service.app.accounts.ledger import Ledger
from service.app.sending.cancel import CancelService
from service.app.sending.policy import SendingPolicy
from service.app.sending.submit import Submission, SubmitService
from service.domain import errors
from service.domain.account import AccountSettings
from service.domain.ledger import Reason
from service.domain.message import ConcatPart
from service.domain.pricing import Tariff
from service.domain.status import MessageStatus as S
from service.persistence.uow import SqlUnitOfWorkFactory
from tests.conftest import migrated
from tests.fakes import FixedClock
from tests.integration.contract import NOW, add_account, uow_factory  # noqa: F401

UK = "+442071838750"
HOOK = "https://hooks.example/cb"


def funded(factory, login="alice", balance="100", **changes):
    """An account whose balance came through the ledger, so ledgers sum to balances."""
    account = add_account(factory, login, balance="0", **changes)
    with factory(write=True) as uow:
        Ledger(FixedClock(NOW)).credit(uow, account.id, Decimal(balance),
                                       Reason.OPENING_BALANCE, actor="operator")
        uow.commit()
    return account


def services(factory, rate_send=0):
    clock = FixedClock(NOW)
    policy = SendingPolicy(tariff=Tariff.parse("1.00", ""))
    limiter = RateLimiter(factory, clock, RatePolicy(send=rate_send))
    return SubmitService(factory, policy, clock, limiter=limiter), CancelService(factory, clock)


def item(account, text="Hello", **kw):
    return Submission(account.id, "127.0.0.1", UK, text, None, **kw)


def read(factory, account, ids):
    with factory() as uow:
        return uow.messages.get_many(account.id, ids)


def balances_match_ledgers(factory):
    with factory() as uow:
        return all(t.consistent for t in uow.ledger.totals())


def test_a_batch_of_two_accounts_is_stored_and_paid_in_one_transaction(uow_factory):
    alice, bob = funded(uow_factory), funded(uow_factory, "bob")
    submit, _ = services(uow_factory)
    results = submit.submit_many([
        item(alice, receipt_request=1), item(bob, "x" * 200),
        item(alice, "x" * 100, concat=ConcatPart(300, 2, 1)),
        Submission(alice.id, None, "12", "Hi", None)])
    assert [type(r.error).__name__ if r.error else "ok" for r in results] == [
        "ok", "ok", "ok", "InvalidNumber"]
    ids = [r.message_id for r in results[:3]]
    assert ids == sorted(ids)
    stored = read(uow_factory, alice, ids)
    assert sorted(stored) == [ids[0], ids[2]]
    assert stored[ids[0]].receipt_request == 1 and stored[ids[2]].concat == ConcatPart(300, 2, 1)
    assert stored[ids[2]].segments == 1 and stored[ids[2]].cost == Decimal("1.00")
    with uow_factory() as uow:
        assert uow.accounts.balance(alice.id) == Decimal("98.00")
        assert uow.accounts.balance(bob.id) == Decimal("98.00")
        entries = uow.ledger.page(alice.id, None, None, 0, 10).items
    assert [(e.reason, e.amount, e.note) for e in entries if e.reason is Reason.SEND] == [
        (Reason.SEND, Decimal("-2.00"), f"smpp: 2 messages {ids[0]},{ids[2]}")]
    assert balances_match_ledgers(uow_factory)


def test_a_short_account_is_rolled_back_and_retried_alone_without_touching_others(uow_factory):
    alice, bob = funded(uow_factory, balance="2.5"), funded(uow_factory, "bob")
    submit, _ = services(uow_factory, rate_send=100)
    results = submit.submit_many([item(alice), item(bob), item(alice), item(alice),
                                  item(bob, "x" * 200)])
    assert [type(r.error).__name__ if r.error else "ok" for r in results] == [
        "ok", "ok", "ok", "InsufficientFunds", "ok"]
    with uow_factory() as uow:
        assert uow.accounts.balance(alice.id) == Decimal("0.50")
        assert uow.accounts.balance(bob.id) == Decimal("97.00")
        assert len(uow.messages.get_many(alice.id, range(1, 100))) == 2
        # the rolled-back attempt counted nothing: bob 3 segments once; alice 1 per kept item
        window = uow.counters.latest_window(bob.id, "rate|send")
        assert uow.counters.hit(bob.id, "rate|send", window, 1) == 4
        assert uow.counters.hit(alice.id, "rate|send", window, 1) == 3
    assert balances_match_ledgers(uow_factory)


def test_cancel_refunds_through_the_ledger_and_tells_the_subscriber(uow_factory):
    alice = funded(uow_factory, settings=AccountSettings(callback_url=HOOK))
    bob = funded(uow_factory, "bob")
    submit, cancel = services(uow_factory)
    first, second = (r.message_id for r in submit.submit_many([item(alice, "x" * 200),
                                                               item(alice)]))
    with pytest.raises(errors.NotFound):
        cancel.cancel(bob.id, first)
    assert cancel.cancel(alice.id, first) == Decimal("2.00")
    with pytest.raises(errors.NotCancellable):
        cancel.cancel(alice.id, first)
    with uow_factory(write=True) as uow:
        uow.delivery.claim_due("w1", NOW, NOW + timedelta(minutes=1), 10)
        uow.delivery.mark_in_flight([second], "w1", NOW + timedelta(minutes=1))
        uow.commit()
    with pytest.raises(errors.NotCancellable):
        cancel.cancel(alice.id, second)
    assert read(uow_factory, alice, [first])[first].status is S.DELETED
    with uow_factory(write=True) as uow:
        assert uow.accounts.balance(alice.id) == Decimal("99.00")
        [job] = uow.delivery.claim_callbacks(NOW, NOW + timedelta(minutes=1), 10)
        assert job.message_id == first and '"status_code":20' in job.payload
        refunds = [e for e in uow.ledger.page(alice.id, None, None, 0, 10).items
                   if e.reason is Reason.REFUND]
    assert [(e.amount, str(e.reference)) for e in refunds] == [(Decimal("2.00"),
                                                                f"message:{first}")]
    assert balances_match_ledgers(uow_factory)


@pytest.fixture
def sql_factory(database_url):
    engine = migrated(database_url)
    yield SqlUnitOfWorkFactory(engine, FixedClock(NOW))
    engine.dispose()


def test_a_cancel_racing_workers_has_exactly_one_winner_per_message(sql_factory):
    alice = funded(sql_factory, balance="1000")
    submit, cancel = services(sql_factory)
    ids = [r.message_id for r in submit.submit_many([item(alice) for _ in range(40)])]
    flying: list[int] = []
    cancelled: list[int] = []
    refused: list[int] = []
    start = threading.Barrier(2)

    def worker():
        start.wait()
        lease = NOW + timedelta(minutes=1)
        while True:  # from the oldest, while the canceller starts from the newest
            with sql_factory(write=True) as uow:
                claimed = uow.delivery.claim_due("w1", NOW, lease, 2)
                uow.commit()
            if not claimed:
                return
            with sql_factory(write=True) as uow:
                flying.extend(uow.delivery.mark_in_flight([c.id for c in claimed], "w1", lease))
                uow.commit()

    def canceller():
        start.wait()
        for message_id in reversed(ids):
            try:
                cancel.cancel(alice.id, message_id)
                cancelled.append(message_id)
            except errors.NotCancellable:
                refused.append(message_id)

    threads = [threading.Thread(target=worker), threading.Thread(target=canceller)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(cancelled + refused) == ids
    assert set(cancelled).isdisjoint(flying) and set(refused) <= set(flying)
    stored = read(sql_factory, alice, ids)
    assert all(stored[i].status is S.DELETED for i in cancelled)
    assert all(stored[i].status is S.QUEUED for i in flying)
    with sql_factory() as uow:
        assert uow.accounts.balance(alice.id) == Decimal("1000") - len(flying)
    assert balances_match_ledgers(sql_factory)


def test_client_split_parts_go_through_the_simulator_as_one_part_each(database_url):
    from service.app.delivery.delivery import DeliveryPolicy, DeliveryService
    from service.bootstrap import build_container
    from service.config import Settings
    from service.delivery.simulator import SimulatorConnector
    from service.persistence.simulator_ledger import SqlSimulatorLedger
    clock = FixedClock(NOW)
    engine = migrated(database_url)
    try:
        uc = build_container(Settings(database_url=database_url), clock=clock,
                             engine=engine).use_cases
        account = uc.accounts.create("alice", "pw", Decimal("100"))
        delivery = DeliveryService(SqlUnitOfWorkFactory(engine, clock), clock, DeliveryPolicy())
        simulator = SimulatorConnector(SqlSimulatorLedger(engine), clock, receipt_delay=1.0)
        simulator.start(lambda rs: delivery.accept_receipts("simulator", rs),
                        lambda parts: None)
        parts = [Submission(account.stored_id, None, UK, text, None, receipt_request=1,
                            concat=ConcatPart(77, 2, n))
                 for n, text in ((1, "x" * 153), (2, "ж" * 60))]
        ids = [r.message_id for r in uc.submit.submit_many(parts)]
        assert uc.accounts.show("alice").balance == Decimal("98")  # one segment each
        delivery.dispatch(simulator, "w1")
        clock.advance(seconds=1.1)
        simulator.poll()
        assert delivery.process_receipts() == 2  # one receipt per part, each its own message
        assert [uc.submit.find(account.stored_id, i).status for i in ids] == [S.DELIVERED] * 2
    finally:
        engine.dispose()


def test_an_unstorable_text_is_that_items_error_not_the_batchs(uow_factory):
    alice = funded(uow_factory)
    submit, _ = services(uow_factory)
    results = submit.submit_many([item(alice), item(alice, "a\x00b"), item(alice, "\udc80"),
                                  Submission(alice.id, None, "+7999\x00", "Hi", None),
                                  item(alice, "ok")])
    assert [type(r.error).__name__ if r.error else "ok" for r in results] == [
        "ok", "ValidationError", "ValidationError", "InvalidNumber", "ok"]
    assert len(read(uow_factory, alice, [results[0].message_id, results[4].message_id])) == 2
