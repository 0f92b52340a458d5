"""What the persistence contract tests share: a unit-of-work factory per store (the in-memory
fake, SQLite and PostgreSQL), so that one test body holds every implementation of a port to
the same behaviour, and builders of the rows those tests need."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from service.domain.encoding import Encoding
from service.domain.message import Message
from service.domain.status import MessageStatus
from service.persistence.uow import SqlUnitOfWorkFactory
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, make_account

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["fake", *STORES])
def uow_factory(request):
    """A unit-of-work factory over an empty store: the fake, then each SQL store."""
    if request.param == "fake":
        yield FakeUnitOfWorkFactory()
        return
    engine = migrated(store_url(request, request.param))
    yield SqlUnitOfWorkFactory(engine, FixedClock(NOW))
    engine.dispose()


def add_account(uow_factory, login="alice", balance="100", **changes):
    """A committed account; ``changes`` set its attributes (``paused``, ``settings``) after
    it is created, as an operator would."""
    with uow_factory(write=True) as uow:
        account = uow.accounts.add(make_account(login, balance=balance))
        if changes:
            for name, value in changes.items():
                setattr(account, name, value)
            uow.accounts.update(account)
        uow.commit()
    return account


def message(account_id, recipient="+79991234567", cost="1.25", status=MessageStatus.QUEUED,
            **fields):
    values = dict(id=None, account_id=account_id, recipient=recipient, text="Привет €",
                  sender="ACME", encoding=Encoding.UCS2, segments=2, cost=Decimal(cost),
                  status=status, created_at=NOW, updated_at=NOW,
                  valid_until=NOW + timedelta(days=1), scheduled_at=NOW + timedelta(hours=1),
                  client_ref="ref-1")
    values.update(fields)
    return Message(**values)
