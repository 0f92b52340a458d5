"""SMPP binds: the SMPP password on the one credential path (same answer and cost for unknown
logins, wrong passwords and accounts without an SMPP password), the login guard, blocking,
the IP allowlist, and the per-account limit on live sessions across nodes."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from service.app.access.auth import Authenticator, Credentials
from service.app.access.login_guard import GuardPolicy, LoginGuard
from service.app.accounts.accounts import AccountService
from service.app.smpp.binds import BindType, BoundSession, SmppBinds
from service.domain.errors import (AccountBlocked, AuthenticationFailed, ConstraintViolation,
                                   IpNotAllowed, SmsgwError, TooManyAttempts, TooManyBinds,
                                   ValidationError)
from service.domain.passwords import validate_smpp_password
from tests.fakes import FakeUnitOfWorkFactory, FixedClock

IP = "192.0.2.1"


class World:
    def __init__(self, monkeypatch) -> None:
        self.uow = FakeUnitOfWorkFactory()
        self.clock = FixedClock()
        guard = LoginGuard(self.uow, self.clock, GuardPolicy(
            max_failures=3, address_max_failures=0, login_max_failures=0, block_seconds=10))
        self.auth = Authenticator(guard=guard)
        self.accounts = AccountService(self.uow, self.auth, clock=self.clock)
        self.binds = SmppBinds(self.uow, self.auth, self.clock, max_binds=2)
        self.accounts.create("alice", "web-password", Decimal("10"))
        self.accounts.configure("alice", smpp_password="smpp-pw")
        self.accounts.create("nosmpp", "web-password", Decimal("10"))
        self.scrypts: list[int] = []
        real = hashlib.scrypt
        monkeypatch.setattr(hashlib, "scrypt",
                            lambda *a, **k: self.scrypts.append(1) or real(*a, **k))

    def bind(self, login="alice", password="smpp-pw", ip=IP, node="node-a",
             bind_type=BindType.TRANSCEIVER) -> BoundSession:
        return self.binds.bind(login, password, ip, bind_type, node)

    def live(self, login="alice") -> int:
        account = self.accounts.show(login)
        stale_before = self.clock.now() - timedelta(seconds=60)
        with self.uow() as uow:
            return uow.smpp_sessions.live(account.stored_id, stale_before)


@pytest.fixture
def world(monkeypatch):
    return World(monkeypatch)


def test_the_smpp_password_binds_and_names_the_account(world):
    session = world.bind(bind_type=BindType.RECEIVER)
    alice = world.accounts.show("alice")
    assert session == BoundSession(session.session_id, alice.stored_id, "alice", BindType.RECEIVER)
    assert world.live() == 1


def test_the_web_password_does_not_bind_and_the_smpp_password_does_not_sign_in(world):
    with pytest.raises(AuthenticationFailed):
        world.bind(password="web-password")
    with pytest.raises(AuthenticationFailed):
        with world.uow() as uow:
            world.auth.authenticate(uow, Credentials("alice", "smpp-pw", IP))


@pytest.mark.parametrize(("login", "password"), [
    ("nobody", "smpp-pw"),        # an unknown login
    ("alice", "wrong"),           # a wrong password
    ("nosmpp", "web-password"),   # an account without an SMPP password
    ("nosmpp", ""),
    ("a\x00b", "smpp-pw"),        # a login no account can have
    ("x" * 65, "smpp-pw"),        # longer than any login
    ("", "smpp-pw"),
])
def test_every_refused_bind_gets_the_same_answer_for_the_same_cost(world, login, password):
    with pytest.raises(AuthenticationFailed) as exc:
        world.bind(login, password)
    assert type(exc.value) is AuthenticationFailed
    assert exc.value.message == "invalid login or password" and not exc.value.missing
    assert len(world.scrypts) == 1


def test_a_verified_bind_is_remembered_until_the_smpp_password_changes(world):
    world.binds.unbind(world.bind().session_id)
    world.scrypts.clear()
    world.binds.unbind(world.bind().session_id)
    assert world.scrypts == []
    world.accounts.configure("alice", smpp_password="new-pw")
    with pytest.raises(AuthenticationFailed):
        world.bind(password="smpp-pw")
    assert world.bind(password="new-pw").login == "alice"


def test_a_remembered_web_password_never_passes_for_the_smpp_one(world):
    world.accounts.configure("alice", password="same")
    with world.uow() as uow:
        world.auth.authenticate(uow, Credentials("alice", "same", IP))
    with pytest.raises(AuthenticationFailed):
        world.bind(password="same")


def test_failed_binds_lock_the_login_like_failed_sign_ins(world):
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            world.bind(password="wrong")
    world.scrypts.clear()
    with pytest.raises(TooManyAttempts) as exc:
        world.bind()
    assert exc.value.retry_after == 10 and world.scrypts == []
    with pytest.raises(TooManyAttempts):  # one guard for every door
        with world.uow() as uow:
            world.auth.authenticate(uow, Credentials("alice", "web-password", IP))
    assert world.bind(ip="192.0.2.2").login == "alice"
    world.clock.advance(seconds=10)
    assert world.bind().login == "alice"


def test_failed_binds_of_unknown_logins_are_counted_too(world):
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            world.bind("ghost", "whatever")
    with pytest.raises(TooManyAttempts):
        world.bind("ghost", "whatever")


def test_a_blocked_account_cannot_bind(world):
    world.accounts.configure("alice", blocked=True)
    with pytest.raises(AccountBlocked):
        world.bind()
    assert world.live() == 0


def test_the_ip_allowlist_applies_to_binds(world):
    world.accounts.configure("alice", allowed_ips=["10.0.0.0/8"])
    with pytest.raises(IpNotAllowed):
        world.bind(ip=IP)
    with pytest.raises(IpNotAllowed):
        world.bind(ip=None)
    assert world.bind(ip="10.1.2.3").login == "alice"


def test_binds_stop_at_the_gateway_default_across_nodes(world):
    world.bind(node="node-a")
    world.bind(node="node-b")
    with pytest.raises(TooManyBinds) as exc:
        world.bind(node="node-c")
    assert exc.value.limit == 2 and exc.value.code == 31 and isinstance(exc.value, SmsgwError)
    assert world.live() == 2


def test_an_account_limit_replaces_the_default_and_minus_one_restores_it(world):
    world.accounts.configure("alice", smpp_max_binds=3)
    for _ in range(3):
        world.bind()
    with pytest.raises(TooManyBinds) as exc:
        world.bind()
    assert exc.value.limit == 3
    world.accounts.configure("alice", smpp_max_binds=-1)
    assert world.accounts.show("alice").settings.smpp_max_binds is None
    with pytest.raises(TooManyBinds) as exc:
        world.bind()
    assert exc.value.limit == 2


def test_the_limit_is_per_account(world):
    world.accounts.configure("nosmpp", smpp_password="pw2")
    world.bind()
    world.bind()
    assert world.bind("nosmpp", "pw2").login == "nosmpp"


def test_an_unbound_session_frees_its_slot(world):
    first = world.bind()
    world.bind()
    world.binds.unbind(first.session_id)
    world.binds.unbind(first.session_id)  # twice: harmless
    assert world.bind().login == "alice"


def test_heartbeats_keep_sessions_counting_and_stale_ones_stop(world):
    sessions = [world.bind().session_id, world.bind().session_id]
    world.clock.advance(seconds=45)
    world.binds.heartbeat(sessions)
    world.clock.advance(seconds=45)  # 90 s after binding, 45 s after the heartbeat
    with pytest.raises(TooManyBinds):
        world.bind()
    world.clock.advance(seconds=16)  # 61 s without a heartbeat: a dead node's sessions
    assert world.live() == 0
    assert world.bind().login == "alice"


def test_a_restarting_node_releases_what_it_held(world):
    world.bind(node="node-a")
    world.bind(node="node-a")
    assert world.binds.release_node("node-a") == 2
    assert world.bind(node="node-a").login == "alice"


def test_heartbeats_purge_sessions_long_dead(world):
    world.bind(node="crashed")
    world.clock.advance(hours=2)
    world.binds.heartbeat([])
    assert world.uow.store.smpp_sessions == {}


def test_a_session_rechecks_that_its_account_is_still_active(world):
    session = world.bind()
    assert world.binds.account_active(session.account_id)
    world.accounts.configure("alice", blocked=True)
    assert not world.binds.account_active(session.account_id)
    world.accounts.configure("alice", blocked=False)
    assert world.binds.account_active(session.account_id)
    world.accounts.configure("alice", smpp_password="")  # SMPP access revoked
    assert not world.binds.account_active(session.account_id)
    assert not world.binds.account_active(999)


def test_bind_types_say_which_way_messages_go():
    assert [(t.value, t.transmits, t.receives) for t in BindType] == [
        ("tx", True, False), ("rx", False, True), ("trx", True, True)]


@pytest.mark.parametrize("kwargs", [dict(max_binds=0), dict(heartbeat_seconds=60),
                                    dict(stale_seconds=7200)])
def test_binds_refuse_settings_that_cannot_work(kwargs):
    with pytest.raises(ValueError):
        SmppBinds(FakeUnitOfWorkFactory(), Authenticator(), FixedClock(), **kwargs)


@pytest.mark.parametrize("node", ["", "n" * 65])
def test_a_node_name_fits_its_column(world, node):
    with pytest.raises(ValueError):
        world.bind(node=node)


# -- the operator's settings ---------------------------------------------------------------

@pytest.mark.parametrize("password", ["", "123456789", "pässwort", "tab\there", "nul\x00"])
def test_an_smpp_password_is_one_to_eight_printable_ascii_characters(password):
    with pytest.raises(ValidationError) as exc:
        validate_smpp_password(password)
    assert "1 to 8 printable ASCII characters" in exc.value.message
    assert exc.value.field == "smpp_password"


@given(st.text(max_size=12))
def test_an_smpp_password_is_accepted_exactly_when_a_strict_client_can_send_it(password):
    sendable = 1 <= len(password) <= 8 and all(0x20 <= ord(c) <= 0x7E for c in password)
    try:
        assert validate_smpp_password(password) == password and sendable
    except ValidationError:
        assert not sendable


def test_configure_keeps_the_smpp_password_hashed_and_can_remove_it(world):
    alice = world.accounts.show("alice")
    assert alice.smpp_password_hash and "smpp-pw" not in alice.smpp_password_hash
    assert alice.smpp_password_hash != alice.password_hash
    world.accounts.configure("alice", smpp_password="")
    assert world.accounts.show("alice").smpp_password_hash is None
    with pytest.raises(AuthenticationFailed):
        world.bind()


def test_configure_refuses_a_bad_smpp_password_and_changes_nothing(world):
    with pytest.raises(ValidationError):
        world.accounts.configure("alice", smpp_password="far-too-long", blocked=True)
    alice = world.accounts.show("alice")
    assert not alice.blocked
    assert world.bind().login == "alice"


@pytest.mark.parametrize("value", [0, -2, 1001])
def test_configure_refuses_a_bind_limit_out_of_range(world, value):
    with pytest.raises(ConstraintViolation) as exc:
        world.accounts.configure("alice", smpp_max_binds=value)
    assert exc.value.field == "smpp_max_binds"
