"""InboundService on the fakes: accept, then process: reassembly, routing, threading, the
responder and the push, in one transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from service.app.inbound import service as inbound_service
from service.app.inbound.service import InboundPolicy, InboundService, NoKeywords
from service.domain.encoding import Encoding
from service.domain.inbound import InboundPart, KeywordAction
from service.domain.message import ConcatPart, Message
from service.domain.status import MessageStatus
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, make_account

PHONE = "+79991234567"


@pytest.fixture
def world():
    factory, clock = FakeUnitOfWorkFactory(), FixedClock()
    with factory(write=True) as uow:
        alice = uow.accounts.add(make_account("alice"))
        bob = uow.accounts.add(make_account("bob"))
        uow.inbound.assign_number("+79990000001", alice.id, clock.now())
        uow.inbound.assign_keyword("4444", "pizza", alice.id, clock.now())
        uow.inbound.assign_keyword("4444", "taxi", bob.id, clock.now())
        uow.commit()
    return factory, clock, alice.id, bob.id


def service(world, responder=None, seconds=300):
    factory, clock, *_ = world
    return InboundService(factory, clock, responder or NoKeywords(),
                          InboundPolicy(reassembly_seconds=seconds, default_region="RU"))


def mo(text, source="79991234567", destination="79990000001", concat=None, at=None, clock=None):
    return InboundPart(source, destination, text, at or clock.now(), concat)


def stored(world):
    factory = world[0]
    return sorted(factory.store.inbound_messages.values(), key=lambda m: m.id)


def sent(world, account_id, recipient=PHONE, sender="ACME", mailing_id=None):
    factory, clock, *_ = world
    with factory(write=True) as uow:
        [message_id] = uow.messages.add_many([Message(
            id=None, account_id=account_id, recipient=recipient, text="hello", sender=sender,
            encoding=Encoding.GSM7, segments=1, cost=Decimal("1"), status=MessageStatus.DELIVERED,
            created_at=clock.now(), updated_at=clock.now(), valid_until=clock.now(),
            mailing_id=mailing_id)])
        uow.commit()
    return message_id


def test_an_accepted_message_is_stored_for_the_numbers_account_and_its_part_consumed(world):
    factory, clock, alice, _ = world
    svc = service(world)
    svc.accept("smpp", [mo("Hi there", clock=clock)])
    assert factory.store.inbound_messages == {}  # accept only stores the part
    assert svc.process() == 1
    [m] = stored(world)
    assert (m.account_id, m.source, m.destination, m.text, m.parts, m.complete, m.connector) == (
        alice, PHONE, "+79990000001", "Hi there", 1, True, "smpp")
    assert factory.store.inbound_parts == {}
    assert svc.process() == 0


def test_accepting_nothing_touches_nothing(world):
    factory = world[0]
    commits = factory.commits
    service(world).accept("smpp", [])
    assert factory.commits == commits


def test_a_destination_written_with_plus_or_without_reaches_the_number(world):
    clock, alice = world[1], world[2]
    svc = service(world)
    svc.accept("smpp", [mo("a", destination="+79990000001", clock=clock),
                        mo("b", destination="7 999 000 00 01", clock=clock)])
    svc.process()
    assert [m.account_id for m in stored(world)] == [alice, alice]


def test_a_keyword_on_a_shared_number_picks_the_account_case_and_punctuation_aside(world):
    clock, alice, bob = world[1], world[2], world[3]
    svc = service(world)
    svc.accept("smpp", [mo("PIZZA! large", destination="4444", clock=clock),
                        mo("Taxi, to the airport", destination="+4444", clock=clock)])
    svc.process()
    assert [(m.account_id, m.destination, m.text) for m in stored(world)] == [
        (alice, "4444", "PIZZA! large"), (bob, "4444", "Taxi, to the airport")]


def test_no_keyword_on_a_shared_number_goes_to_whoever_last_wrote_from_it(world):
    clock, alice, bob = world[1], world[2], world[3]
    sent(world, alice, sender="4444")
    latest = sent(world, bob, sender="4444", mailing_id=42)
    sent(world, alice, sender="ACME")  # later, but not from the shared number
    svc = service(world)
    svc.accept("smpp", [mo("yes please", destination="4444", clock=clock)])
    svc.process()
    [m] = stored(world)
    assert (m.account_id, m.reply_to_message_id, m.mailing_id) == (bob, latest, 42)


def test_no_keyword_and_nobody_wrote_from_it_is_unmatched(world):
    clock = world[1]
    sent(world, world[2], sender="ACME")
    svc = service(world)
    svc.accept("smpp", [mo("yes", destination="4444", clock=clock),
                        mo("who?", destination="5555", clock=clock),
                        mo("odd", destination="ACME", clock=clock)])
    svc.process()
    assert [m.account_id for m in stored(world)] == [None, None, None]
    with world[0]() as uow:
        assert [m.text for m in uow.inbound.unmatched(10)] == ["odd", "who?", "yes"]


def test_a_reply_is_threaded_to_the_accounts_latest_message_to_the_sender(world):
    clock, alice, bob = world[1], world[2], world[3]
    sent(world, alice, mailing_id=7)
    mine = sent(world, alice)
    sent(world, bob)                       # another account's: never
    sent(world, alice, recipient="+79990009999")  # another phone's: never
    svc = service(world)
    for source in ("79991234567", "+79991234567", "89991234567"):
        svc.accept("smpp", [mo("ok", source=source, clock=clock)])
    svc.process()
    assert [(m.source, m.reply_to_message_id, m.mailing_id) for m in stored(world)] == [
        (PHONE, mine, None)] * 3


def test_an_archived_message_threads_when_the_hot_table_has_none(world):
    factory, clock, alice = world[0], world[1], world[2]
    old = sent(world, alice, mailing_id=3)
    factory.store.retention.archived.add(old)
    svc = service(world)
    svc.accept("smpp", [mo("late reply", clock=clock)])
    svc.process()
    assert (stored(world)[0].reply_to_message_id, stored(world)[0].mailing_id) == (old, 3)


def test_a_sender_that_is_no_phone_is_kept_as_written_and_threads_to_nothing(world):
    clock = world[1]
    svc = service(world)
    svc.accept("smpp", [mo("promo", source=" BANK ", clock=clock)])
    svc.process()
    [m] = stored(world)
    assert (m.source, m.reply_to_message_id, m.account_id) == ("BANK", None, world[2])


def test_multipart_in_shuffled_order_is_one_message(world):
    clock = world[1]
    svc = service(world)
    for seq in (3, 1, 1, 2):  # a duplicate while the group waits
        svc.accept("smpp", [mo(f"<{seq}>", concat=ConcatPart(200, 3, seq), clock=clock)])
        svc.process()
    [m] = stored(world)
    assert (m.text, m.parts, m.complete) == ("<1><2><3>", 3, True)
    assert {row["state"] for row in world[0].store.inbound_parts.values()} == {"done"}
    clock.advance(seconds=301)
    assert svc.process() == 0 and world[0].store.inbound_parts == {}


def test_a_part_sent_again_after_its_message_was_stored_is_dropped(world):
    factory, clock = world[0], world[1]
    svc = service(world)
    for seq in (2, 1):
        svc.accept("smpp", [mo(f"<{seq}>", concat=ConcatPart(8, 2, seq), clock=clock)])
    svc.process()
    clock.advance(seconds=200)
    svc.accept("smpp", [mo("<2>", concat=ConcatPart(8, 2, 2), clock=clock)])  # the ack was lost
    assert svc.process() == 1
    clock.advance(seconds=400)
    svc.process()
    assert [m.text for m in stored(world)] == ["<1><2>"] and factory.store.inbound_parts == {}


def test_a_late_part_of_a_message_stored_incomplete_becomes_its_own_incomplete_message(world):
    clock = world[1]
    svc = service(world)
    svc.accept("smpp", [mo("<1>", concat=ConcatPart(8, 2, 1), clock=clock)])
    svc.process()
    clock.advance(seconds=301)
    svc.process()
    svc.accept("smpp", [mo("<2>", concat=ConcatPart(8, 2, 2), clock=clock)])
    svc.process()
    clock.advance(seconds=301)
    svc.process()
    assert [(m.text, m.complete) for m in stored(world)] == [("<1>", False), ("<2>", False)]


def test_parts_waiting_past_the_timeout_are_stored_incomplete(world):
    factory, clock = world[0], world[1]
    svc = service(world, seconds=300)
    svc.accept("smpp", [mo("<1>", concat=ConcatPart(9, 3, 1), clock=clock),
                        mo("<3>", concat=ConcatPart(9, 3, 3), clock=clock)])
    assert svc.process() == 2 and stored(world) == []
    clock.advance(seconds=300)
    assert svc.process() == 0 and stored(world) == []  # exactly the timeout: still waiting
    clock.advance(seconds=1)
    assert svc.process() == 2
    [m] = stored(world)
    assert (m.text, m.parts, m.complete) == ("<1><3>", 2, False)
    assert factory.store.inbound_parts == {}


def test_bad_numbering_is_stored_alone_at_once_as_incomplete(world):
    clock = world[1]
    svc = service(world)
    svc.accept("smpp", [mo("zero", concat=ConcatPart(1, 0, 0), clock=clock),
                        mo("above", concat=ConcatPart(1, 2, 3), clock=clock),
                        mo("huge", concat=ConcatPart(70000, 40000, 40000), clock=clock),
                        mo("", clock=clock)])
    svc.process()
    assert [(m.text, m.parts, m.complete) for m in stored(world)] == [
        ("zero", 1, False), ("above", 1, False), ("huge", 1, False), ("", 1, True)]


class Recording:
    def __init__(self):
        self.calls = []

    def respond(self, uow, drafts, now):
        self.calls.append(list(drafts))
        return [replace(d, action=KeywordAction.STOP) if d.text == "STOP" else d for d in drafts]


def test_the_responder_sees_routed_drafts_and_its_actions_are_stored(world):
    clock = world[1]
    responder = Recording()
    svc = service(world, responder)
    svc.accept("smpp", [mo("STOP", clock=clock), mo("lost", destination="5555", clock=clock),
                        mo("fine", clock=clock)])
    svc.process()
    [drafts] = responder.calls
    assert [(d.id, d.text) for d in drafts] == [(0, "STOP"), (0, "fine")]  # not the unmatched
    assert [(m.text, m.action) for m in stored(world)] == [
        ("STOP", KeywordAction.STOP), ("lost", None), ("fine", None)]


def test_stored_messages_are_pushed_with_their_ids_in_the_same_transaction(world, monkeypatch):
    factory, clock = world[0], world[1]
    pushed = []

    def push(uow, messages, now):
        pushed.append([m.id for m in messages])
        assert all(m.id in uow.inbound._s.inbound_messages for m in messages)

    monkeypatch.setattr(inbound_service, "push_inbound", push)
    svc = service(world)
    svc.accept("smpp", [mo("a", clock=clock), mo("b", clock=clock)])
    commits = factory.commits
    svc.process()
    assert pushed == [[m.id for m in stored(world)]] and factory.commits == commits + 1


def test_a_failing_push_keeps_the_parts_and_stores_nothing(world, monkeypatch):
    factory, clock = world[0], world[1]

    def push(uow, messages, now):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(inbound_service, "push_inbound", push)
    svc = service(world)
    svc.accept("smpp", [mo("a", clock=clock)])
    with pytest.raises(RuntimeError):
        svc.process()
    assert stored(world) == [] and len(factory.store.inbound_parts) == 1
    monkeypatch.setattr(inbound_service, "push_inbound", lambda uow, messages, now: None)
    assert svc.process() == 1 and len(stored(world)) == 1


def test_process_takes_at_most_limit_new_parts_per_call(world):
    clock = world[1]
    svc = service(world)
    svc.accept("smpp", [mo(str(n), clock=clock) for n in range(5)])
    assert [svc.process(limit=2) for _ in range(4)] == [2, 2, 1, 0]
    assert [m.text for m in stored(world)] == ["0", "1", "2", "3", "4"]
