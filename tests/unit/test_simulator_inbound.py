"""The simulator's inbound side: reply rules (parsing, defaults, per account), replies owed
once delivered and resent until the inbound sink stored them, and the parts of
``smsgw simulate inbound``."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from service.app.delivery.carrier import OutboundSms
from service.delivery.simulator import SimulatorConnector, simulated_mo
from service.domain.encoding import analyse
from service.domain.simulator_rules import ECHO, parse_replies, parse_rules, reply_for
from tests.fakes import FakeSimulatorLedger
from tests.fakes.clock import FixedClock


def sms(recipient: str, text: str = "Your code is 1234", sender: str | None = "+4915199990",
        profile: str | None = None, message_id: int = 1) -> OutboundSms:
    info = analyse(text)
    return OutboundSms(message_id, recipient, sender, text, info.encoding, info.parts,
                       datetime(2030, 1, 1, tzinfo=timezone.utc), profile=profile)


class World:
    def __init__(self, rules: str | None = None) -> None:
        self.clock = FixedClock()
        self.ledger = FakeSimulatorLedger()
        self.connector = SimulatorConnector(self.ledger, self.clock, rules=rules,
                                            receipt_delay=1.0)
        self.receipts: list = []
        self.inbound: list = []
        self.fail = 0
        self.connector.start(self.receipts.extend, self.store)

    def store(self, parts) -> None:
        if self.fail:
            self.fail -= 1
            raise RuntimeError("database away")
        self.inbound.extend(parts)

    def at(self, seconds: float) -> "World":
        self.clock.current = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc) + timedelta(
            seconds=seconds)
        self.connector.poll()
        return self


def test_reply_rules_parse_beside_the_outcome_rules():
    spec = "0000=UNDELIV,delay=0.5,reply:0009=Stop please,reply:77=echo,replydelay=2"
    assert parse_rules(spec) == ({"0000": "UNDELIV"}, 0.5)
    assert parse_replies(spec) == ({"0009": "Stop please", "77": ECHO}, 2.0)
    assert reply_for("+7999123077", {"77": "a", "077": "b"}) == "b"
    for bad in ("reply:=STOP", "reply:12a=STOP", "reply:12=", "replydelay=-1", "replydelay=x"):
        with pytest.raises(ValueError):
            parse_rules(bad)


def test_a_number_ending_0009_answers_stop_a_second_after_delivery_to_the_sender():
    w = World()
    w.connector.submit([sms("+79991230009")])
    assert w.at(1.5).receipts and w.inbound == []            # delivered at 1 s
    w.at(2.0)
    [reply] = w.inbound
    assert (reply.source, reply.destination, reply.text, reply.concat) == (
        "+79991230009", "+4915199990", "STOP", None)
    assert w.at(100).inbound == [reply]                       # once


def test_the_echo_rule_answers_with_the_text_it_got_also_long_ones():
    w = World()
    text = "A long notification. " * 12
    w.connector.submit([sms("+79991230008", text)])
    [reply] = w.at(2).inbound
    assert reply.text == text


def test_no_reply_when_the_message_was_not_delivered_or_has_no_sender():
    w = World("0009=UNDELIV")
    w.connector.submit([sms("+79991230009"), sms("+79991231008", sender=None, message_id=2)])
    assert w.at(10).inbound == []


def test_an_account_s_rules_add_replies_and_their_delay():
    w = World()
    w.connector.submit([sms("+79991234567", profile="reply:4567=Thanks!,replydelay=5")])
    assert w.at(5).inbound == []
    assert [r.text for r in w.at(6).inbound] == ["Thanks!"]


def test_a_reply_the_sink_could_not_store_comes_again_after_the_lease():
    w = World()
    w.fail = 1
    w.connector.submit([sms("+79991230009")])
    assert w.at(2).inbound == []
    assert w.at(20).inbound == []                              # leased for 30 s
    assert [r.text for r in w.at(33).inbound] == ["STOP"]


def test_simulate_inbound_splits_into_numbered_parts_shuffled_under_one_reference():
    now = datetime(2026, 11, 22, tzinfo=timezone.utc)
    parts = simulated_mo("+79991234567", "4321", "abcdefghij", 3, now, random.Random(4))
    assert len({p.concat.reference for p in parts}) == 1
    assert {p.concat.total for p in parts} == {3}
    ordered = sorted(parts, key=lambda p: p.concat.sequence)
    assert "".join(p.text for p in ordered) == "abcdefghij"
    assert [p.text for p in ordered] == ["abcd", "efg", "hij"]
    assert simulated_mo("+7", "4321", "hi", 1, now) == [
        type(parts[0])("+7", "4321", "hi", now)]
    for bad in (0, 256):
        with pytest.raises(ValueError):
            simulated_mo("+7", "1", "text", bad, now)
    with pytest.raises(ValueError):
        simulated_mo("+7", "1", "ab", 3, now)
