"""One contract for the RetentionStore port (app/retention/ports.py): the in-memory fake and
the SQL store on both databases purge and archive the same messages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert

from service.domain.account import AccountSettings
from service.domain.encoding import Encoding
from service.domain.message import Message
from service.domain.status import MessageStatus as S
from service.persistence.tables import callbacks
from service.persistence.uow import SqlUnitOfWorkFactory
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, make_account

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


@pytest.fixture(params=["fake", *STORES])
def uow_factory(request):
    if request.param == "fake":
        yield FakeUnitOfWorkFactory()
        return
    engine = migrated(store_url(request, request.param))
    yield SqlUnitOfWorkFactory(engine, FixedClock(NOW))
    engine.dispose()


def add_account(uow_factory, login, retention_days=None):
    with uow_factory(write=True) as uow:
        account = make_account(login)
        account.settings = AccountSettings(retention_days=retention_days)
        account = uow.accounts.add(account)
        uow.commit()
    return account.stored_id


def add_message(uow_factory, account_id, status=S.DELIVERED, finished=NOW, mailing_id=None,
                external_id=None, notifications=()):
    """A message that became final at ``finished`` (a final message stored directly is final
    from its ``updated_at``), with notifications in the given states."""
    m = Message(id=None, account_id=account_id, recipient="+79991234567", text="Hi",
                sender=None, encoding=Encoding.GSM7, segments=1, cost=Decimal("1.25"),
                status=status, created_at=finished - HOUR, updated_at=finished,
                valid_until=finished + HOUR, mailing_id=mailing_id, external_id=external_id)
    with uow_factory(write=True) as uow:
        [message_id] = uow.messages.add_many([m])
        if isinstance(uow_factory, FakeUnitOfWorkFactory):
            if status.final:
                uow._work.retention.finished_at[message_id] = finished
            uow._work.retention.callbacks[message_id] = list(notifications)
        else:
            for state in notifications:
                uow.retention._conn.execute(insert(callbacks).values(
                    account_id=account_id, message_id=message_id, url="http://x.test/cb",
                    payload="{}", state=state, attempts=0, next_attempt_at=NOW, created_at=NOW))
        uow.commit()
    return message_id


def found(uow_factory, account_id, ids):
    with uow_factory() as uow:
        return set(uow.messages.get_many(account_id, ids))


def test_retention_classes_are_the_distinct_account_settings(uow_factory):
    add_account(uow_factory, "a", None)
    add_account(uow_factory, "b", 0)
    add_account(uow_factory, "c", 0)
    add_account(uow_factory, "d", 7)
    with uow_factory() as uow:
        assert sorted(uow.retention.retention_classes(), key=lambda d: -1 if d is None else d) \
            == [None, 0, 7]


def test_purge_takes_final_messages_of_that_setting_finished_by_the_cutoff(uow_factory):
    zero = add_account(uow_factory, "zero", 0)
    other = add_account(uow_factory, "other", 7)
    done = add_message(uow_factory, zero, finished=NOW - HOUR)
    at_cutoff = add_message(uow_factory, zero, finished=NOW)
    later = add_message(uow_factory, zero, finished=NOW + HOUR)
    queued = add_message(uow_factory, zero, status=S.QUEUED)
    notifying = add_message(uow_factory, zero, notifications=("delivered", "pending"))
    given_up = add_message(uow_factory, zero, notifications=("dead",))
    others = add_message(uow_factory, other, finished=NOW - HOUR)
    with uow_factory(write=True) as uow:
        assert uow.retention.purge(0, NOW, 100) == 3
        uow.commit()
    assert found(uow_factory, zero, [done, at_cutoff, later, queued, notifying, given_up]) == {
        later, queued, notifying}
    assert found(uow_factory, other, [others]) == {others}


def test_purge_honours_the_limit_and_the_default_class(uow_factory):
    default = add_account(uow_factory, "default", None)
    ids = [add_message(uow_factory, default, finished=NOW - HOUR) for _ in range(5)]
    with uow_factory(write=True) as uow:
        assert uow.retention.purge(None, NOW, 2) == 2
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.retention.purge(None, NOW, 10) == 3
        uow.commit()
    assert found(uow_factory, default, ids) == set()


def test_archive_moves_old_final_messages_and_they_are_still_found(uow_factory):
    acc = add_account(uow_factory, "alice")
    old = add_message(uow_factory, acc, finished=NOW - 25 * HOUR, external_id="ext-1",
                      notifications=("delivered",))
    young = add_message(uow_factory, acc, finished=NOW - HOUR)
    waiting = add_message(uow_factory, acc, finished=NOW - 25 * HOUR, notifications=("pending",))
    dead = add_message(uow_factory, acc, finished=NOW - 25 * HOUR, notifications=("dead",))
    queued = add_message(uow_factory, acc, status=S.QUEUED, finished=NOW - 25 * HOUR)
    with uow_factory(write=True) as uow:
        assert uow.retention.archive(NOW - 24 * HOUR, 100) == 1
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.retention.archive(NOW - 24 * HOUR, 100) == 0  # nothing moves twice
        uow.commit()
    assert found(uow_factory, acc, [old, young, waiting, dead, queued]) == {
        old, young, waiting, dead, queued}
    with uow_factory() as uow:
        [by_ref] = uow.messages.by_client_keys(acc, ["ext-1"])
        [by_id] = uow.messages.by_client_keys(acc, [str(old)])
    assert by_ref.id == by_id.id == old and by_ref.status is S.DELIVERED


def test_purge_reaches_archived_messages_too(uow_factory):
    acc = add_account(uow_factory, "alice", 2)
    old = add_message(uow_factory, acc, finished=NOW - 72 * HOUR)
    with uow_factory(write=True) as uow:
        assert uow.retention.archive(NOW - 24 * HOUR, 100) == 1
        assert uow.retention.purge(2, NOW - 48 * HOUR, 100) == 1
        uow.commit()
    assert found(uow_factory, acc, [old]) == set()


def test_purged_mailing_messages_stay_in_the_statistics(uow_factory):
    acc = add_account(uow_factory, "alice", 0)
    for status in (S.DELIVERED, S.DELIVERED, S.UNDELIVERABLE):
        add_message(uow_factory, acc, status=status, mailing_id=77)
    with uow_factory(write=True) as uow:
        before = uow.mailings.stats(77)
        assert uow.retention.archive(NOW, 1) == 1   # one archived, the rest purged
        assert uow.retention.purge(0, NOW, 100) == 3
        uow.commit()
    with uow_factory() as uow:
        after = uow.mailings.stats(77)
    assert before == after == {"DELIVERED": (2, Decimal("2.50")),
                               "UNDELIVERABLE": (1, Decimal("1.25"))}


def test_expired_counters_and_idempotency_keys_go(uow_factory):
    acc = add_account(uow_factory, "alice")
    with uow_factory(write=True) as uow:
        for window in (100, 101, 102):
            uow.counters.hit(acc, "k", window)
        uow.counters.hit(acc + 0, "other", 50)
        uow.send_requests.claim(acc, "old", NOW - 30 * HOUR, NOW - 54 * HOUR)
        uow.send_requests.claim(acc, "new", NOW, NOW - 24 * HOUR)
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.retention.purge_counters(102) >= 1
        assert uow.retention.purge_send_requests(NOW - 24 * HOUR, 10) == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.counters.latest_window(acc, "k") == 102
        assert uow.counters.latest_window(acc, "other") is None
        assert uow.send_requests.find(acc, "old") is None
        assert uow.send_requests.find(acc, "new") is not None


def test_inbound_events_on_the_callback_outbox_neither_block_nor_break_retention(uow_factory):
    from service.app.delivery.ports import NewCallback
    zero = add_account(uow_factory, "zero", 0)
    done = add_message(uow_factory, zero, finished=NOW - 25 * HOUR)
    archived = add_message(uow_factory, zero, finished=NOW - 25 * HOUR)
    with uow_factory(write=True) as uow:    # events of inbound messages, pending and dead
        uow.delivery.queue_callbacks([NewCallback(zero, "http://x.test/cb", "{}", inbound_id=i)
                                      for i in (done, archived, 999)], NOW)
        [first, *_] = uow.delivery.claim_callbacks(NOW, NOW + HOUR, 1)
        uow.delivery.callbacks_settled([], [(first.id, "HTTP 503", None)], NOW)
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.retention.archive(NOW - 24 * HOUR, 1) == 1   # (an inbound id equal to a
        assert uow.retention.purge(0, NOW, 100) == 2             # message id means nothing)
        uow.commit()
    assert found(uow_factory, zero, [done, archived]) == set()
    with uow_factory(write=True) as uow:    # the events are kept, and still go out
        assert uow.delivery.callback_states([first.id]) == {first.id: "dead"}
        assert [j.inbound_id for j in uow.delivery.claim_callbacks(NOW, NOW + HOUR, 10)] == [
            archived, 999]
