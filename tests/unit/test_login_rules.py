"""Login rules in the domain and the app: the alphabet, the dummy hash that makes unknown
logins cost what a wrong password costs, and the guard over the in-memory store."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from service.app.accounts.accounts import AccountService
from service.app.access.auth import Authenticator, Credentials
from service.app.access.login_guard import GuardPolicy, LoginGuard
from service.domain.errors import AuthenticationFailed, TooManyAttempts, ValidationError
from service.domain.logins import could_be_stored, validate_login
from service.domain.passwords import hash_password
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, make_account


@pytest.mark.parametrize("login", ["a", "alice", "A.b_c-d@example.org", "x" * 64, "007"])
def test_the_alphabet_takes_letters_digits_and_four_marks(login):
    assert validate_login(login) == login


@pytest.mark.parametrize("login", ["", "a:b", "a b", " alice", "x" * 65, "ålice", "a\x00",
                                   "a/b", "a+b", "a%40b", None])
def test_the_alphabet_refuses_anything_else_in_one_line(login):
    with pytest.raises(ValidationError) as exc:
        validate_login(login)
    assert exc.value.field == "login" and "\n" not in exc.value.message


def test_a_stored_login_outside_the_alphabet_could_exist_but_control_characters_could_not():
    assert could_be_stored("old user") and could_be_stored("a:b") and could_be_stored("ålice")
    for login in ("", "x" * 65, "a\x00b", "a\nb", "\ud800", "\x7f"):
        assert not could_be_stored(login)


@pytest.fixture
def world(monkeypatch):
    uow = FakeUnitOfWorkFactory()
    clock = FixedClock()
    with uow() as u:
        u.accounts.add(make_account("alice", hash_password("right")))
        u.accounts.add(make_account("old user", hash_password("right")))  # before the rule
        u.commit()
    guard = LoginGuard(uow, clock, GuardPolicy(max_failures=3, address_max_failures=0,
                                               login_max_failures=0, block_seconds=10))
    auth = Authenticator(guard=guard)
    scrypts = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: scrypts.append(1) or real(*a, **k))
    lookups = []

    def login(name, password, ip="192.0.2.1"):
        with uow() as u:
            get = u.accounts.get_by_login
            u.accounts.get_by_login = lambda x: lookups.append(x) or get(x)
            return auth.authenticate(u, Credentials(name, password, ip))
    login.scrypts, login.lookups, login.clock = scrypts, lookups, clock
    return login


@pytest.mark.parametrize("name", ["alice", "nobody", "a\x00b", "x" * 200, "\x01"])
def test_unknown_wrong_and_impossible_logins_each_cost_one_scrypt(world, name):
    with pytest.raises(AuthenticationFailed) as exc:
        world(name, "wrong")
    assert len(world.scrypts) == 1 and exc.value.message == "invalid login or password"
    assert world.lookups == ([name] if could_be_stored(name) else [])


def test_a_stored_login_outside_the_alphabet_still_signs_in(world):
    assert world("old user", "right").login == "old user"


def test_a_lock_refuses_the_right_password_without_hashing_and_then_expires(world):
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            world("alice", "wrong")
    world.scrypts.clear()
    with pytest.raises(TooManyAttempts) as exc:
        world("alice", "right")
    assert exc.value.retry_after == 10 and world.scrypts == [] and exc.value.code == 8
    assert world("alice", "right", ip="192.0.2.2").login == "alice"
    world.clock.advance(seconds=10)
    assert world("alice", "right").login == "alice"


def test_account_create_refuses_a_login_outside_the_alphabet():
    service = AccountService(FakeUnitOfWorkFactory(), Authenticator())
    for login in ("a:b", "with space", "", "x" * 65):
        with pytest.raises(ValidationError, match="letters, digits and . _ - @"):
            service.create(login, "pw", Decimal("0"))
    assert service.create("a.b_c-d@e", "pw").login == "a.b_c-d@e"


@pytest.mark.parametrize("old,new", [("SMSGW_HTTP_RATE_PER_MINUTE", "SMSGW_RATE_"),
                                     ("SMSGW_SMSC_IP_BLOCK_ERRORS", "SMSGW_AUTH_ADDRESS_")])
def test_a_replaced_setting_is_an_error_that_names_its_replacement(old, new):
    from service.config import ConfigError, Settings
    with pytest.raises(ConfigError, match=new):
        Settings.from_env({old: "0"})


def test_guard_and_rate_settings_are_read_and_checked():
    from service.config import ConfigError, Settings
    s = Settings.from_env({"SMSGW_AUTH_MAX_FAILURES": "7", "SMSGW_RATE_SEND_PER_MINUTE": "0"})
    assert (s.auth_max_failures, s.rate_send_per_minute, s.rate_query_per_minute) == (7, 0, 600)
    with pytest.raises(ConfigError, match="SMSGW_AUTH_BLOCK_SECONDS"):
        Settings.from_env({"SMSGW_AUTH_BLOCK_SECONDS": "0"})
    with pytest.raises(ConfigError, match="SMSGW_RATE_QUERY_PER_MINUTE"):
        Settings.from_env({"SMSGW_RATE_QUERY_PER_MINUTE": "-1"})
