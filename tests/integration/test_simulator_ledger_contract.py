"""One contract for the simulator's ledger, run against the in-memory fake and the SQL stores."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from service.app.delivery.carrier import Receipt
from service.app.delivery.simulator_ports import SimulatedPart
from service.persistence.simulator_ledger import SqlSimulatorLedger
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FakeSimulatorLedger

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["fake", *STORES])
def ledger(request):
    if request.param == "fake":
        yield FakeSimulatorLedger()
        return
    engine = migrated(store_url(request, request.param))
    yield SqlSimulatorLedger(engine)
    engine.dispose()


def part(carrier_id, due_in: float | None, stat="DELIVRD", error="000", message_id=1, n=1):
    due = None if due_in is None else NOW + timedelta(seconds=due_in)
    return SimulatedPart(carrier_id, message_id, n, "+79991234567", stat=stat if due else None,
                         error=error, receipt_due_at=due, created_at=NOW)


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def test_receipts_are_offered_once_due_earliest_first_each_done_now(ledger):
    ledger.record([part("b", 2, "UNDELIV", "005", n=2), part("a", 1), part("c", 5, message_id=2)])
    assert ledger.lease_due(later(0.5), 10, later(60)) == []
    assert ledger.lease_due(later(3), 10, later(60)) == [
        Receipt("a", "DELIVRD", "000", later(3)), Receipt("b", "UNDELIV", "005", later(3))]


def test_a_lease_takes_at_most_the_limit_and_the_rest_come_next(ledger):
    ledger.record([part(f"id{n}", n) for n in range(1, 6)])
    first = ledger.lease_due(later(10), 2, later(60))
    second = ledger.lease_due(later(10), 10, later(60))
    assert [r.carrier_id for r in first] == ["id1", "id2"]
    assert [r.carrier_id for r in second] == ["id3", "id4", "id5"]


def test_a_leased_receipt_not_marked_sent_is_offered_again_when_the_lease_ends(ledger):
    ledger.record([part("a", 1)])
    assert len(ledger.lease_due(later(1), 10, later(31))) == 1
    assert ledger.lease_due(later(30), 10, later(60)) == []
    assert ledger.lease_due(later(31), 10, later(61)) == [Receipt("a", "DELIVRD", "000", later(31))]


def test_a_receipt_marked_sent_is_never_offered_again(ledger):
    ledger.record([part("a", 1), part("b", 2, n=2)])
    ledger.mark_sent([r.carrier_id for r in ledger.lease_due(later(2), 1, later(31))])
    assert [r.carrier_id for r in ledger.lease_due(later(100), 10, later(130))] == ["b"]
    assert [r.carrier_id for r in ledger.lease_due(later(1000), 10, later(1030))] == ["b"]


def test_a_part_that_gets_no_receipt_is_never_offered(ledger):
    ledger.record([part("silent", None, error=None), part("a", 1)])
    assert [r.carrier_id for r in ledger.lease_due(later(10 ** 6), 10, later(10 ** 7))] == ["a"]


def test_recording_nothing_and_marking_nothing_are_harmless(ledger):
    ledger.record([])
    ledger.mark_sent([])
    ledger.mark_sent(["never-recorded"])
    assert ledger.lease_due(later(10), 10, later(60)) == []


# -- replies of simulated subscribers ----------------------------------------------------------

def replying(carrier_id, due_in, text="STOP", to="+4915199990"):
    return SimulatedPart(carrier_id, 1, 1, "+79991230009", stat="DELIVRD", error="000",
                         receipt_due_at=later(1), created_at=NOW, reply_text=text, reply_to=to,
                         reply_due_at=later(due_in))


def test_a_reply_is_offered_once_due_earliest_first_from_the_recipient_to_the_sender(ledger):
    from service.app.delivery.simulator_ports import SimulatedReply
    ledger.record([replying("b", 3, "later"), replying("a", 2), part("c", 1)])
    assert ledger.lease_due_replies(later(1.5), 10, later(60)) == []
    assert ledger.lease_due_replies(later(5), 10, later(60)) == [
        SimulatedReply("a", "+79991230009", "+4915199990", "STOP"),
        SimulatedReply("b", "+79991230009", "+4915199990", "later")]


def test_a_leased_reply_comes_again_after_its_lease_unless_marked_replied(ledger):
    ledger.record([replying("a", 1), replying("b", 1)])
    assert len(ledger.lease_due_replies(later(1), 10, later(31))) == 2
    assert ledger.lease_due_replies(later(30), 10, later(60)) == []
    ledger.mark_replied(["a"])
    assert [r.carrier_id for r in ledger.lease_due_replies(later(31), 10, later(61))] == ["b"]
    ledger.mark_replied(["b"])
    assert ledger.lease_due_replies(later(100), 10, later(160)) == []
    # receipts are untouched by replies
    assert [r.carrier_id for r in ledger.lease_due(later(100), 10, later(160))] == ["a", "b"]
