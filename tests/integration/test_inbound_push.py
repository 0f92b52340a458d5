"""Inbound messages pushed to their account, on both stores: ``push_inbound`` queues the signed
``inbound`` event on the callback outbox that status notifications use, and the callback sender
POSTs it to a real HTTP receiver on a local port; a receiver that keeps failing is retried for
24 hours, dead-lettered, listed and replayed (``smsgw callbacks dead|replay``); status
notifications carry ``"event": "status"``; and accounts that can bind SMPP are owed a
deliver_sm in the SMPP outbox."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from service.app.inbound.push import push_inbound
from service.app.access.auth import Credentials
from service.app.sending.sending import SendSms
from service.app.smpp.outbox_ports import OwedInbound
from service.bootstrap import build_connector, build_container, build_delivery
from service.cli import main
from service.config import Settings
from service.domain.inbound import InboundMessage
from service.persistence.tables import callbacks, inbound_messages, smpp_outbox
from tests.callback_receiver import CallbackReceiver, verifies
from tests.conftest import migrated
from tests.fakes import FixedClock

SECRET = "inb0und-secret"
HANDSET, NUMBER = "+79991234567", "+79000000001"


class World:
    def __init__(self, url: str, receiver: CallbackReceiver) -> None:
        self.url = url
        self.clock = FixedClock()
        self.engine = migrated(url)
        self.container = build_container(Settings(database_url=url), clock=self.clock,
                                         engine=self.engine)
        accounts = self.container.use_cases.accounts
        self.alice = accounts.create("alice", "pw", Decimal("100")).id
        accounts.configure("alice", callback_url=receiver.url, callback_secret=SECRET)
        self.bob = accounts.create("bob", "pw", Decimal("100")).id   # no URL, no SMPP
        self.delivery, self.callbacks = build_delivery(self.container)

    def inbound(self, account_id: int | None, text: str = "Yes, 10:00 works", **fields
                ) -> InboundMessage:
        """An inbound message stored (a row as the core's store writes it) and pushed."""
        values = dict(account_id=account_id, source=HANDSET, destination=NUMBER, text=text,
                      received_at=self.clock.now(), parts=1, complete=True,
                      reply_to_message_id=None, mailing_id=None)
        values.update(fields)
        with self.engine.begin() as conn:
            inbound_id = conn.execute(insert(inbound_messages).values(
                **values, connector="simulator", created_at=self.clock.now())
                .returning(inbound_messages.c.id)).scalar_one()
        message = InboundMessage(id=inbound_id, **values)
        with self.container.uow_factory(write=True) as uow:
            push_inbound(uow, [message], self.clock.now())
            uow.commit()
        return message

    def send_all(self) -> int:
        sent = 0
        while n := self.callbacks.send_due():
            sent += n
        return sent

    def rows(self, table, *where):
        with self.engine.connect() as conn:
            return conn.execute(select(table).where(*where).order_by(table.c.id)).all()


@pytest.fixture
def receiver():
    with CallbackReceiver("/hooks/sms") as r:
        yield r


@pytest.fixture
def world(database_url, receiver):
    w = World(database_url, receiver)
    yield w
    w.engine.dispose()


def test_an_inbound_message_reaches_the_receiver_as_a_signed_inbound_event(world, receiver):
    message = world.inbound(world.alice, "Да, в 10:00 €", reply_to_message_id=41,
                            mailing_id=7, parts=2)
    assert world.send_all() == 1
    [(body, signature)] = receiver.accepted
    assert verifies(body, signature, SECRET)
    assert not verifies(body, signature, "another secret")
    event = json.loads(body)
    assert list(event) == ["event", "id", "from", "to", "text", "receivedAt",
                           "replyToMessageId", "mailingId", "parts", "complete"]
    assert event == {"event": "inbound", "id": message.id, "from": HANDSET, "to": NUMBER,
                     "text": "Да, в 10:00 €",
                     "receivedAt": world.clock.now().isoformat().replace("+00:00", "Z"),
                     "replyToMessageId": 41, "mailingId": 7, "parts": 2, "complete": True}
    assert event["receivedAt"].endswith("Z")
    [row] = world.rows(callbacks)
    assert (row.message_id, row.inbound_id, row.state, row.account_id) == (
        None, message.id, "delivered", world.alice)
    assert world.send_all() == 0                                # delivered once


def test_unmatched_messages_and_accounts_without_a_url_or_smpp_are_owed_nothing(world):
    world.inbound(None)
    world.inbound(world.bob)
    assert world.rows(callbacks) == [] and world.rows(smpp_outbox) == []


def test_an_account_that_can_bind_smpp_is_owed_a_deliver_sm_too(world, receiver):
    world.container.use_cases.accounts.configure("alice", smpp_password="rx-pw1")
    long_text = "Привет! " * 40
    message = world.inbound(world.alice, long_text)
    [row] = world.rows(smpp_outbox)
    assert (row.kind, row.account_id, row.inbound_id, row.message_id, row.source,
            row.destination, row.text, row.stat) == (
        "inbound", world.alice, message.id, None, HANDSET, NUMBER, long_text, None)
    with world.container.uow_factory(write=True) as uow:
        [owed] = uow.smpp_outbox.claim([world.alice], "s1", world.clock.now(),
                                       world.clock.now() + timedelta(seconds=60), 10)
    assert isinstance(owed, OwedInbound) and owed.text == long_text
    assert world.send_all() == 1 and receiver.events()[0]["text"] == long_text


def test_a_failing_receiver_is_retried_for_24_hours_then_dead_then_replayed(
        world, receiver, monkeypatch, capsys):
    receiver.failing = True
    message = world.inbound(world.alice)
    world.send_all()
    waited = timedelta(0)
    while waited < timedelta(hours=23, minutes=50):             # retried, never given up
        world.clock.advance(seconds=600)
        waited += timedelta(seconds=600)
        world.send_all()
    [row] = world.rows(callbacks)
    assert row.state == "pending" and row.attempts >= 140 and "HTTP 503" in row.last_error
    world.clock.advance(seconds=600)
    world.send_all()
    world.clock.advance(seconds=600)
    world.send_all()
    [row] = world.rows(callbacks)
    assert row.state == "dead"
    calls = receiver.calls
    world.clock.advance(hours=1)
    world.send_all()
    assert receiver.calls == calls                               # dead: no more attempts
    [dead] = world.callbacks.dead_letters()
    assert (dead.inbound_id, dead.message_id, dead.subject) == (
        message.id, None, f"inbound {message.id}")

    monkeypatch.setenv("SMSGW_DATABASE_URL", world.url)
    assert main(["callbacks", "dead"]) == 0
    out = capsys.readouterr().out
    assert f"{dead.id}\tinbound {message.id}\t" in out and "HTTP 503 from 127.0.0.1" in out
    assert "1 dead-lettered notification(s)" in out
    receiver.failing = False
    assert main(["callbacks", "replay", str(dead.id)]) == 0
    assert "1 notification(s) queued again" in capsys.readouterr().out
    # the CLI queued it on the system clock: the sender's clock catches up with it
    world.clock.current = max(world.clock.current, datetime.now(timezone.utc))
    assert world.send_all() == 1
    [(body, signature)] = receiver.accepted
    assert verifies(body, signature, SECRET) and json.loads(body)["id"] == message.id
    assert world.rows(callbacks)[0].state == "delivered"


def test_status_notifications_carry_event_status_and_nothing_else_changes(world, receiver):
    sent = world.container.use_cases.sending.send(
        SendSms(Credentials("alice", "pw"), ["+79991234568"], "Hello", client_ref="r-1"))
    [mid] = [m.message_id for m in sent.messages]
    simulator = build_connector(world.container)          # the default: the simulator
    simulator.start(lambda rs: world.delivery.accept_receipts("simulator", rs),
                    lambda parts: world.container.use_cases.inbound.accept("simulator", parts))
    world.delivery.dispatch(simulator, "w1")
    world.clock.advance(seconds=5)
    simulator.poll()
    world.delivery.process_receipts()
    world.send_all()
    events = receiver.events()
    assert [(e["event"], e["id"], e["status"]) for e in events] == [
        ("status", mid, "ACCEPTD"), ("status", mid, "DELIVRD")]
    before = {"id", "send_status", "status", "error", "phone", "status_code", "timestamp",
              "client_ref"} | ({"sender"} if "sender" in events[1] else set())
    assert set(events[1]) == before | {"event"} and list(events[1])[0] == "event"
    assert (events[1]["send_status"], events[1]["phone"], events[1]["client_ref"]) == (
        "delivered", "+79991234568", "r-1")
    assert all(verifies(body, signature, SECRET) for body, signature in receiver.accepted)
    world.inbound(world.alice)                                   # the two events share it
    world.send_all()
    assert [e["event"] for e in receiver.events()] == ["status", "status", "inbound"]


def test_an_mo_accepted_and_processed_by_the_inbound_service_is_pushed(world, receiver):
    from service.domain.inbound import InboundPart
    from service.domain.message import ConcatPart
    uc = world.container.use_cases
    uc.inbound_numbers.assign_number(NUMBER, "alice")
    uc.accounts.configure("alice", smpp_password="rx-pw1")
    now = world.clock.now()
    parts = [InboundPart(HANDSET, NUMBER, text, now, ConcatPart(77, 2, seq))
             for seq, text in ((2, "second half"), (1, "First half, "))]  # out of order
    uc.inbound.accept("simulator", parts)
    assert world.send_all() == 0                     # accepted, not processed: nothing yet
    assert uc.inbound.process() > 0
    assert world.send_all() == 1
    [(body, signature)] = receiver.accepted
    event = json.loads(body)
    assert verifies(body, signature, SECRET)
    assert (event["event"], event["from"], event["to"], event["text"], event["parts"],
            event["complete"]) == ("inbound", HANDSET, NUMBER, "First half, second half", 2,
                                   True)
    [row] = world.rows(smpp_outbox)
    assert (row.kind, row.inbound_id, row.text) == ("inbound", event["id"],
                                                    "First half, second half")
