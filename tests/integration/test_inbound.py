"""Inbound messages end to end on both stores: accepted, processed by the worker's step,
routed, threaded to a real sent message, joined from shuffled parts, stored incomplete after
the timeout; two processors on PostgreSQL never split or duplicate a message; a failing store
makes accept raise."""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text as sql

from service.app.inbound.service import InboundPolicy, InboundService, NoKeywords
from service.app.access.auth import Credentials
from service.app.sending.sending import SendSms
from service.bootstrap import build_container
from service.config import Settings
from service.domain.inbound import InboundPart
from service.domain.message import ConcatPart
from service.persistence.engine import make_engine
from service.persistence.uow import SqlUnitOfWorkFactory
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FixedClock

NUMBER = "+79990000001"


class World:
    def __init__(self, url: str) -> None:
        self.url = url
        self.clock = FixedClock()
        self.engine = migrated(url)
        self.container = build_container(Settings(database_url=url), clock=self.clock,
                                         engine=self.engine)
        uc = self.container.use_cases
        self.account = uc.accounts.create("alice", "pw", Decimal("100")).stored_id
        self.inbound = uc.inbound
        with self.container.uow_factory(write=True) as uow:
            uow.inbound.assign_number(NUMBER, self.account, self.clock.now())
            uow.commit()

    def send(self, phone="+79991234567"):
        result = self.container.use_cases.sending.send(SendSms(
            Credentials("alice", "pw"), [phone], "Your order is ready"))
        return result.messages[0].message_id

    def part(self, text, concat=None, source="79991234567", destination="79990000001"):
        return InboundPart(source, destination, text, self.clock.now(), concat)

    def stored(self):
        with self.container.uow_factory() as uow:
            return uow.inbound._conn.execute(sql(  # the table as it is, ids ascending
                    "SELECT id, account_id, source, destination, text, parts, complete, "
                    "reply_to_message_id FROM inbound_messages ORDER BY id")).all()

    def parts_left(self):
        with self.container.uow_factory() as uow:
            return uow.inbound._conn.execute(sql(
                "SELECT count(*) FROM inbound_parts WHERE state <> 'done'")).scalar()


@pytest.fixture(params=STORES)
def world(request):
    w = World(store_url(request, request.param))
    yield w
    w.engine.dispose()


def test_a_reply_is_stored_for_the_number_and_threaded_to_the_message_it_answers(world):
    sent = world.send()
    world.inbound.accept("smpp", [world.part("Thanks, coming!")])
    assert world.parts_left() == 1
    assert world.inbound.process() == 1
    [row] = world.stored()
    assert (row.account_id, row.source, row.destination, row.text, row.parts, bool(row.complete),
            row.reply_to_message_id) == (world.account, "+79991234567", NUMBER,
                                         "Thanks, coming!", 1, True, sent)
    assert world.parts_left() == 0 and world.inbound.process() == 0


def test_multipart_in_shuffled_order_with_a_duplicate_is_one_message(world):
    texts = [f"part {n}; " for n in range(1, 8)]
    order = list(range(1, 8))
    shuffler = random.Random(14)
    shuffler.shuffle(order)
    last = order.pop()
    order.insert(shuffler.randrange(1, len(order) + 1), order[0])  # a duplicate
    for seq in order:
        world.inbound.accept("smpp", [world.part(texts[seq - 1], ConcatPart(513, 7, seq))])
        world.inbound.process()
        assert world.stored() == []
    world.inbound.accept("smpp", [world.part(texts[last - 1], ConcatPart(513, 7, last))])
    world.inbound.process()
    [row] = world.stored()
    assert (row.text, row.parts, bool(row.complete)) == ("".join(texts), 7, True)
    assert world.parts_left() == 0
    world.inbound.accept("smpp", [world.part(texts[0], ConcatPart(513, 7, 1))])  # sent again
    world.inbound.process()
    world.clock.advance(seconds=301)
    world.inbound.process()
    assert len(world.stored()) == 1


def test_parts_lost_past_the_timeout_are_stored_incomplete(world):
    for seq in (3, 1):
        world.inbound.accept("smpp", [world.part(f"<{seq}>", ConcatPart(77, 4, seq))])
    world.inbound.process()
    world.clock.advance(seconds=300)
    assert world.inbound.process() == 0 and world.stored() == []
    world.clock.advance(seconds=1)
    assert world.inbound.process() == 2
    [row] = world.stored()
    assert (row.text, row.parts, bool(row.complete)) == ("<1><3>", 2, False)
    assert world.parts_left() == 0


def test_parts_wait_across_a_restart(world):
    world.inbound.accept("smpp", [world.part("<1>", ConcatPart(5, 2, 1))])
    world.inbound.process()
    restarted = build_container(Settings(database_url=world.url), clock=world.clock,
                                engine=world.engine).use_cases.inbound
    restarted.accept("smpp", [world.part("<2>", ConcatPart(5, 2, 2))])
    restarted.process()
    assert [r.text for r in world.stored()] == ["<1><2>"]


def test_accept_raises_when_the_store_fails_and_keeps_nothing(world, tmp_path):
    if world.url.startswith("sqlite"):
        broken_url = f"sqlite:///{tmp_path}/no/such/dir/x.db"
    else:
        broken_url = world.url.rsplit("/", 1)[0] + "/smsgw_t_no_such_database"
    broken = make_engine(broken_url)
    service = InboundService(SqlUnitOfWorkFactory(broken, world.clock), world.clock, NoKeywords())
    with pytest.raises(Exception):
        service.accept("smpp", [world.part("lost?")])
    broken.dispose()
    with pytest.raises(Exception):  # a part no column holds: the whole batch is refused
        world.inbound.accept("smpp", [world.part("fine"), world.part("x", destination=None)])
    assert world.parts_left() == 0


@pytest.mark.postgres
def test_two_processors_never_split_or_duplicate_a_message(request):
    url = store_url(request, "postgres")
    engine = migrated(url)
    clock = FixedClock()
    container = build_container(Settings(database_url=url), clock=clock, engine=engine)
    account = container.use_cases.accounts.create("alice", "pw", Decimal("1")).stored_id
    with container.uow_factory(write=True) as uow:
        uow.inbound.assign_number(NUMBER, account, clock.now())
        uow.commit()
    second_engine = make_engine(url)
    processors = [InboundService(SqlUnitOfWorkFactory(e, clock), clock, NoKeywords(),
                                 InboundPolicy(reassembly_seconds=300))
                  for e in (engine, second_engine)]
    groups, total = 60, 4
    arrivals = [(ref, seq) for ref in range(groups) for seq in range(1, total + 1)]
    random.Random(7).shuffle(arrivals)
    done = threading.Event()
    counts = [0, 0]

    def run(n):
        while not done.is_set():
            counts[n] += processors[n].process(limit=7)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    try:
        for start in range(0, len(arrivals), 5):
            processors[start % 2].accept("smpp", [InboundPart(
                "79991234567", "79990000001", f"{ref}:{seq};", clock.now(),
                ConcatPart(ref, total, seq)) for ref, seq in arrivals[start:start + 5]])
    finally:
        while True:
            with container.uow_factory() as uow:
                if not uow.inbound.any_due(clock.now() - timedelta(seconds=300)):
                    break
            time.sleep(0.01)  # polling the store, not racing it
        done.set()
        for t in threads:
            t.join()
    with container.uow_factory() as uow:
        rows = uow.inbound._conn.execute(sql(
            "SELECT text, parts, complete FROM inbound_messages")).all()
        left = uow.inbound._conn.execute(sql(
            "SELECT count(*) FROM inbound_parts WHERE state <> 'done'")).scalar()
    assert sorted(r.text for r in rows) == sorted(
        "".join(f"{ref}:{seq};" for seq in range(1, total + 1)) for ref in range(groups))
    assert all(r.parts == total and r.complete for r in rows) and left == 0
    assert all(counts)  # both took turns
    second_engine.dispose()
    engine.dispose()


def test_the_retention_job_purges_inbound_messages_like_outbound_ones(world):
    from service.bootstrap import build_retention
    from service.domain.account import AccountSettings
    uc = world.container.use_cases
    with world.container.uow_factory(write=True) as uow:
        account = uow.accounts.get(world.account)
        account.settings = AccountSettings(retention_days=1)
        uow.accounts.update(account)
        uow.commit()
    world.inbound.accept("smpp", [world.part("mine"), world.part("lost", destination="9999")])
    world.inbound.process()
    retention = build_retention(world.container)
    assert retention.run().inbound == 0
    world.clock.advance(days=1)
    report = retention.run()
    assert report.inbound == 1 and report.purged == 0
    assert [r.text for r in world.stored()] == ["lost"]  # unmatched: the default, for ever
    assert [m.text for m in uc.inbound_numbers.unmatched()] == ["lost"]


def test_a_text_no_store_could_hold_is_stored_with_replacement_characters(world):
    world.inbound.accept("smpp", [world.part("nul\x00 and half \ud83d pair")])
    world.inbound.process()
    assert [r.text for r in world.stored()] == ["nul\ufffd and half \ufffd pair"]
