"""One contract for the SMPP receipt outbox (app/smpp/outbox_ports.py), run against the
in-memory fake and the SQL stores: order, leases, retries, release, expiry; and the receipts
the delivery store's ``apply`` and ``owed_at_submit`` queue in the caller's transaction."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from service.app.delivery.ports import Transition
from service.app.smpp.outbox_ports import NewInbound, NewReceipt, OwedInbound, OwedReceipt
from service.app.smpp.receipts import owed_at_submit
from service.domain.status import MessageStatus as S
from service.persistence.uow import SqlUnitOfWorkFactory
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FixedClock
from tests.integration.contract import NOW, add_account, message, uow_factory  # noqa: F401


def later(seconds: float):
    return NOW + timedelta(seconds=seconds)


def receipt(account_id, message_id, stat="DELIVRD", text="Привет €", final=True):
    return NewReceipt(account_id=account_id, message_id=message_id, source="+79991234567",
                      destination="ACME", stat=stat, err="000", message_state=2,
                      submitted_at=NOW - timedelta(minutes=5), done_at=NOW, text=text,
                      final=final)


def run(uow_factory, action):
    """``action(outbox)`` in one committed write unit; its answer."""
    with uow_factory(write=True) as uow:
        answer = action(uow.smpp_outbox)
        uow.commit()
    return answer


def add(uow_factory, receipts, now=NOW):
    run(uow_factory, lambda o: o.add(receipts, now))


def claim(uow_factory, accounts, owner, now=NOW, lease=30, limit=100):
    return run(uow_factory, lambda o: o.claim(accounts, owner, now, now + timedelta(
        seconds=lease), limit))


def ids(claimed):
    return [r.message_id for r in claimed]


# -- the outbox -----------------------------------------------------------------------------

def test_receipts_come_back_oldest_first_for_the_accounts_asked_with_every_field(uow_factory):
    alice, bob = add_account(uow_factory).id, add_account(uow_factory, "bob").id
    add(uow_factory, [receipt(alice, 11), receipt(bob, 21), receipt(alice, 12, final=False)])
    add(uow_factory, [receipt(alice, 13, stat="UNDELIV", text="")], now=later(1))
    with uow_factory() as uow:
        assert uow.smpp_outbox.any_due([alice], later(1))
        assert not uow.smpp_outbox.any_due([alice], NOW - timedelta(seconds=1))  # not yet due
        assert not uow.smpp_outbox.any_due([999], later(1))
        assert not uow.smpp_outbox.any_due([], later(1))
    first = claim(uow_factory, [alice], "s1", now=later(1), limit=2)
    assert ids(first) == [11, 12]
    r = first[0]
    assert (r.account_id, r.source, r.destination, r.stat, r.err, r.message_state, r.text,
            r.attempts, r.final, r.submitted_at, r.done_at) == (
        alice, "+79991234567", "ACME", "DELIVRD", "000", 2, "Привет €", 0, True,
        NOW - timedelta(minutes=5), NOW)
    assert first[1].final is False
    assert ids(claim(uow_factory, [alice, bob], "s2", now=later(1))) == [21, 13]
    assert claim(uow_factory, [alice, bob], "s3", now=later(2)) == []
    assert claim(uow_factory, [], "s3", now=later(2)) == []


def inbound(account_id, inbound_id, text="Ответ: да €"):
    return NewInbound(account_id=account_id, inbound_id=inbound_id, source="+79991234567",
                      destination="+79000000001", text=text)


def test_inbound_messages_and_receipts_share_one_line_oldest_first(uow_factory):
    alice, bob = add_account(uow_factory).id, add_account(uow_factory, "bob").id
    long_text = "Длинный ответ " * 300                       # the whole text, never cut
    add(uow_factory, [receipt(alice, 11), inbound(alice, 5, long_text), inbound(bob, 6)])
    add(uow_factory, [receipt(alice, 12)], now=later(1))
    claimed = claim(uow_factory, [alice], "s1", now=later(1))
    assert [type(r) for r in claimed] == [OwedReceipt, OwedInbound, OwedReceipt]
    owed = claimed[1]
    assert (owed.account_id, owed.inbound_id, owed.source, owed.destination, owed.text,
            owed.attempts) == (alice, 5, "+79991234567", "+79000000001", long_text, 0)
    run(uow_factory, lambda o: o.retry(owed.id, "s1", later(10)))
    run(uow_factory, lambda o: o.delete([claimed[0].id, claimed[2].id]))
    [again] = claim(uow_factory, [alice], "s2", now=later(10))
    assert (again.id, again.attempts, again.text) == (owed.id, 1, long_text)
    [bobs] = claim(uow_factory, [bob], "s3", now=later(10))
    assert isinstance(bobs, OwedInbound) and bobs.inbound_id == 6


def test_expiry_drops_inbound_messages_like_receipts(uow_factory):
    alice = add_account(uow_factory).id
    add(uow_factory, [inbound(alice, 1), receipt(alice, 2)])
    add(uow_factory, [inbound(alice, 3)], now=later(60))
    assert run(uow_factory, lambda o: o.expire(later(60))) == 2
    [left] = claim(uow_factory, [alice], "s1", now=later(61))
    assert isinstance(left, OwedInbound) and left.inbound_id == 3


def test_a_lease_that_runs_out_makes_the_receipt_claimable_again(uow_factory):
    alice = add_account(uow_factory).id
    add(uow_factory, [receipt(alice, 1), receipt(alice, 2)])
    assert ids(claim(uow_factory, [alice], "s1", lease=30)) == [1, 2]
    assert claim(uow_factory, [alice], "s2", now=later(29)) == []
    with uow_factory() as uow:
        assert not uow.smpp_outbox.any_due([alice], later(29))
    taken = claim(uow_factory, [alice], "s2", now=later(31))
    assert ids(taken) == [1, 2] and [r.attempts for r in taken] == [0, 0]
    # the first owner lost them: its failure report changes nothing
    assert run(uow_factory, lambda o: o.held_attempts(taken[0].id, "s1")) is None
    run(uow_factory, lambda o: o.retry(taken[0].id, "s1", later(999)))
    assert run(uow_factory, lambda o: o.held_attempts(taken[0].id, "s2")) == 0


def test_release_gives_back_only_that_owners_receipts_at_once(uow_factory):
    alice = add_account(uow_factory).id
    add(uow_factory, [receipt(alice, 1), receipt(alice, 2), receipt(alice, 3)])
    claim(uow_factory, [alice], "s1", limit=2)
    claim(uow_factory, [alice], "s2", limit=1)
    run(uow_factory, lambda o: o.release("s1"))
    assert ids(claim(uow_factory, [alice], "s3", now=later(1))) == [1, 2]
    run(uow_factory, lambda o: o.release("nobody"))
    assert claim(uow_factory, [alice], "s4", now=later(2)) == []


def test_a_failed_receipt_waits_for_its_retry_and_counts_the_attempt(uow_factory):
    alice = add_account(uow_factory).id
    add(uow_factory, [receipt(alice, 1), receipt(alice, 2)])
    first, second = claim(uow_factory, [alice], "s1")
    assert run(uow_factory, lambda o: o.held_attempts(first.id, "s1")) == 0
    assert run(uow_factory, lambda o: o.held_attempts(first.id, "s2")) is None
    run(uow_factory, lambda o: o.retry(first.id, "s1", later(10)))
    run(uow_factory, lambda o: o.delete([second.id]))
    assert claim(uow_factory, [alice], "s2", now=later(9)) == []       # not due yet; 2 is gone
    [again] = claim(uow_factory, [alice], "s2", now=later(10))
    assert (again.id, again.attempts) == (first.id, 1)
    run(uow_factory, lambda o: o.delete([again.id, 12345]))            # unknown ids: ignored
    with uow_factory() as uow:
        assert not uow.smpp_outbox.any_due([alice], later(3600))


def test_expiry_drops_what_was_queued_before_the_limit_leased_or_not(uow_factory):
    alice = add_account(uow_factory).id
    add(uow_factory, [receipt(alice, 1), receipt(alice, 2)])
    add(uow_factory, [receipt(alice, 3)], now=later(60))
    claim(uow_factory, [alice], "s1", limit=1)
    assert run(uow_factory, lambda o: o.expire(later(60))) == 2
    assert run(uow_factory, lambda o: o.expire(later(60))) == 0
    assert ids(claim(uow_factory, [alice], "s2", now=later(61))) == [3]


def test_nothing_is_queued_unless_the_unit_commits(uow_factory):
    alice = add_account(uow_factory).id
    with uow_factory(write=True) as uow:
        uow.smpp_outbox.add([receipt(alice, 1)], NOW)
    assert claim(uow_factory, [alice], "s1") == []


# -- what queues receipts -------------------------------------------------------------------

def add_messages(uow_factory, account_id, bits, count=1, **fields):
    fields.setdefault("scheduled_at", None)
    with uow_factory(write=True) as uow:
        new = uow.messages.add_many([message(account_id, f"+7999000000{i}", receipt_request=bits,
                                             text="Hello, this text is longer than twenty",
                                             **fields) for i in range(count)])
        uow.commit()
    return new


def apply(uow_factory, transitions, now=NOW):
    with uow_factory(write=True) as uow:
        uow.delivery.apply(transitions, now)
        uow.commit()


def test_a_status_change_queues_the_receipt_its_message_asked_for(uow_factory):
    alice = add_account(uow_factory).id
    final, failures, interim, none = (add_messages(uow_factory, alice, bits)[0]
                                      for bits in (1, 2, 0x11, 0))
    apply(uow_factory, [Transition(i, S.SUBMITTED) for i in (final, failures, interim, none)])
    apply(uow_factory, [Transition(i, S.DELIVERED, dlr_stat="DELIVRD") for i in
                        (final, failures, interim, none)], now=later(5))
    got = claim(uow_factory, [alice], "s1", now=later(5))
    assert [(r.message_id, r.stat, r.final) for r in got] == [
        (interim, "ACCEPTD", False), (final, "DELIVRD", True), (interim, "DELIVRD", True)]
    r = got[1]
    assert (r.source, r.destination, r.err, r.message_state, r.text, r.submitted_at,
            r.done_at) == ("+79990000000", "ACME", "000", 2, "Hello, this text is ", NOW,
                           later(5))
    assert got[0].message_state == 6


def test_a_failure_is_owed_to_failure_only_clients_and_unknown_outcomes_read_unknown(uow_factory):
    alice = add_account(uow_factory).id
    a, b, c = add_messages(uow_factory, alice, 2, count=3)
    apply(uow_factory, [Transition(a, S.UNDELIVERABLE, dlr_stat="UNDELIV", dlr_error="005"),
                        Transition(b, S.UNDELIVERABLE, dlr_stat="UNKNOWN", dlr_error="007"),
                        Transition(c, S.EXPIRED, dlr_stat="EXPIRED")])
    got = claim(uow_factory, [alice], "s1")
    assert [(r.message_id, r.stat, r.err, r.message_state) for r in got] == [
        (a, "UNDELIV", "005", 5), (b, "UNKNOWN", "007", 7), (c, "EXPIRED", "003", 3)]


def test_a_change_that_did_not_happen_owes_nothing(uow_factory):
    alice = add_account(uow_factory).id
    [done] = add_messages(uow_factory, alice, 1, status=S.DELIVERED)
    [m] = add_messages(uow_factory, alice, 1)
    apply(uow_factory, [Transition(done, S.EXPIRED), Transition(12345, S.DELIVERED)])
    with uow_factory(write=True) as uow:   # rolled back: neither status nor receipt
        uow.delivery.apply([Transition(m, S.DELIVERED)], NOW)
    assert claim(uow_factory, [alice], "s1") == []


def test_messages_refused_at_submit_owe_their_receipt_in_the_storing_transaction(uow_factory):
    alice = add_account(uow_factory).id
    with uow_factory(write=True) as uow:
        batch = [message(alice, "+79990000001", status=S.BANNED, receipt_request=1),
                 message(alice, "+79990000002", status=S.INVALID_NUMBER, receipt_request=2),
                 message(alice, "+79990000003", status=S.BANNED, receipt_request=0),
                 message(alice, "+79990000004", receipt_request=0x11)]   # queued: nothing yet
        uow.messages.add_many(batch)
        assert owed_at_submit(uow, batch) == 2
        uow.commit()
    got = claim(uow_factory, [alice], "s1")
    assert [(r.message_id, r.stat, r.err, r.message_state, r.done_at) for r in got] == [
        (batch[0].id, "REJECTD", "008", 8, NOW), (batch[1].id, "REJECTD", "008", 8, NOW)]


def test_a_receipt_outlives_its_message_being_archived_or_purged(uow_factory):
    alice = add_account(uow_factory).id
    a, b = add_messages(uow_factory, alice, 1, count=2)
    apply(uow_factory, [Transition(a, S.DELIVERED), Transition(b, S.DELIVERED)])
    with uow_factory(write=True) as uow:
        assert uow.retention.archive(later(1), 10) == 2
        assert uow.retention.purge(None, later(1), 10) == 2
        uow.commit()
    with uow_factory() as uow:
        assert uow.messages.get_many(alice, [a, b]) == {}
    assert ids(claim(uow_factory, [alice], "s1")) == [a, b]


# -- two owners at once (SQL stores: the fake's units of work are serial) -------------------

@pytest.fixture(params=STORES)
def sql_factory(request):
    engine = migrated(store_url(request, request.param))
    yield SqlUnitOfWorkFactory(engine, FixedClock(NOW))
    engine.dispose()


def test_owners_claiming_at_once_never_get_the_same_receipt(sql_factory):
    alice = add_account(sql_factory).id
    add(sql_factory, [receipt(alice, i) for i in range(1, 201)])
    got: dict[str, list[int]] = {f"s{n}": [] for n in range(4)}
    start = threading.Barrier(len(got))

    def take(owner):
        start.wait()
        while batch := claim(sql_factory, [alice], owner, limit=7):
            got[owner] += ids(batch)

    threads = [threading.Thread(target=take, args=(owner,)) for owner in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    taken = [i for owner_ids in got.values() for i in owner_ids]
    assert sorted(taken) == list(range(1, 201))                  # each one exactly once
    assert all(owner_ids == sorted(owner_ids) for owner_ids in got.values())


@pytest.mark.postgres
def test_postgres_skips_rows_another_open_claim_holds(request):
    factory = SqlUnitOfWorkFactory(migrated(request.getfixturevalue("postgres_url")),
                                   FixedClock(NOW))
    try:
        alice = add_account(factory).id
        add(factory, [receipt(alice, i) for i in range(1, 5)])
        with factory(write=True) as first:
            mine = first.smpp_outbox.claim([alice], "s1", NOW, later(30), 2)
            with factory(write=True) as second:   # the first has not committed yet
                theirs = second.smpp_outbox.claim([alice], "s2", NOW, later(30), 10)
                second.commit()
            first.commit()
        assert (ids(mine), ids(theirs)) == ([1, 2], [3, 4])
    finally:
        factory.engine.dispose()
