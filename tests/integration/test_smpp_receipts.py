"""Receipts owed to SMPP clients on a real store, through the real sending and delivery use
cases and the simulator carrier, driven step by step with a held clock: every outcome queues
its receipt with the right stat and err, refusals at submit included, and the worker's
expiry drops what waited too long."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from service.app.access.auth import Credentials
from service.app.delivery.delivery import DeliveryPolicy, DeliveryService
from service.app.sending.sending import SendingService, SendSms
from service.bootstrap import build_container, build_worker
from service.config import Settings
from service.delivery.simulator import SimulatorConnector
from service.persistence.simulator_ledger import SqlSimulatorLedger
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FixedClock

CREDS = Credentials("alice", "pw")


@pytest.fixture
def asking(monkeypatch):
    """Every message sent asks for the receipts ``asking.bits`` (as an SMPP client's
    registered_delivery would: the SOAP command has no such field)."""
    class Bits:
        bits = 1
    make = SendingService._message

    def with_bits(*args, **kwargs):
        m = make(*args, **kwargs)
        m.receipt_request = Bits.bits
        return m
    monkeypatch.setattr(SendingService, "_message", staticmethod(with_bits))
    return Bits


class World:
    def __init__(self, url: str) -> None:
        self.clock = FixedClock()
        self.engine = migrated(url)
        self.container = build_container(Settings(database_url=url), clock=self.clock,
                                         engine=self.engine)
        self.account = self.container.use_cases.accounts.create(
            "alice", "pw", Decimal("100")).stored_id
        self.delivery = DeliveryService(self.container.uow_factory, self.clock, DeliveryPolicy())
        self.simulator = SimulatorConnector(SqlSimulatorLedger(self.engine), self.clock,
                                            receipt_delay=1.0)
        self.simulator.start(lambda rs: self.delivery.accept_receipts("simulator", rs),
                             lambda parts: None)
        self.queue = self.container.use_cases.smpp_receipts

    def send(self, recipients, text="Hello from the SMPP door, world"):
        result = self.container.use_cases.sending.send(SendSms(CREDS, recipients, text))
        return [m.message_id for m in result.messages]

    def cycle(self, seconds: float = 0.0):
        self.clock.advance(seconds=seconds)
        self.delivery.dispatch(self.simulator, "w1")
        self.simulator.poll()
        self.delivery.process_receipts()
        self.delivery.sweep()

    def owed(self, owner="session-1"):
        claimed = self.queue.claim([self.account], owner, 100)
        self.queue.delivered([r.id for r in claimed])
        return [(r.message_id, r.stat, r.err, r.message_state, r.final) for r in claimed]


@pytest.fixture(params=STORES)
def world(request):
    w = World(store_url(request, request.param))
    yield w
    w.engine.dispose()


def test_every_simulated_outcome_owes_its_receipt_with_the_right_stat_and_err(world, asking):
    undeliv, expired, rejected, silent, delivered = world.send([
        "+79991230000", "+79991230001", "+79991230002", "+79991230003", "+79991234567"])
    world.cycle()
    assert world.owed() == []                         # bits 1: no interim notification
    world.cycle(seconds=1.1)
    assert world.owed() == [
        (undeliv, "UNDELIV", "005", 5, True), (expired, "EXPIRED", "003", 3, True),
        (rejected, "REJECTD", "008", 8, True), (delivered, "DELIVRD", "000", 2, True)]
    world.cycle(seconds=24 * 3600)                    # no receipt ever: its validity ends
    assert world.owed() == [(silent, "EXPIRED", "003", 3, True)]


def test_interim_and_failure_only_receipts(world, asking):
    asking.bits = 0x12
    failed, delivered = world.send(["+79991230000", "+79991234567"])
    world.cycle()
    assert world.owed() == [(failed, "ACCEPTD", "000", 6, False),
                            (delivered, "ACCEPTD", "000", 6, False)]
    world.cycle(seconds=1.1)
    assert world.owed() == [(failed, "UNDELIV", "005", 5, True)]   # a delivery: not asked


def test_a_number_refused_at_submit_owes_its_receipt_at_once(world, asking):
    world.container.use_cases.address_book.add_to_blacklist(CREDS, ["+79991230009"])
    banned, invalid, queued = world.send(["+79991230009", "+4", "+79991234567"])
    [r, invalid_r] = world.queue.claim([world.account], "session-1", 10)
    assert (r.message_id, r.stat, r.err, r.message_state, r.source, r.text) == (
        banned, "REJECTD", "008", 8, "+79991230009", "Hello from the SMPP ")
    assert (invalid_r.message_id, invalid_r.stat) == (invalid, "REJECTD")
    assert queued not in (r.message_id, invalid_r.message_id)


def test_messages_that_ask_nothing_owe_nothing(world, asking):
    asking.bits = 0
    world.send(["+79991230000", "+79991234567"])
    world.cycle()
    world.cycle(seconds=1.1)
    assert world.owed() == []


def test_a_receipt_waits_for_its_client_and_the_worker_drops_it_after_the_max_age(world,
                                                                                   asking):
    [delivered] = world.send(["+79991234567"])
    world.cycle()
    world.cycle(seconds=1.1)
    world.clock.advance(hours=71)
    worker = build_worker(world.container)
    assert worker.smpp_receipts is world.queue
    worker._work_once()                               # expiry is one of the worker's jobs
    [r] = world.queue.claim([world.account], "session-1", 10)
    assert r.message_id == delivered
    world.queue.release("session-1")
    world.clock.advance(hours=1, seconds=1)
    worker._next_receipt_expiry = 0.0
    worker._work_once()
    assert world.queue.claim([world.account], "session-2", 10) == []
