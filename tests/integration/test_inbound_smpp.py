"""MO over SMPP from the loopback SMSC, stored through InboundService on both stores:
accept() before the deliver_sm_resp, process() into inbound_messages. Single, multipart GSM
and UCS-2 (UDH 8/16-bit, SAR) in any order and twice, parts lost past the reassembly timeout
(an injected clock), and a store that fails (a temporary error, resent until stored)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from service.bootstrap import build_container
from service.config import Settings
from service.delivery.smpp import SmppConfig, SmppConnector
from service.delivery.smsc_simulator import Behaviour, SmscSimulator
from service.persistence.tables import inbound_messages
from tests.conftest import migrated
from tests.fakes.clock import FixedClock
from tests.integration.test_smpp_connector import FAST, wait_until

ESME_ROK, ESME_RX_T_APPN = 0x00, 0x64
REASSEMBLY = 60


class World:
    def __init__(self, url: str) -> None:
        self.engine = migrated(url)
        self.clock = FixedClock(datetime.now(timezone.utc))
        self.container = build_container(
            Settings(database_url=url, inbound_reassembly_seconds=REASSEMBLY),
            engine=self.engine, clock=self.clock)
        self.inbound = self.container.use_cases.inbound
        self.smsc = SmscSimulator(Behaviour(redeliver_delay=0.02)).start()
        self.failures = 0
        self.connector = SmppConnector(SmppConfig(port=self.smsc.port, **FAST), self.clock)
        self.connector.start(self.no_receipts, self.accept)
        assert self.connector.wait_bound(3)

    @staticmethod
    def no_receipts(receipts) -> None:
        raise AssertionError(receipts)

    def accept(self, parts) -> None:
        """The worker's inbound sink; ``failures`` makes the store fail that many times."""
        if self.failures:
            self.failures -= 1
            raise RuntimeError("the database went away")
        self.inbound.accept(self.connector.name, parts)

    def acked(self, mo_id: int, parts: int) -> bool:
        return [s for _, s in self.smsc.mo_statuses(mo_id)].count(ESME_ROK) == parts

    def messages(self) -> list:
        self.inbound.process()
        with self.engine.connect() as conn:
            return conn.execute(select(inbound_messages).order_by(inbound_messages.c.id)).all()

    def close(self) -> None:
        self.connector.stop()
        self.smsc.stop()
        self.engine.dispose()


@pytest.fixture
def world(database_url):
    w = World(database_url)
    yield w
    w.close()


def test_a_single_mo_is_stored_before_its_ack_and_becomes_an_inbound_message(world):
    mo_id = world.smsc.send_mo("79991234567", "Yes, 5pm works", destination="4321")
    assert wait_until(lambda: world.acked(mo_id, 1))
    [m] = world.messages()
    assert (m.source, m.destination, m.text, m.parts, m.complete, m.connector) == (
        "+79991234567", "4321", "Yes, 5pm works", 1, True, "smpp")


@pytest.mark.parametrize("alphabet,concat", [
    ("gsm", "udh8"), ("gsm", "udh16"), ("gsm", "sar"),
    ("ucs2", "udh8"), ("ucs2", "udh16"), ("ucs2", "sar")])
def test_multipart_mo_shuffled_and_with_a_part_twice_is_joined_once(world, alphabet, concat):
    text = ("Long answer with € and {braces}. " * 9 if alphabet == "gsm"
            else "Длинный ответ с эмодзи 😀. " * 9)
    mo_id = world.smsc.send_mo("79991234567", text, alphabet=alphabet, parts=3, concat=concat,
                               order=[2, 3, 2, 1])
    assert wait_until(lambda: world.acked(mo_id, 4))
    [m] = world.messages()
    assert (m.text, m.parts, m.complete) == (text, 3, True)
    assert world.messages() == [m]


def test_parts_lost_past_the_reassembly_timeout_are_stored_incomplete(world):
    mo_id = world.smsc.send_mo("79991234567", "aaaa" "bbbb" "cccc", parts=3, order=[3, 1])
    assert wait_until(lambda: world.acked(mo_id, 2))
    assert world.messages() == []                               # waiting for part 2
    world.clock.advance(seconds=REASSEMBLY - 1)
    assert world.messages() == []
    world.clock.advance(seconds=2)
    [m] = world.messages()
    assert (m.text, m.parts, m.complete) == ("aaaacccc", 2, False)


def test_a_store_failure_answers_a_temporary_error_and_the_smsc_resends_until_stored(world):
    world.failures = 3
    mo_id = world.smsc.send_mo("79991234567", "STOP")
    assert wait_until(lambda: world.acked(mo_id, 1))
    assert world.smsc.mo_statuses(mo_id) == [(None, ESME_RX_T_APPN)] * 3 + [(None, ESME_ROK)]
    [m] = world.messages()
    assert m.text == "STOP"


def test_the_simulator_connector_s_replies_are_stored_too(database_url):
    from service.app.delivery.carrier import OutboundSms
    from service.delivery.simulator import SimulatorConnector
    from service.domain.encoding import analyse
    from service.persistence.simulator_ledger import SqlSimulatorLedger
    engine = migrated(database_url)
    clock = FixedClock(datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc))
    container = build_container(Settings(database_url=database_url), engine=engine, clock=clock)
    inbound = container.use_cases.inbound
    sim = SimulatorConnector(SqlSimulatorLedger(engine), clock, receipt_delay=1.0)
    sim.start(lambda receipts: None, lambda parts: inbound.accept("simulator", parts))
    info = analyse("Reply STOP to opt out")
    sim.submit([OutboundSms(1, "+79991230009", "+4915199990", "Reply STOP to opt out",
                            info.encoding, info.parts, clock.now() + timedelta(hours=1))])
    clock.advance(seconds=2)
    assert sim.poll() == 2                                      # the receipt and the reply
    inbound.process()
    with engine.connect() as conn:
        [m] = conn.execute(select(inbound_messages)).all()
    assert (m.source, m.destination, m.text, m.connector) == (
        "+79991230009", "+4915199990", "STOP", "simulator")
    engine.dispose()
