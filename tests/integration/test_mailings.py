"""Mailings on both stores: recipients, templates, up-front debit, pause/resume/cancel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from service.app.book.address_book import ContactInput
from service.app.access.auth import Credentials
from service.app.delivery.carrier import Accepted
from service.app.delivery.delivery import DeliveryPolicy, DeliveryService
from service.app.mailings.mailings import CreateMailing
from service.app.sending.status_query import GetStatus
from service.bootstrap import build_container
from service.config import Settings
from service.domain import errors
from service.domain.mailing import MailingState
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FixedClock

ME = Credentials("alice", "pw")


@pytest.fixture(params=STORES)
def app(request):
    url = store_url(request, request.param)
    engine = migrated(url)
    clock = FixedClock()
    c = build_container(Settings(database_url=url, task_threshold=50), clock=clock, engine=engine)
    c.use_cases.accounts.create("alice", "pw", Decimal("100"))
    c.clock_ = clock
    yield c
    engine.dispose()


def contacts(app, *cards):
    result = app.use_cases.address_book.create_contacts(ME, [ContactInput(**c) for c in cards])
    return [i.id for i in result.items]


def mailing(app, **kw):
    args = dict(credentials=ME, name="Promo", text="Hello, {name}!") | kw
    return app.use_cases.mailings.create(CreateMailing(**args)).mailing.id


def statuses(app, mailing_id):
    return app.use_cases.mailings.get(ME, mailing_id).counts


def test_recipients_from_groups_contacts_and_numbers_are_deduplicated_and_rendered(app):
    ivan, olga, petr = contacts(app, {"phone": "+79991234561", "name": "Ivan"},
                                {"phone": "+79991234562", "name": "Olga"},
                                {"phone": "+79991234563", "name": "Petr"})
    group = app.use_cases.address_book.create_group(ME, "VIP")
    app.use_cases.address_book.add_to_group(ME, group.id, [ivan, olga])
    mid = mailing(app, group_ids=(group.id,), contact_ids=(olga, petr),
                  phones=("8 999 123-45-61", "+79991234564"), defaults={"name": "friend"})
    started = app.use_cases.mailings.start(ME, mid)
    assert started.code == 0 and started.accepted == 4
    assert started.view.state is MailingState.RUNNING and started.balance == Decimal("96")
    history = app.use_cases.history.get_messages(ME).items
    assert sorted(m.text for m in history) == ["Hello, Ivan!", "Hello, Olga!", "Hello, Petr!",
                                               "Hello, friend!"]
    assert all(m.mailing_id == mid for m in history)
    assert app.use_cases.history.get_messages(ME, mailing_id=mid).total == 4
    assert app.use_cases.history.get_messages(ME, mailing_id=mid + 1).total == 0


def test_a_missing_placeholder_is_a_per_recipient_error(app):
    contacts(app, {"phone": "+79991234561", "name": "Ivan", "fields": {"code": "7"}},
             {"phone": "+79991234562", "name": "Olga"})
    group = app.use_cases.address_book.create_group(ME, "All")
    app.use_cases.address_book.add_to_group(ME, group.id, [1, 2])
    started = app.use_cases.mailings.start(ME, mailing(app, text="{name}: {code}",
                                                       group_ids=(group.id,)))
    assert started.code == 98 and started.accepted == 1
    assert started.errors[0].field == "code" and "+79991234562" in started.errors[0].message


def test_the_whole_mailing_is_debited_up_front_or_refused_naming_the_shortfall(app):
    phones = tuple(f"+7999123{n:04d}" for n in range(40))
    mid = mailing(app, text="ж" * 100, phones=phones)           # 2 segments x 40 = 80.00
    app.use_cases.accounts.configure("alice")                   # no-op
    with pytest.raises(errors.InsufficientFunds) as exc:
        app.use_cases.mailings.start(ME, mailing(app, text="ж" * 140, phones=phones))  # 120.00
    assert exc.value.required == Decimal("120") and exc.value.balance == Decimal("100")
    assert "short by 20" in exc.value.message
    assert app.use_cases.history.get_messages(ME).total == 0
    assert app.use_cases.mailings.start(ME, mid).balance == Decimal("20")


def test_blacklisted_numbers_in_a_mailing_are_banned_and_free(app):
    app.use_cases.address_book.add_to_blacklist(ME, ["+79991234561"])
    started = app.use_cases.mailings.start(ME, mailing(app, text="Hi",
                                                       phones=("+79991234561", "+79991234562")))
    assert started.view.counts == {"BANNED": 1, "QUEUED": 1} and started.balance == Decimal("99")


class PausingConnector:
    name = "scripted"

    def ready(self):
        return True

    def __init__(self, app, mailing_id):
        self.app, self.mailing_id, self.seen = app, mailing_id, []

    def submit(self, batch):
        if not self.seen:  # the pause commits while the worker is busy with its first window
            self.app.use_cases.mailings.pause(ME, self.mailing_id)
        self.seen += [m.message_id for m in batch]
        return [Accepted(m.message_id, (f"c{m.message_id}",)) for m in batch]


def test_pause_while_the_worker_is_sending_stops_everything_not_yet_handed_over(app):
    mid = mailing(app, text="Hi", phones=tuple(f"+7999123{n:04d}" for n in range(10)))
    app.use_cases.mailings.start(ME, mid)
    delivery = DeliveryService(app.uow_factory, app.clock_, DeliveryPolicy(window=3))
    connector = PausingConnector(app, mid)
    delivery.dispatch(connector, "w1")
    assert len(connector.seen) == 3                       # only the window already in flight
    view = app.use_cases.mailings.get(ME, mid)
    assert view.state is MailingState.PAUSED and view.counts == {"SUBMITTED": 3, "STOPPED": 7}
    delivery.dispatch(connector, "w1")
    assert len(connector.seen) == 3                       # nothing is claimed while paused
    app.use_cases.mailings.resume(ME, mid)
    delivery.dispatch(connector, "w1")
    assert len(connector.seen) == 10 and len(set(connector.seen)) == 10
    assert app.use_cases.mailings.get(ME, mid).counts == {"SUBMITTED": 10}


def test_cancel_makes_unsent_messages_final_refunds_them_and_notifies(app):
    from sqlalchemy import func, select
    from service.persistence.tables import callbacks
    app.use_cases.accounts.configure("alice", callback_url="http://127.0.0.1:9/cb")
    mid = mailing(app, text="Hi", phones=tuple(f"+7999123{n:04d}" for n in range(5)))
    app.use_cases.mailings.start(ME, mid)
    app.use_cases.mailings.pause(ME, mid)
    view = app.use_cases.mailings.cancel(ME, mid)
    assert view.state is MailingState.CANCELLED and view.counts == {"DELETED": 5}
    assert view.progress == 100.0
    assert app.use_cases.accounts.show("alice").balance == Decimal("100")
    with app.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(callbacks)).scalar_one() == 5
    with pytest.raises(errors.ConstraintViolation):
        app.use_cases.mailings.resume(ME, mid)


def test_a_rate_cap_spreads_the_send_times(app):
    mid = mailing(app, text="Hi", rate_per_minute=2,
                  phones=tuple(f"+7999123{n:04d}" for n in range(4)))
    app.use_cases.mailings.start(ME, mid)
    times = sorted(m.scheduled_at or app.clock_.now()
                   for m in app.use_cases.history.get_messages(ME).items)
    assert [t - times[0] for t in times] == [timedelta(seconds=s) for s in (0, 30, 60, 90)]


def test_a_scheduled_mailing_waits_and_completes_when_everything_is_final(app):
    when = app.clock_.now() + timedelta(hours=1)
    mid = mailing(app, text="Hi", phones=("+79991234561",), scheduled_at=when)
    started = app.use_cases.mailings.start(ME, mid)
    assert started.view.state is MailingState.SCHEDULED and started.view.counts == {"SCHEDULED": 1}
    [message_id] = [m.id for m in app.use_cases.history.get_messages(ME).items]
    app.use_cases.mailings.cancel(ME, mid)
    assert app.use_cases.statuses.get_status(GetStatus(ME, [message_id]))[0].status_code == 20


@pytest.mark.parametrize("kw,field", [
    (dict(name=""), "name"), (dict(text=""), "text"), (dict(text="{oops"), "text"),
    (dict(phones=(), group_ids=(), contact_ids=()), "recipients"),
    (dict(group_ids=(12345,)), None), (dict(rate_per_minute=0), "ratePerMinute"),
])
def test_bad_mailings_are_refused(app, kw, field):
    args = dict(phones=("+79991234561",)) | kw
    with pytest.raises(errors.SmsgwError) as exc:
        mailing(app, **args)
    assert exc.value.field == field


def test_a_mailing_above_the_threshold_starts_in_the_background(app):
    app.use_cases.accounts.top_up("alice", Decimal("1000"))
    phones = tuple(f"+7999123{n:04d}" for n in range(120)) + ("+79991230000", "junk")
    mid = mailing(app, text="Hi {name}", phones=phones, defaults={"name": "there"})
    started = app.use_cases.mailings.start(ME, mid)
    assert started.code == 100 and started.task_id and started.view.state is MailingState.STARTING
    with pytest.raises(errors.ConstraintViolation):
        app.use_cases.mailings.cancel(ME, mid)          # not while it is being started
    status = app.use_cases.tasks.status(ME, started.task_id)
    assert status.task.state == "queued" and status.progress == 0
    assert app.use_cases.tasks.run_next("w1") is True
    status = app.use_cases.tasks.status(ME, started.task_id)
    assert (status.task.state, status.task.result_code, status.progress) == ("done", 0, 100.0)
    view = app.use_cases.mailings.get(ME, mid)
    assert view.state is MailingState.RUNNING and view.counts == {"QUEUED": 120}
    assert app.use_cases.accounts.show("alice").balance == Decimal("980")


def test_a_restart_in_the_middle_of_a_background_start_neither_loses_nor_repeats(app, monkeypatch):
    import service.app.mailings.mailings as module
    from service.app.tasks.tasks import TaskLost
    monkeypatch.setattr(module, "CHUNK", 25)
    app.use_cases.accounts.top_up("alice", Decimal("1000"))
    mid = mailing(app, text="Hi", phones=tuple(f"+7999123{n:04d}" for n in range(200)))
    task_id = app.use_cases.mailings.start(ME, mid).task_id
    tasks = app.use_cases.tasks
    original = module.build_messages
    calls = {"n": 0}

    def dies_midway(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:  # three chunks are held in the database: the worker is killed here
            raise TaskLost(task_id)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "build_messages", dies_midway)
    tasks.run_next("w-dies")
    monkeypatch.setattr(module, "build_messages", original)
    assert app.use_cases.mailings.get(ME, mid).counts == {"QUEUED": 75}   # 3 chunks committed
    assert app.use_cases.accounts.show("alice").balance == Decimal("1100")  # not debited yet
    delivery = DeliveryService(app.uow_factory, app.clock_, DeliveryPolicy())
    assert delivery.dispatch(PausingConnector(app, None), "w3") == 0        # held: not claimed
    assert tasks.run_next("w2") is False                                  # still leased
    app.clock_.advance(seconds=120)
    assert tasks.run_next("w2") is True
    view = app.use_cases.mailings.get(ME, mid)
    assert view.counts == {"QUEUED": 200} and view.state is MailingState.RUNNING
    assert app.use_cases.accounts.show("alice").balance == Decimal("900")  # debited once
    assert tasks.status(ME, task_id).task.result_code == 0


def test_without_the_funds_a_background_start_fails_and_leaves_a_draft(app):
    mid = mailing(app, text="Hi", phones=tuple(f"+7999123{n:04d}" for n in range(150)))
    task_id = app.use_cases.mailings.start(ME, mid).task_id
    app.use_cases.tasks.run_next("w1")
    status = app.use_cases.tasks.status(ME, task_id)
    assert (status.task.state, status.task.result_code) == ("failed", 15)
    assert "150" in status.task.message and "100" in status.task.message
    view = app.use_cases.mailings.get(ME, mid)
    assert view.state is MailingState.DRAFT and view.counts == {}


def test_a_large_import_runs_in_the_background_with_per_item_errors(app):
    items = [ContactInput(phone=f"+7999123{n:04d}", name=f"n{n}") for n in range(80)]
    items += [ContactInput(phone="bad"), ContactInput(phone="+79991230005", name="again")]
    result = app.use_cases.address_book.create_contacts(ME, items)
    assert result.code == 100 and result.task_id
    assert app.use_cases.tasks.run_next("w1")
    status = app.use_cases.tasks.status(ME, result.task_id, page=1, page_size=10)
    assert (status.task.state, status.task.result_code) == ("done", 98)
    assert status.errors.total == 1 and status.errors.items[0].index == 80
    assert app.use_cases.address_book.get_contacts(ME).total == 80
    with pytest.raises(errors.NotFound):
        app.use_cases.tasks.status(Credentials("alice", "pw"), result.task_id + 99)
