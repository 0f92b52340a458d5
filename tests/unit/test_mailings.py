"""Mailings on the in-memory fakes: started inline or by a background task, paused, resumed
and cancelled with their refunds (the fakes are held to the SQL stores by
tests/integration/test_book_contract.py and test_delivery_store_contract.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.app.access.auth import Authenticator, Credentials
from service.app.accounts.accounts import AccountService
from service.app.book.address_book import AddressBookService, ContactInput
from service.app.mailings.mailings import START_TASK, CreateMailing, MailingService
from service.app.sending.policy import SendingPolicy
from service.app.tasks.tasks import TaskService
from service.domain.mailing import MailingState
from service.domain.pricing import Tariff
from tests.fakes import FakeUnitOfWorkFactory, FixedClock

ME = Credentials("alice", "pw")


@pytest.fixture
def world():
    uow, auth, clock = FakeUnitOfWorkFactory(), Authenticator(), FixedClock()
    AccountService(uow, auth).create("alice", "pw", Decimal("100"))
    policy = SendingPolicy(max_recipients=100, max_text_length=200,
                           tariff=Tariff.parse("1.00", "7=0.50"))
    book = AddressBookService(uow, auth, policy, clock)
    group = book.create_group(ME, "g")
    book.create_contacts(ME, [ContactInput(phone=f"+7999123000{n}", name=f"N{n}",
                                           group_ids=(group.id,)) for n in range(3)])
    mailings = MailingService(uow, auth, policy, clock, task_threshold=4)
    tasks = TaskService(uow, auth, clock)
    tasks.register(START_TASK, mailings.run_start)
    return dict(uow=uow, group=group.id, mailings=mailings, tasks=tasks)


def create(world, *phones):
    return world["mailings"].create(CreateMailing(
        ME, "m", "Hi {name}", group_ids=(world["group"],), phones=phones,
        defaults={"name": "friend"})).mailing.stored_id


def balance(world):
    with world["uow"]() as uow:
        return uow.accounts.balance(1)


def test_a_small_mailing_starts_at_once_and_pause_resume_cancel_move_its_messages(world):
    mailings = world["mailings"]
    mailing_id = create(world, "+79991230001")          # the same phone as a contact: once
    started = mailings.start(ME, mailing_id)
    assert (started.code, started.accepted, started.balance) == (0, 3, Decimal("98.50"))
    assert mailings.pause(ME, mailing_id).counts == {"STOPPED": 3}
    resumed = mailings.resume(ME, mailing_id)
    assert (resumed.state, resumed.counts) == (MailingState.RUNNING, {"QUEUED": 3})
    cancelled = mailings.cancel(ME, mailing_id)
    assert (cancelled.state, cancelled.counts) == (MailingState.CANCELLED, {"DELETED": 3})
    assert balance(world) == Decimal("100")


def test_a_large_mailing_is_started_by_a_background_task(world):
    mailings = world["mailings"]
    mailing_id = create(world, "+79991239990", "+79991239991")
    started = mailings.start(ME, mailing_id)
    assert (started.code, started.view.state) == (100, MailingState.STARTING)
    assert world["tasks"].run_next("w1")
    assert not world["tasks"].run_next("w1")
    view = mailings.get(ME, mailing_id)
    assert (view.state, view.counts, view.mailing.recipients) == (
        MailingState.RUNNING, {"QUEUED": 5}, 5)
    assert balance(world) == Decimal("97.50")
