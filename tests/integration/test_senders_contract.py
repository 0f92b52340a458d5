"""One contract for the sender registry port, run against the in-memory fake and both SQL
stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from service.domain.account import AccountSettings
from service.domain.encoding import Encoding
from service.domain.message import Message
from service.domain.sender_ids import SenderId, SenderState as St
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


def accounts(uow_factory, *logins):
    ids = []
    with uow_factory(write=True) as uow:
        for login in logins:
            ids.append(uow.accounts.add(make_account(login)).stored_id)
        uow.commit()
    return ids


def test_saved_senders_read_back_per_account_by_name(uow_factory):
    alice, bob = accounts(uow_factory, "alice", "bob")
    with uow_factory(write=True) as uow:
        uow.senders.save(SenderId(alice, "Zeta", St.PENDING, NOW))
        uow.senders.save(SenderId(alice, "ACME", St.APPROVED, NOW, ("375", "7"),
                                  decided_at=NOW + timedelta(minutes=1)))
        uow.senders.save(SenderId(bob, "ACME", St.REJECTED, NOW, reason="no documents"))
        uow.commit()
    with uow_factory() as uow:
        mine = uow.senders.of_account(alice)
        assert [s.name for s in mine] == ["ACME", "Zeta"]
        assert mine[0] == SenderId(alice, "ACME", St.APPROVED, NOW, ("375", "7"),
                                   decided_at=NOW + timedelta(minutes=1))
        assert uow.senders.get(bob, "ACME").reason == "no documents"
        assert uow.senders.get(bob, "Zeta") is None
        assert uow.senders.get(alice, "acme") is None  # names are exact
        assert [(s.account_id, s.name) for s in uow.senders.list()] == [
            (alice, "ACME"), (alice, "Zeta"), (bob, "ACME")]
        assert [s.name for s in uow.senders.list(bob)] == ["ACME"]


def test_save_replaces_the_decision_and_keeps_the_registration_time(uow_factory):
    (alice,) = accounts(uow_factory, "alice")
    pending = SenderId(alice, "ACME", St.PENDING, NOW)
    with uow_factory(write=True) as uow:
        uow.senders.save(pending)
        uow.commit()
    later = NOW + timedelta(hours=1)
    with uow_factory(write=True) as uow:
        uow.senders.save(replace(pending, state=St.APPROVED, prefixes=("7",), decided_at=later,
                                 created_at=later))
        uow.commit()
    with uow_factory() as uow:
        got = uow.senders.get(alice, "ACME")
        assert (got.state, got.prefixes, got.decided_at, got.created_at) == (
            St.APPROVED, ("7",), later, NOW)
        assert len(uow.senders.of_account(alice)) == 1


def test_delete_and_rollback(uow_factory):
    (alice,) = accounts(uow_factory, "alice")
    with uow_factory(write=True) as uow:
        uow.senders.save(SenderId(alice, "ACME", St.PENDING, NOW))
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.senders.delete(alice, "ACME") is True
        assert uow.senders.delete(alice, "ACME") is False
        # not committed: the sender stays
    with uow_factory() as uow:
        assert uow.senders.get(alice, "ACME") is not None


def test_shared_senders_by_prefix(uow_factory):
    with uow_factory(write=True) as uow:
        uow.senders.set_shared("7", "SharedRU", NOW)
        uow.senders.set_shared("", "Everyone", NOW)
        uow.senders.set_shared("7", "NewRU", NOW)
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.senders.shared() == {"7": "NewRU", "": "Everyone"}
        assert uow.senders.remove_shared("") is True
        assert uow.senders.remove_shared("") is False
        uow.commit()
    with uow_factory() as uow:
        assert uow.senders.shared() == {"7": "NewRU"}


def test_adopt_approves_each_sender_in_use_once(uow_factory):
    alice, bob = accounts(uow_factory, "alice", "bob")
    with uow_factory(write=True) as uow:
        account = uow.accounts.get(bob)
        account.settings = AccountSettings(default_sender="BobCo")
        uow.accounts.update(account)
        uow.messages.add_many([_message(alice, "ACME"), _message(alice, "ACME"),
                               _message(alice, None), _message(bob, "BobCo"),
                               _message(alice, "Mine")])
        uow.senders.save(SenderId(alice, "Mine", St.REJECTED, NOW, reason="no"))
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.senders.adopt_in_use(NOW) == 2
        assert uow.senders.adopt_in_use(NOW) == 0
        uow.commit()
    with uow_factory() as uow:
        assert [(s.account_id, s.name, s.state, s.prefixes) for s in uow.senders.list()] == [
            (alice, "ACME", St.APPROVED, ()), (alice, "Mine", St.REJECTED, ()),
            (bob, "BobCo", St.APPROVED, ())]


def _message(account_id, sender):
    return Message(id=None, account_id=account_id, recipient="+79991234567", text="x",
                   sender=sender, encoding=Encoding.GSM7, segments=1, cost=Decimal("1"),
                   status=MessageStatus.QUEUED, created_at=NOW, updated_at=NOW,
                   valid_until=NOW + timedelta(days=1))
