"""The LimitStore port's contract, run against the in-memory fake and both SQL stores."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from service.domain.encoding import Encoding
from service.domain.limits import Flood, Limits, QuietHours, Sent, day_of, month_of
from service.domain.message import Message
from service.domain.status import MessageStatus
from service.persistence.uow import SqlUnitOfWorkFactory
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, make_account

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["fake", *STORES])
def uow_factory(request):
    if request.param == "fake":
        yield FakeUnitOfWorkFactory()
        return
    engine = migrated(store_url(request, request.param))
    yield SqlUnitOfWorkFactory(engine, FixedClock(NOW))
    engine.dispose()


def account(uow_factory, login="alice") -> int:
    with uow_factory(write=True) as uow:
        stored = uow.accounts.add(make_account(login))
        uow.commit()
    return stored.stored_id


def store(uow_factory, *messages: Message) -> None:
    with uow_factory(write=True) as uow:
        uow.messages.add_many(list(messages))
        uow.commit()


def msg(account_id, recipient, text="hi", at=NOW, status=MessageStatus.QUEUED) -> Message:
    return Message(id=None, account_id=account_id, recipient=recipient, text=text, sender=None,
                   encoding=Encoding.GSM7, segments=1, cost=Decimal("1"), status=status,
                   created_at=at, updated_at=at, valid_until=at + timedelta(days=1))


def test_own_limits_round_trip_and_replace(uow_factory):
    alice = account(uow_factory)
    with uow_factory() as uow:
        assert uow.sending_limits.get(alice) is None
    full = Limits(per_day=10, per_month=0, flood=Flood(5, 10), duplicate_minutes=30,
                  countries=("RU", "KZ"), quiet_hours=QuietHours(21, 9))
    for limits in (full, Limits(per_day=3), Limits(countries=(), flood=Flood(0, 0),
                                                   quiet_hours=QuietHours(0, 0))):
        with uow_factory(write=True) as uow:
            uow.sending_limits.put(alice, limits)
            uow.commit()
        with uow_factory() as uow:
            assert uow.sending_limits.get(alice) == limits


def test_nothing_is_kept_without_a_commit(uow_factory):
    alice = account(uow_factory)
    with uow_factory(write=True) as uow:
        uow.sending_limits.put(alice, Limits(per_day=1))
        uow.sending_limits.reserve(alice, day_of(NOW), 1, 5)
    with uow_factory() as uow:
        assert uow.sending_limits.get(alice) is None
        assert uow.sending_limits.used(alice, day_of(NOW)) == 0


def remember(uow_factory, account_id, *sends: Sent, forget_before=NOW - timedelta(days=7)):
    with uow_factory(write=True) as uow:
        uow.sending_limits.remember(account_id, list(sends), forget_before)
        uow.commit()


def test_recent_gives_the_remembered_sends_to_the_numbers_since_a_time(uow_factory):
    alice, bob = account(uow_factory), account(uow_factory, "bob")
    remember(uow_factory, alice, Sent("+1", "a", NOW - timedelta(minutes=5)),
             Sent("+1", "old", NOW - timedelta(minutes=50)),
             Sent("+2", "b", NOW - timedelta(minutes=1)), Sent("+3", "c", NOW))
    remember(uow_factory, alice, Sent("+1", "y", NOW))
    remember(uow_factory, bob, Sent("+1", "bob's", NOW))
    with uow_factory() as uow:
        found = uow.sending_limits.recent(alice, ["+1", "+2"], NOW - timedelta(minutes=10))
    assert sorted((s.recipient, s.text) for s in found) == [("+1", "a"), ("+1", "y"), ("+2", "b")]
    assert all(s.at.tzinfo is not None for s in found)


def test_remembering_forgets_the_accounts_older_sends_and_new_limits_forget_them_all(
        uow_factory):
    alice, bob = account(uow_factory), account(uow_factory, "bob")
    remember(uow_factory, alice, Sent("+1", "old", NOW - timedelta(minutes=50)))
    remember(uow_factory, bob, Sent("+1", "bob's", NOW - timedelta(minutes=50)))
    remember(uow_factory, alice, Sent("+1", "new", NOW), forget_before=NOW - timedelta(minutes=10))
    with uow_factory() as uow:
        long_ago = NOW - timedelta(days=1)
        assert [s.text for s in uow.sending_limits.recent(alice, ["+1"], long_ago)] == ["new"]
        assert [s.text for s in uow.sending_limits.recent(bob, ["+1"], long_ago)] == ["bob's"]
    with uow_factory(write=True) as uow:
        uow.sending_limits.put(alice, Limits(duplicate_minutes=5))
        uow.commit()
    with uow_factory() as uow:
        assert uow.sending_limits.recent(alice, ["+1"], NOW - timedelta(days=1)) == []


def test_nothing_is_remembered_without_a_commit(uow_factory):
    alice = account(uow_factory)
    with uow_factory(write=True) as uow:
        uow.sending_limits.remember(alice, [Sent("+1", "a", NOW)], NOW - timedelta(days=1))
    with uow_factory() as uow:
        assert uow.sending_limits.recent(alice, ["+1"], NOW - timedelta(days=1)) == []


def test_recent_answers_more_numbers_than_one_query_holds(uow_factory):
    alice = account(uow_factory)
    numbers = [f"+7900000{n:04d}" for n in range(1200)]
    remember(uow_factory, alice, *(Sent(n, "hi", NOW) for n in numbers[::100]))
    with uow_factory() as uow:
        found = uow.sending_limits.recent(alice, numbers, NOW - timedelta(minutes=1))
    assert sorted(s.recipient for s in found) == numbers[::100]


def test_reserve_counts_up_to_the_limit_and_never_past_it(uow_factory):
    alice = account(uow_factory)
    day = day_of(NOW)
    with uow_factory(write=True) as uow:
        assert uow.sending_limits.reserve(alice, day, 3, 5) == 3
        assert uow.sending_limits.reserve(alice, day, 3, 5) is None
        assert uow.sending_limits.used(alice, day) == 3
        assert uow.sending_limits.reserve(alice, day, 2, 5) == 5
        assert uow.sending_limits.reserve(alice, day, 1, 5) is None
        assert uow.sending_limits.reserve(alice, month_of(NOW), 1, 5) == 1  # its own count
        uow.commit()
    with uow_factory() as uow:
        assert uow.sending_limits.used(alice, day) == 5


def test_a_periods_first_count_starts_from_the_messages_already_in_it(uow_factory):
    alice = account(uow_factory)
    store(uow_factory, msg(alice, "+1"), msg(alice, "+2", at=NOW - timedelta(hours=1)),
          msg(alice, "+3", at=NOW - timedelta(days=1)),                 # yesterday
          msg(alice, "+4", status=MessageStatus.INVALID_NUMBER))         # refused
    with uow_factory(write=True) as uow:
        assert uow.sending_limits.reserve(alice, day_of(NOW), 1, 10) == 3
        assert uow.sending_limits.reserve(alice, month_of(NOW), 1, 10) == 4
        uow.commit()


def test_serialize_is_harmless_in_any_unit(uow_factory):
    alice = account(uow_factory)
    for write in (False, True):
        with uow_factory(write=write) as uow:
            uow.sending_limits.serialize(alice)
            uow.sending_limits.serialize(alice)
