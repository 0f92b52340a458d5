"""Sender IDs with fakes: the pure resolution table, prefix parsing, the operator's and the
client's use cases, and the sending and mailing steps (two queries per request)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from service.app.access.auth import Authenticator, Credentials
from service.app.accounts.accounts import AccountService
from service.app.senders.senders import SenderService
from service.app.sending.policy import SendingPolicy
from service.app.sending.sending import SendingService, SendSms
from service.domain import errors
from service.domain.sender_ids import (SenderId, SenderState as St, longest_prefix, parse_policy,
                                       parse_prefix, parse_prefixes, resolve)
from service.domain.status import MessageStatus
from service.domain.pricing import Tariff
from tests.fakes import FakeSenderRepository, FakeUnitOfWorkFactory, FixedClock

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
RU, BY, UK = "+79991234567", "+375291234567", "+442071838750"


def sid(name, state=St.APPROVED, prefixes=(), reason=None):
    return SenderId(1, name, state, T0, tuple(prefixes), reason)


REGISTERED = {s.name: s for s in [
    sid("ACME"), sid("Waiting", St.PENDING), sid("Nope", St.REJECTED, reason="no documents"),
    sid("RuOnly", prefixes=["7"]), sid("Belarus", prefixes=["375", "79"])]}
SHARED = {"7": "SharedRU", "375": "SharedBY", "": "SharedAll"}
RU_ONLY_SHARED = {"7": "SharedRU"}


@pytest.mark.parametrize("wanted,to,shared,policy,sender,why", [
    # approved for every destination, or for the destination's prefix: its own name
    ("ACME", RU, SHARED, "fallback", "ACME", None),
    ("ACME", UK, SHARED, "refuse", "ACME", None),
    ("RuOnly", RU, SHARED, "refuse", "RuOnly", None),
    ("Belarus", BY, SHARED, "fallback", "Belarus", None),
    ("Belarus", "+79001234567", SHARED, "fallback", "Belarus", None),
    # not approved for this destination: fallback takes the longest shared prefix
    ("RuOnly", BY, SHARED, "fallback", "SharedBY", None),
    ("RuOnly", UK, SHARED, "fallback", "SharedAll", None),
    ("Waiting", RU, SHARED, "fallback", "SharedRU", None),
    ("Nope", RU, SHARED, "fallback", "SharedRU", None),
    ("Unknown", RU, SHARED, "fallback", "SharedRU", None),
    (None, BY, SHARED, "fallback", "SharedBY", None),
    # ... refuse says why
    ("RuOnly", BY, SHARED, "refuse", None, "approved only for destinations starting +7"),
    ("Waiting", RU, SHARED, "refuse", None, "waiting for the operator's approval"),
    ("Nope", RU, SHARED, "refuse", None, "was rejected: no documents"),
    ("Unknown", RU, SHARED, "refuse", None, "is not registered"),
    (None, RU, SHARED, "refuse", None, "no sender given"),
    # fallback without a shared sender for the destination refuses too
    ("Waiting", UK, RU_ONLY_SHARED, "fallback", None, "no shared sender serves"),
    (None, UK, {}, "fallback", None, "no sender given"),
])
def test_resolution_table(wanted, to, shared, policy, sender, why):
    r = resolve(wanted, to, REGISTERED, shared, policy)
    assert r.sender == sender
    if why is None:
        assert r.refused is None
    else:
        assert why in r.refused


def test_longest_prefix_wins_and_empty_matches_everything():
    assert longest_prefix(["7", "79", ""], "+79991234567") == "79"
    assert longest_prefix(["7", ""], "+44207") == ""
    assert longest_prefix(["7"], "+44207") is None


@pytest.mark.parametrize("spec,expected", [
    ([""], ()), (["7,375"], ("375", "7")), (["+7, 375", "7"], ("375", "7")), ([], ())])
def test_prefix_lists(spec, expected):
    assert parse_prefixes(spec) == expected


@pytest.mark.parametrize("spec", [["7,,375"], ["7,"], ["x"], ["1234567890123456"], ["7;375"],
                                  ["٣"], [",".join(str(n) for n in range(100, 160))]])
def test_bad_prefix_lists_name_the_field(spec):
    with pytest.raises(errors.ValidationError) as exc:
        parse_prefixes(spec)
    assert exc.value.field == "prefixes"


@given(st.text(max_size=30))
def test_any_prefix_text_is_digits_or_a_validation_error(text):
    try:
        value = parse_prefix(text)
    except errors.ValidationError as exc:
        assert exc.field == "prefix"
    else:
        assert value.isascii() and value.isdigit() and 1 <= len(value) <= 15


def test_policy_names():
    assert parse_policy(" Refuse ") == "refuse"
    with pytest.raises(errors.ValidationError):
        parse_policy("sometimes")


# -- use cases on fakes ----------------------------------------------------------------------

CREDS = Credentials("alice", "pw", "127.0.0.1")


@pytest.fixture
def world():
    uow = FakeUnitOfWorkFactory()
    clock = FixedClock(T0)
    auth = Authenticator()
    accounts = AccountService(uow, auth)
    accounts.create("alice", "pw", Decimal("1000"))
    policy = SendingPolicy(tariff=Tariff.parse("1.00", ""), sender_check=True)
    return dict(uow=uow, accounts=accounts, senders=SenderService(uow, auth, clock),
                sending=SendingService(uow, auth, policy, clock), clock=clock)


def send(world, recipients, sender=None):
    return world["sending"].send(SendSms(CREDS, recipients, "Hello", sender=sender))


def test_a_client_registers_a_pending_name_and_lists_it(world):
    s = world["senders"].register(CREDS, " ACME ")
    assert (s.name, s.state, s.prefixes) == ("ACME", St.PENDING, ())
    assert world["senders"].register(CREDS, "ACME") == s  # again: as it stands
    assert [x.name for x in world["senders"].list(CREDS)] == ["ACME"]
    world["senders"].delete(CREDS, "ACME")
    assert world["senders"].list(CREDS) == []
    with pytest.raises(errors.NotFound):
        world["senders"].delete(CREDS, "ACME")


@pytest.mark.parametrize("name,code", [("ABCDEFGHIJKL", 1), ("a<b>", 1), ("Привет", 1),
                                       ("1234567890123456", 1), ("", 11), ("   ", 11),
                                       (None, 11)])
def test_bad_names_are_refused_naming_the_field(world, name, code):
    with pytest.raises(errors.ValidationError) as exc:
        world["senders"].register(CREDS, name)
    assert (exc.value.code, exc.value.field) == (code, "name")


def test_the_operator_approves_with_prefixes_rejects_and_cannot_approve_twice(world):
    ops = world["senders"]
    ops.register(CREDS, "ACME")
    approved = ops.approve("alice", "ACME", ["7,375"])
    assert (approved.state, approved.prefixes, approved.decided_at) == (St.APPROVED,
                                                                       ("375", "7"), T0)
    with pytest.raises(errors.ConstraintViolation, match="already approved"):
        ops.approve("alice", "ACME", ["375,7"])
    assert ops.approve("alice", "ACME", []).prefixes == ()  # other prefixes: a change
    rejected = ops.reject("alice", "ACME", "no documents")
    assert (rejected.state, rejected.reason, rejected.prefixes) == (St.REJECTED,
                                                                   "no documents", ())
    with pytest.raises(errors.NotFound):
        ops.reject("alice", "Other")
    with pytest.raises(errors.NotFound):
        ops.approve("nobody", "ACME")
    assert ops.approve("alice", "New").state is St.APPROVED  # the operator registers too
    assert [(o.login, o.sender.name) for o in ops.list_all()] == [("alice", "ACME"),
                                                                  ("alice", "New")]


def test_shared_senders_are_set_listed_and_removed(world):
    ops = world["senders"]
    assert ops.set_shared("+7", "SharedRU") == ("7", "SharedRU")
    assert ops.set_shared("*", "Everyone") == ("", "Everyone")
    assert ops.shared() == {"7": "SharedRU", "": "Everyone"}
    ops.remove_shared("7")
    assert ops.shared() == {"": "Everyone"}
    with pytest.raises(errors.NotFound):
        ops.remove_shared("7")
    with pytest.raises(errors.ValidationError):
        ops.set_shared("7x", "A")


def test_a_pending_sender_goes_out_under_the_shared_one_until_approved(world):
    world["senders"].set_shared("7", "SharedRU")
    world["senders"].register(CREDS, "ACME")
    first = send(world, [RU], sender="ACME")
    assert (first.messages[0].sender, first.messages[0].status) == ("SharedRU", "QUEUED")
    world["senders"].approve("alice", "ACME", ["7"])
    again = send(world, [RU, UK], sender="ACME")
    assert [m.sender for m in again.messages] == ["ACME", "ACME"]  # refused: the one asked for
    banned = again.messages[1]
    assert (banned.status, banned.status_code, banned.cost, banned.error_code) == (
        "BANNED", 23, 0, 12)
    assert "no shared sender serves" in banned.error_message
    assert again.code == 98 and again.total_cost == Decimal("1.00")


def test_refuse_makes_the_message_banned_and_free(world):
    world["senders"].set_shared("*", "Shared")
    world["accounts"].configure("alice", sender_policy="refuse")
    result = send(world, [RU], sender="Unknown")
    m = result.messages[0]
    assert (m.status, m.cost, result.code, result.balance) == ("BANNED", 0, 99, Decimal("1000"))
    assert "'Unknown' is not registered" in m.error_message


def test_the_default_sender_is_resolved_like_a_named_one(world):
    world["senders"].set_shared("*", "Shared")
    world["accounts"].configure("alice", default_sender="Mine")  # a client's: not approved
    assert send(world, [RU]).messages[0].sender == "Shared"
    world["accounts"].configure("alice", default_sender="Ops", approve_default_sender=True)
    assert send(world, [RU]).messages[0].sender == "Ops"  # the operator's: approved


def test_without_the_check_any_valid_sender_goes_out_as_asked(world):
    auth, policy = Authenticator(), SendingPolicy()
    unchecked = SendingService(world["uow"], auth, policy, world["clock"])
    result = unchecked.send(SendSms(CREDS, [RU], "Hello", sender="Whatever"))
    assert result.messages[0].sender == "Whatever"


def test_a_send_reads_the_registry_twice_however_many_recipients(world, monkeypatch):
    calls = []
    for name in ("of_account", "shared", "get", "list"):
        original = getattr(FakeSenderRepository, name)
        monkeypatch.setattr(FakeSenderRepository, name,
                            lambda self, *a, _o=original, _n=name, **k: (calls.append(_n),
                                                                          _o(self, *a, **k))[1])
    world["senders"].set_shared("7", "SharedRU")
    calls.clear()
    send(world, [f"+7999123{n:04d}" for n in range(200)], sender="ACME")
    assert sorted(calls) == ["list", "of_account", "shared"]  # of_account is one list()
    assert {m.sender for m in world["uow"].store.messages.values()} == {"SharedRU"}


def test_the_stored_sender_is_the_one_used_and_the_status_shows_it(world):
    from service.app.sending.status_query import GetStatus, StatusQueries
    world["senders"].set_shared("7", "SharedRU")
    result = send(world, [RU], sender="ACME")
    statuses = StatusQueries(world["uow"], Authenticator(), SendingPolicy())
    view = statuses.get_status(GetStatus(CREDS, [result.messages[0].message_id]))[0]
    assert view.sender == "SharedRU"
    stored = world["uow"].store.messages[result.messages[0].message_id]
    assert (stored.sender, stored.status) == ("SharedRU", MessageStatus.QUEUED)
