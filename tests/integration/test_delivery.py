"""The delivery pipeline on a real store, driven step by step with a held clock:
dispatch -> carrier -> receipts -> final status -> notifications."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from service.app.access.auth import Credentials
from service.app.delivery.callbacks import CallbackPolicy, CallbackService, sign
from service.app.delivery.carrier import Accepted, Receipt, Rejected, Unknown
from service.app.delivery.delivery import DeliveryPolicy, DeliveryService
from service.app.sending.sending import SendSms
from service.app.sending.status_query import GetStatus
from service.bootstrap import build_container
from service.config import Settings
from service.delivery.simulator import SimulatorConnector
from service.persistence.simulator_ledger import SqlSimulatorLedger
from service.persistence.tables import callbacks, messages, receipts, simulator_submissions
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FakeResolver, FixedClock

CREDS = Credentials("alice", "pw")


class RecordingTransport:
    """A CallbackTransport that connects nowhere: it records (target, address, body, headers)."""

    def __init__(self, fail_first: int = 0) -> None:
        self.calls: list[tuple] = []
        self.fail_first = fail_first

    def post(self, target, address, body, headers, timeout):
        self.calls.append((target, address, body, headers))
        if len(self.calls) <= self.fail_first:
            return 503
        return 200


class World:
    def __init__(self, url: str, **policy) -> None:
        self.clock = FixedClock()
        self.engine = migrated(url)
        self.container = build_container(Settings(database_url=url), clock=self.clock,
                                         engine=self.engine)
        self.container.use_cases.accounts.create("alice", "pw", Decimal("100"))
        self.container.use_cases.accounts.configure(
            "alice", callback_url="http://127.0.0.1:9/cb", callback_secret="s3cret")
        self.delivery = DeliveryService(self.container.uow_factory, self.clock,
                                        DeliveryPolicy(**policy))
        self.transport = RecordingTransport()
        self.resolver = FakeResolver()
        self.callbacks = CallbackService(self.container.uow_factory, self.clock, self.transport,
                                         CallbackPolicy(retry_min_seconds=1, retry_max_seconds=4,
                                                        give_up_hours=1), self.resolver)
        self.simulator = SimulatorConnector(SqlSimulatorLedger(self.engine), self.clock,
                                            receipt_delay=1.0)
        self.simulator.start(lambda rs: self.delivery.accept_receipts("simulator", rs),
                             lambda parts: None)

    def send(self, recipients, text="Hello", **kw):
        return self.container.use_cases.sending.send(SendSms(CREDS, recipients, text, **kw))

    def statuses(self, ids):
        return {v.message_id: v.status_name for v in self.container.use_cases.statuses.get_status(
            GetStatus(CREDS, list(ids)))}

    def cycle(self, connector=None, seconds: float = 0.0):
        """One worker iteration, after ``seconds`` pass."""
        self.clock.advance(seconds=seconds)
        self.delivery.dispatch(connector or self.simulator, "w1")
        self.simulator.poll()
        self.delivery.process_receipts()
        self.delivery.sweep()
        while self.callbacks.send_due():
            pass

    def count(self, table, *where) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()

    def balance(self) -> Decimal:
        return self.container.use_cases.accounts.show("alice").balance


@pytest.fixture(params=STORES)
def world(request):
    w = World(store_url(request, request.param))
    yield w
    w.engine.dispose()


def ids(result):
    return [m.message_id for m in result.messages]


def test_the_simulator_rules_lead_every_message_to_its_outcome(world):
    sent = ids(world.send(["+79991230000", "+79991230001", "+79991230002", "+79991230003",
                           "+79991234567"]))
    world.cycle()
    assert set(world.statuses(sent).values()) == {"SUBMITTED"}
    world.cycle(seconds=1.1)
    assert list(world.statuses(sent).values()) == [
        "UNDELIVERABLE", "EXPIRED", "REJECTED", "SUBMITTED", "DELIVERED"]
    world.cycle(seconds=24 * 3600)  # 0003 never gets a receipt: its validity ends
    assert world.statuses(sent)[sent[3]] == "EXPIRED"
    assert world.balance() == Decimal("95")  # no refund once the carrier had them


def test_multipart_messages_get_a_receipt_per_part_and_deliver_when_all_parts_did(world):
    [mid] = ids(world.send(["+79991234567"], text="ж" * 140))  # 3 parts
    world.cycle()
    world.cycle(seconds=1.1)
    assert world.statuses([mid])[mid] == "DELIVERED"
    assert world.count(simulator_submissions, simulator_submissions.c.message_id == mid) == 3
    assert world.count(receipts, receipts.c.state == "matched") == 3


def test_a_partially_delivered_message_takes_its_first_parts_status_when_validity_ends(world):
    [mid] = ids(world.send(["+79991234567"], text="x" * 200))  # 2 parts
    world.cycle()
    with world.engine.connect() as conn:
        first, second = conn.execute(select(simulator_submissions.c.carrier_id).where(
            simulator_submissions.c.message_id == mid).order_by(
            simulator_submissions.c.part_no)).scalars()
    world.delivery.accept_receipts("fake", [])
    world.delivery.accept_receipts("simulator", [Receipt(first, "DELIVRD", "000")])
    world.delivery.process_receipts()
    assert world.statuses([mid])[mid] == "PARTIALLY_DELIVERED"
    world.clock.advance(days=2)
    world.delivery.sweep()
    assert world.statuses([mid])[mid] == "DELIVERED"


def test_scheduled_messages_wait_for_their_time(world):
    [mid] = ids(world.send(["+79991234567"], scheduled_at=world.clock.now() + timedelta(hours=1)))
    world.cycle()
    assert world.statuses([mid])[mid] == "SCHEDULED"
    world.cycle(seconds=3601)
    assert world.statuses([mid])[mid] == "SUBMITTED"


def test_a_paused_account_is_not_dispatched_until_resumed(world):
    [mid] = ids(world.send(["+79991234567"]))
    world.container.use_cases.accounts.configure("alice", paused=True)
    world.cycle()
    assert world.statuses([mid])[mid] == "QUEUED"
    world.container.use_cases.accounts.configure("alice", paused=False)
    world.cycle()
    assert world.statuses([mid])[mid] == "SUBMITTED"


class ScriptedConnector:
    name = "scripted"

    def __init__(self, script, ready=True):
        self.script = list(script)
        self.seen = []
        self.is_ready = ready

    def ready(self):
        return self.is_ready

    def start(self, sink, inbound):
        pass

    def poll(self):
        return 0

    def stop(self):
        pass

    def submit(self, batch):
        self.seen += [m.message_id for m in batch]
        make = self.script.pop(0)
        return [make(m) for m in batch]


def test_nothing_is_claimed_while_the_connector_cannot_reach_its_carrier(world):
    [mid] = ids(world.send(["+79991234567"]))
    connector = ScriptedConnector([lambda m: Accepted(m.message_id, ("x",))], ready=False)
    world.cycle(connector)
    assert connector.seen == [] and world.statuses([mid])[mid] == "QUEUED"
    connector.is_ready = True
    world.cycle(connector)
    assert connector.seen == [mid] and world.statuses([mid])[mid] == "SUBMITTED"


def test_a_permanent_rejection_is_final_and_refunded(world):
    [mid] = ids(world.send(["+79991234567"]))
    world.cycle(ScriptedConnector([lambda m: Rejected(m.message_id, True, "bad dest", 11)]))
    assert world.statuses([mid])[mid] == "REJECTED" and world.balance() == Decimal("100")


def test_a_temporary_rejection_retries_with_backoff_and_never_twice_at_once(world):
    [mid] = ids(world.send(["+79991234567"]))
    connector = ScriptedConnector([lambda m: Rejected(m.message_id, False, "throttled"),
                                   lambda m: Accepted(m.message_id, ("abc",))])
    world.cycle(connector)
    assert world.statuses([mid])[mid] == "QUEUED"
    world.cycle(connector, seconds=0.5)           # backoff not over: not claimed
    assert connector.seen == [mid]
    world.cycle(connector, seconds=2)
    assert connector.seen == [mid, mid] and world.statuses([mid])[mid] == "SUBMITTED"


def test_retries_stop_at_the_end_of_validity_with_a_refund(world):
    [mid] = ids(world.send(["+79991234567"], validity_minutes=1))
    connector = ScriptedConnector([lambda m: Rejected(m.message_id, False, "down")] * 10)
    for _ in range(8):
        world.cycle(connector, seconds=20)
    assert world.statuses([mid])[mid] == "EXPIRED" and world.balance() == Decimal("100")


def test_an_unknown_outcome_fails_by_default_and_is_never_resubmitted(world):
    [mid] = ids(world.send(["+79991234567"]))
    connector = ScriptedConnector([lambda m: Unknown(m.message_id, "connection dropped")])
    world.cycle(connector)
    world.cycle(connector, seconds=120)
    assert connector.seen == [mid] and world.statuses([mid])[mid] == "UNDELIVERABLE"
    payloads = [json.loads(body) for _, _, body, _ in world.transport.calls]
    assert payloads[-1]["status"] == "UNKNOWN" and payloads[-1]["error"] == "007"


def test_parts_accepted_before_an_unknown_outcome_are_recorded_so_their_receipts_match(world):
    [mid] = ids(world.send(["+79991234567"], text="x" * 200))  # 2 parts
    world.cycle(ScriptedConnector([lambda m: Unknown(m.message_id, "drop", ("p1", None))]))
    world.delivery.accept_receipts("scripted", [Receipt("P1", "DELIVRD", "000")])
    world.delivery.process_receipts()
    assert world.count(receipts, receipts.c.state == "matched") == 1
    assert world.statuses([mid])[mid] == "UNDELIVERABLE"  # final: a late receipt changes nothing


def test_with_the_retry_policy_an_unknown_outcome_is_submitted_again(tmp_path):
    w = World(f"sqlite:///{tmp_path / 'r.db'}", unknown_outcome="retry")
    [mid] = ids(w.send(["+79991234567"]))
    connector = ScriptedConnector([lambda m: Unknown(m.message_id, "dropped"),
                                   lambda m: Accepted(m.message_id, ("x1",))])
    w.cycle(connector)
    w.cycle(connector, seconds=5)
    assert connector.seen == [mid, mid] and w.statuses([mid])[mid] == "SUBMITTED"


def test_a_worker_lost_mid_submit_leaves_an_unknown_outcome_for_the_sweeper(world):
    [mid] = ids(world.send(["+79991234567"]))

    class Dies:
        name = "dies"

        def ready(self):
            return True

        def submit(self, batch):
            raise SystemExit  # the process dies between "in flight" and the outcome

    with pytest.raises(SystemExit):
        world.delivery.dispatch(Dies(), "w-dead")
    world.cycle(seconds=5)
    assert world.statuses([mid])[mid] == "QUEUED"   # still leased to the dead worker
    world.cycle(seconds=120)
    assert world.statuses([mid])[mid] == "UNDELIVERABLE"
    assert world.count(simulator_submissions) == 0  # never handed to the carrier twice


def test_receipts_before_the_submit_is_recorded_are_matched_later(world):
    [mid] = ids(world.send(["+79991234567"]))
    world.delivery.accept_receipts("scripted", [Receipt("00ABC", "DELIVRD", "000")])
    world.delivery.process_receipts()
    assert world.count(receipts, receipts.c.state == "unmatched") == 1
    world.cycle(ScriptedConnector([lambda m: Accepted(m.message_id, ("abc",))]))
    world.cycle(seconds=10)
    assert world.statuses([mid])[mid] == "DELIVERED"
    assert world.count(receipts, receipts.c.state == "matched") == 1


def test_hex_and_decimal_ids_are_matched(world):
    a, b = ids(world.send(["+79991234567", "+79991234568"]))
    world.cycle(ScriptedConnector([lambda m: Accepted(m.message_id, (
        "1A2B" if m.message_id == a else "4660",))]))
    world.delivery.accept_receipts("scripted", [Receipt("6699", "DELIVRD"),   # 0x1A2B in decimal
                                                Receipt("1234", "UNDELIV", "005")])  # 4660 in hex
    world.delivery.process_receipts()
    assert world.statuses([a, b]) == {a: "DELIVERED", b: "UNDELIVERABLE"}


def test_notifications_are_signed_in_order_and_survive_a_failing_receiver(world):
    world.transport.fail_first = 3
    [mid] = ids(world.send(["+79991234567"], client_ref="order-7"))
    world.cycle()
    world.cycle(seconds=1.1)
    for _ in range(6):
        world.cycle(seconds=5)
    delivered = [(json.loads(b), h) for _, _, b, h in world.transport.calls[3:]]
    assert [p["status"] for p, _ in delivered] == ["ACCEPTD", "DELIVRD"]
    for (payload, headers), (_, _, body, _) in zip(delivered, world.transport.calls[3:]):
        assert headers["X-Smsgw-Signature"] == sign("s3cret", body)
        assert payload["id"] == mid and payload["client_ref"] == "order-7"
        assert payload["phone"] == "+79991234567"
    final = delivered[-1][0]
    assert (final["send_status"], final["error"], final["status_code"]) == ("delivered", "000", 1)
    assert world.count(callbacks, callbacks.c.state == "delivered") == 2


def test_undeliverable_notifications_are_dead_lettered_and_can_be_replayed(world):
    world.transport.fail_first = 10 ** 6
    world.send(["+79991234567"])
    world.cycle()
    for _ in range(30):
        world.cycle(seconds=300)
    dead = world.callbacks.dead_letters()
    assert [json.loads(job.payload)["status"] for job in dead] == ["ACCEPTD", "DELIVRD"]
    world.transport.fail_first = 0
    assert world.callbacks.replay([dead[0].id]).queued == [dead[0].id]
    assert world.callbacks.replay(None).queued == [dead[1].id]
    world.cycle()
    assert world.count(callbacks, callbacks.c.state == "delivered") == 2


def test_nothing_is_lost_and_each_message_reaches_the_carrier_once(world):
    world.container.use_cases.accounts.top_up("alice", Decimal("1000"))
    sent = []
    for n in range(10):
        sent += ids(world.send([f"+7999123{n:02d}{k:02d}" for k in range(30)]))
    for _ in range(10):
        world.cycle(seconds=1.1)
    assert set(world.statuses(sent).values()) <= {"DELIVERED", "UNDELIVERABLE", "EXPIRED",
                                                  "REJECTED", "SUBMITTED"}
    with world.engine.connect() as conn:
        seen = conn.execute(select(simulator_submissions.c.message_id, func.count())
                            .group_by(simulator_submissions.c.message_id)).all()
    assert len(seen) == 300 and all(count == 1 for _, count in seen)
    assert world.count(messages, messages.c.status == "QUEUED") == 0
