"""The SMPP session registry behaves the same on the fake, SQLite and PostgreSQL: live sessions
count against the limit, stale ones do not, and concurrent opens never pass the limit."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import text

from service.persistence.uow import SqlUnitOfWorkFactory
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FixedClock
from tests.integration.contract import NOW, add_account, uow_factory  # noqa: F401 - fixture

STALE = timedelta(seconds=60)


def _open(factory, account_id, node="n1", limit=2, now=NOW, bind_type="trx"):
    with factory(write=True) as uow:
        session_id = uow.smpp_sessions.open(account_id, node, bind_type, "10.0.0.1", now, limit,
                                            now - STALE)
        uow.commit()
    return session_id


def _live(factory, account_id, now=NOW):
    with factory() as uow:
        return uow.smpp_sessions.live(account_id, now - STALE)


def test_an_accounts_smpp_password_hash_and_bind_limit_are_stored(uow_factory):
    alice = add_account(uow_factory)
    assert (alice.smpp_password_hash, alice.settings.smpp_max_binds) == (None, None)
    add_account(uow_factory, "bob", smpp_password_hash="scrypt$h",
                settings=replace(alice.settings, smpp_max_binds=4))
    with uow_factory() as uow:
        bob = uow.accounts.get_by_login("bob")
        assert (bob.smpp_password_hash, bob.settings.smpp_max_binds) == ("scrypt$h", 4)
        assert uow.accounts.get(alice.id).smpp_password_hash is None
    with uow_factory(write=True) as uow:
        bob.smpp_password_hash, bob.settings = None, replace(bob.settings, smpp_max_binds=None)
        uow.accounts.update(bob)
        uow.commit()
    with uow_factory() as uow:
        bob = uow.accounts.get_by_login("bob")
        assert (bob.smpp_password_hash, bob.settings.smpp_max_binds) == (None, None)


def test_an_account_opens_sessions_up_to_its_limit_and_no_more(uow_factory):
    alice = add_account(uow_factory).id
    first, second = _open(uow_factory, alice), _open(uow_factory, alice)
    assert first and second and first != second
    assert _open(uow_factory, alice) is None
    assert _live(uow_factory, alice) == 2  # the refused open wrote nothing


def test_the_limit_is_per_account(uow_factory):
    alice, bob = add_account(uow_factory).id, add_account(uow_factory, "bob").id
    assert _open(uow_factory, alice, limit=1)
    assert _open(uow_factory, bob, limit=1)
    assert _open(uow_factory, alice, limit=1) is None
    assert (_live(uow_factory, alice), _live(uow_factory, bob)) == (1, 1)


def test_sessions_on_other_nodes_count_too(uow_factory):
    alice = add_account(uow_factory).id
    assert _open(uow_factory, alice, node="n1")
    assert _open(uow_factory, alice, node="n2")
    assert _open(uow_factory, alice, node="n3") is None


def test_a_session_not_seen_since_stale_before_stops_counting(uow_factory):
    alice = add_account(uow_factory).id
    assert _open(uow_factory, alice, limit=1)
    later = NOW + STALE + timedelta(seconds=1)
    assert _live(uow_factory, alice, later) == 0
    assert _open(uow_factory, alice, limit=1, now=later)


def test_a_session_seen_at_exactly_stale_before_still_counts(uow_factory):
    alice = add_account(uow_factory).id
    assert _open(uow_factory, alice, limit=1)
    assert _open(uow_factory, alice, limit=1, now=NOW + STALE) is None


def test_seen_keeps_a_session_counting_and_ignores_unknown_ids(uow_factory):
    alice = add_account(uow_factory).id
    session = _open(uow_factory, alice, limit=1)
    later = NOW + STALE + timedelta(seconds=30)
    with uow_factory(write=True) as uow:
        uow.smpp_sessions.seen([session, session, 999_999], NOW + timedelta(seconds=45))
        uow.commit()
    assert _live(uow_factory, alice, later) == 1
    assert _open(uow_factory, alice, limit=1, now=later) is None


def test_seen_brings_a_stale_session_back(uow_factory):
    alice = add_account(uow_factory).id
    session = _open(uow_factory, alice)
    much_later = NOW + timedelta(hours=1)
    assert _live(uow_factory, alice, much_later) == 0
    with uow_factory(write=True) as uow:
        uow.smpp_sessions.seen([session], much_later)
        uow.commit()
    assert _live(uow_factory, alice, much_later) == 1


def test_a_closed_session_stops_counting_and_closing_twice_is_harmless(uow_factory):
    alice = add_account(uow_factory).id
    session = _open(uow_factory, alice, limit=1)
    for _ in range(2):
        with uow_factory(write=True) as uow:
            uow.smpp_sessions.close(session)
            uow.commit()
    assert _live(uow_factory, alice) == 0
    assert _open(uow_factory, alice, limit=1)


def test_closing_a_node_ends_its_sessions_only(uow_factory):
    alice = add_account(uow_factory).id
    _open(uow_factory, alice, node="n1", limit=5)
    _open(uow_factory, alice, node="n1", limit=5)
    _open(uow_factory, alice, node="n2", limit=5)
    with uow_factory(write=True) as uow:
        assert uow.smpp_sessions.close_node("n1") == 2
        assert uow.smpp_sessions.close_node("n9") == 0
        uow.commit()
    assert _live(uow_factory, alice) == 1


def test_purge_forgets_sessions_seen_before_the_horizon(uow_factory):
    alice = add_account(uow_factory).id
    _open(uow_factory, alice, limit=5)
    kept = _open(uow_factory, alice, limit=5, now=NOW + timedelta(minutes=5))
    with uow_factory(write=True) as uow:
        assert uow.smpp_sessions.purge(NOW) == 0  # seen at exactly the horizon: kept
        assert uow.smpp_sessions.purge(NOW + timedelta(minutes=5)) == 1
        uow.commit()
    assert _live(uow_factory, alice, NOW + timedelta(minutes=5)) == 1
    with uow_factory(write=True) as uow:
        uow.smpp_sessions.seen([kept], NOW + timedelta(minutes=6))  # still there
        uow.commit()
    assert _live(uow_factory, alice, NOW + timedelta(minutes=6)) == 1


def test_a_rolled_back_open_counts_nothing(uow_factory):
    alice = add_account(uow_factory).id
    with uow_factory(write=True) as uow:
        assert uow.smpp_sessions.open(alice, "n1", "tx", None, NOW, 1, NOW - STALE)
    assert _open(uow_factory, alice, limit=1)


# -- concurrency, on the real stores ---------------------------------------------------------

@pytest.fixture(params=STORES)
def sql_factory(request):
    engine = migrated(store_url(request, request.param))
    yield SqlUnitOfWorkFactory(engine, FixedClock(NOW))
    engine.dispose()


def test_racing_opens_never_pass_the_limit(sql_factory):
    alice = add_account(sql_factory).id
    start = threading.Barrier(8)

    def bind(_):
        start.wait()
        return _open(sql_factory, alice, limit=3)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(bind, range(8)))
    assert sum(1 for r in results if r is not None) == 3
    assert _live(sql_factory, alice) == 3


@pytest.mark.postgres
def test_two_opens_at_one_below_the_limit_on_postgresql_admit_exactly_one(request):
    """The second open waits on the first's lock of the account row, then counts its session."""
    engine = migrated(store_url(request, "postgres"))
    try:
        factory = SqlUnitOfWorkFactory(engine, FixedClock(NOW))
        alice = add_account(factory).id
        assert _open(factory, alice, limit=2)  # one below the limit of 2
        first = factory(write=True).__enter__()
        try:
            assert first.smpp_sessions.open(alice, "n1", "tx", None, NOW, 2, NOW - STALE)
            with ThreadPoolExecutor(1) as pool:
                second = pool.submit(_open, factory, alice, "n2", 2)
                _wait_until_a_backend_waits_on_a_lock(engine)
                assert not second.done()
                first.commit()
                assert second.result(timeout=30) is None
        finally:
            first.__exit__(None, None, None)
        assert _live(factory, alice) == 2
    finally:
        engine.dispose()


def _wait_until_a_backend_waits_on_a_lock(engine, timeout=30.0):
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar_one()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.01)  # polling a condition, not racing: the deadline is the bound
    raise AssertionError("the second open never waited for the first one's lock")
