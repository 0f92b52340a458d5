"""The login guard on both stores: locks per (login, address), per address and per login,
exponential backoff, unknown logins counted alike, trusted addresses, the CLI, and a race."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from service.app.access.auth import Credentials
from service.bootstrap import build_container
from service.config import Settings
from service.domain.errors import AuthenticationFailed, TooManyAttempts
from service.persistence.migrate import upgrade
from service.persistence.tables import login_failures
from tests.fakes import FixedClock

A, B, C = "192.0.2.1", "198.51.100.2", "203.0.113.3"


def gateway(database_url, clock=None, **overrides):
    clock = clock or FixedClock()
    settings = dict(auth_max_failures=5, auth_address_max_failures=12,
                    auth_login_max_failures=20, auth_block_seconds=60,
                    auth_block_max_seconds=3600, rate_query_per_minute=0)
    c = build_container(Settings(database_url=database_url, **(settings | overrides)),
                        clock=clock)
    upgrade(c.engine)
    c.use_cases.accounts.create("alice", "right", Decimal("1"))
    c.clock = clock
    return c


@pytest.fixture
def gw(database_url):
    c = gateway(database_url)
    yield c
    c.engine.dispose()


def attempt(gw, login, password, ip):
    """'ok', 'wrong' or the retry_after of a refusal."""
    try:
        gw.use_cases.accounts.get_balance(Credentials(login, password, ip))
        return "ok"
    except TooManyAttempts as exc:
        return exc.retry_after
    except AuthenticationFailed:
        return "wrong"


def rows(gw) -> int:
    with gw.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(login_failures)).scalar_one()


def test_after_n_failures_the_right_password_is_refused_at_that_address_only(gw):
    assert [attempt(gw, "alice", "guess", A) for _ in range(5)] == ["wrong"] * 5
    assert attempt(gw, "alice", "right", A) == 60
    assert attempt(gw, "alice", "right", B) == "ok"      # the owner elsewhere is not locked out
    gw.clock.advance(seconds=30)
    assert attempt(gw, "alice", "right", A) == 30
    gw.clock.advance(seconds=31)
    assert attempt(gw, "alice", "right", A) == "ok"


def test_repeated_locks_double_up_to_the_maximum(database_url):
    gw = gateway(database_url, auth_address_max_failures=0, auth_login_max_failures=0)
    waits = []
    for _ in range(8):
        assert [attempt(gw, "alice", "guess", A) for _ in range(5)] == ["wrong"] * 5
        waits.append(attempt(gw, "alice", "guess", A))
        gw.clock.advance(seconds=waits[-1])
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    gw.clock.advance(seconds=3600)                  # quiet for the longest lock after the last
    assert [attempt(gw, "alice", "guess", A) for _ in range(5)] == ["wrong"] * 5
    assert attempt(gw, "alice", "right", A) == 60   # strikes are forgotten
    gw.engine.dispose()


def test_an_unknown_login_is_counted_and_refused_in_the_same_words(gw):
    for login in ("alice", "nobody"):
        assert [attempt(gw, login, "guess", A) for _ in range(5)] == ["wrong"] * 5
    with pytest.raises(TooManyAttempts) as known:
        gw.use_cases.accounts.get_balance(Credentials("alice", "right", A))
    with pytest.raises(TooManyAttempts) as unknown:
        gw.use_cases.accounts.get_balance(Credentials("nobody", "right", A))
    assert known.value.message == unknown.value.message
    assert "nobody" not in unknown.value.message and "alice" not in known.value.message


@pytest.mark.parametrize("login", ["a\x00b", "x" * 65, "tab\there", "\ud800"])
def test_a_login_that_cannot_exist_is_never_looked_up_but_counts_on_its_address(gw, login):
    for _ in range(12):  # on PostgreSQL a NUL in a query would fail: it never gets there
        assert attempt(gw, login, "guess", A) == "wrong"
    assert attempt(gw, "alice", "right", A) == 60         # the busy address is locked
    assert attempt(gw, "alice", "right", B) == "ok"


def test_a_busy_address_is_locked_but_not_for_a_login_that_signed_in_there(gw):
    for n in range(11):
        attempt(gw, f"user{n}", "guess", A)
    assert attempt(gw, "alice", "right", A) == "ok"       # failures on record: trusted now
    attempt(gw, "user11", "guess", A)                     # the twelfth: the address is locked
    assert attempt(gw, "bob", "x", A) == 60
    assert attempt(gw, "alice", "right", A) == "ok"


def test_distributed_guessing_locks_the_login_except_where_it_recently_signed_in(gw):
    for n in range(19):
        assert attempt(gw, "alice", "guess", f"10.0.{n}.1") == "wrong"
    assert attempt(gw, "alice", "right", B) == "ok"       # trusted from here on
    assert attempt(gw, "alice", "guess", "10.0.99.1") == "wrong"  # the twentieth
    assert attempt(gw, "alice", "right", C) == 60
    assert attempt(gw, "alice", "right", B) == "ok"


def test_a_wrong_api_key_counts_on_its_address(gw):
    for _ in range(12):
        with pytest.raises(AuthenticationFailed):
            gw.use_cases.accounts.get_balance(Credentials(None, None, A,
                                                          api_key="sgw_deadbeef_nope"))
    assert attempt(gw, "alice", "right", A) == 60


def test_success_without_failures_on_record_writes_nothing(gw):
    for _ in range(20):
        assert attempt(gw, "alice", "right", A) == "ok"
    assert rows(gw) == 0
    attempt(gw, "alice", "guess", A)
    assert rows(gw) == 3                                  # pair, login, address


def test_a_success_forgets_the_pairs_failures(gw):
    for _ in range(4):
        attempt(gw, "alice", "guess", A)
    assert attempt(gw, "alice", "right", A) == "ok"
    assert [attempt(gw, "alice", "guess", A) for _ in range(4)] == ["wrong"] * 4
    assert attempt(gw, "alice", "right", A) == "ok"


def test_the_cli_lists_and_lifts_blocks(database_url, monkeypatch, capsys):
    from service.cli import main
    gw = gateway(database_url, FixedClock(datetime.now(timezone.utc)))  # the CLI's clock is real
    for _ in range(5):
        attempt(gw, "alice", "guess", A)
    for n in range(12):
        attempt(gw, f"u{n}", "guess", B)
    monkeypatch.setenv("SMSGW_DATABASE_URL", database_url)
    assert main(["blocks", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any("login alice" in line and f"address {A}" in line for line in out)
    assert any("login *" in line and f"address {B}" in line for line in out)
    assert out[-1] == "2 block(s) in force"       # alice at A, and the address B
    assert main(["blocks", "lift", "alice"]) == 0
    assert "lifted: alice" in capsys.readouterr().out
    assert attempt(gw, "alice", "right", A) == "ok"
    assert main(["blocks", "lift", B]) == 0
    capsys.readouterr()
    assert attempt(gw, "alice", "right", B) == "ok"
    assert main(["blocks", "lift", "nobody-at-all"]) == 1
    assert "no failures or blocks on record" in capsys.readouterr().err
    gw.engine.dispose()


def test_concurrent_failures_are_all_counted_and_lock_exactly_once_per_threshold(gw):
    guard = gw.use_cases.guard
    start = threading.Barrier(20)
    errors = []

    def fail():
        try:
            start.wait()
            guard.failed("alice", A)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=fail) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with gw.engine.connect() as conn:
        pair = conn.execute(select(login_failures).where(
            login_failures.c.login == "alice", login_failures.c.address == A)).one()
        address = conn.execute(select(login_failures).where(
            login_failures.c.login == "", login_failures.c.address == A)).one()
    assert (pair.strikes, pair.failures) == (4, 0)          # 20 failures: 4 locks of 5
    assert (address.strikes, address.failures) == (1, 8)    # 20 = one lock of 12, then 8


def test_an_address_that_is_no_ip_is_counted_under_a_bounded_digest(gw):
    forged = "10.0.0.1\x00" + "x" * 300     # say, a forwarding header a trusted proxy passed on
    for _ in range(5):
        assert attempt(gw, "alice", "guess", forged) == "wrong"
    assert attempt(gw, "alice", "right", forged) == 60
    assert attempt(gw, "alice", "right", "10.0.0.1") == "ok"
    assert attempt(gw, "alice", "right", "::1") == "ok"
    for _ in range(5):
        attempt(gw, "alice", "guess", "::0001")
    assert attempt(gw, "alice", "right", "0:0::1") == 60   # one address, however written
    assert gw.use_cases.guard.lift("::0001") == 2            # the pair and the address
    assert attempt(gw, "alice", "right", "::1") == "ok"
