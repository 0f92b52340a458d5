"""The SMPP receipt queue on the in-memory fakes: which registered_delivery bits owe which
receipt on which change, what the receipt says, and how the queue leases, retries, releases
and expires them. (The fake is held to the SQL store by
tests/integration/test_smpp_outbox_contract.py.)"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from service.app.delivery.carrier import Accepted, Receipt, Rejected, Unknown
from service.app.delivery.delivery import DeliveryPolicy, DeliveryService
from service.app.smpp.outbox_ports import NewReceipt
from service.app.smpp.outbox import OutboxPolicy, SmppOutboxQueue
from service.domain.encoding import Encoding
from service.domain.message import Message
from service.domain.receipt_request import ReceiptKind, asks_for_receipts, receipt_owed
from service.domain.status import MessageStatus as S
from service.domain.vocabularies import (SMPP_MESSAGE_STATES, SMPP_STATE_OF_STAT, all_rows,
                                         smpp_message_state, smpp_receipt_names)
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, make_account

FINAL = [s for s in S if s.final]
DELIVERED = {S.DELIVERED, S.CLICKED}


# -- the bits -------------------------------------------------------------------------------

@pytest.mark.parametrize("status", list(S), ids=lambda s: s.name)
def test_which_bits_owe_a_receipt_for_each_status(status):
    kinds = {bits: receipt_owed(bits, status) for bits in (0, 1, 2, 3, 0x10, 0x11, 0x12, 0x1C)}
    if status.final:
        failure = status not in DELIVERED
        assert kinds == {0: None, 1: ReceiptKind.FINAL, 2: ReceiptKind.FINAL if failure else None,
                         3: None, 0x10: None, 0x11: ReceiptKind.FINAL,
                         0x12: ReceiptKind.FINAL if failure else None, 0x1C: None}
    elif status is S.SUBMITTED:
        assert kinds == {0: None, 1: None, 2: None, 3: None, 0x10: ReceiptKind.INTERMEDIATE,
                         0x11: ReceiptKind.INTERMEDIATE, 0x12: ReceiptKind.INTERMEDIATE,
                         0x1C: ReceiptKind.INTERMEDIATE}
    else:   # queued, scheduled, stopped, partially delivered: nothing to tell yet
        assert set(kinds.values()) == {None}


def test_bits_that_ask_for_nothing_are_recognised_without_a_status():
    assert [b for b in range(256) if asks_for_receipts(b)] == [
        b for b in range(256) if b & 3 in (1, 2) or b & 0x10]
    assert not asks_for_receipts(0) and not asks_for_receipts(3) and not asks_for_receipts(0x0C)


# -- the words ------------------------------------------------------------------------------

def test_every_status_has_an_smpp_message_state_that_agrees_with_its_receipt_stat():
    for status, row in all_rows().items():
        names = smpp_receipt_names(status)
        assert row.smpp_state in SMPP_MESSAGE_STATES, status
        assert smpp_message_state(status) == names.message_state == SMPP_STATE_OF_STAT[
            names.stat], status
        if status.final and row.dlr_stat:
            assert (names.stat, names.err) == (row.dlr_stat, row.dlr_error), status
        assert (names.message_state in (2,)) == (status in DELIVERED), status


def test_the_receipt_words_the_issue_names():
    assert smpp_receipt_names(S.DELIVERED) == ("DELIVRD", "000", 2)
    assert smpp_receipt_names(S.EXPIRED) == ("EXPIRED", "003", 3)
    assert smpp_receipt_names(S.DELETED) == ("DELETED", "004", 4)
    assert smpp_receipt_names(S.UNDELIVERABLE) == ("UNDELIV", "005", 5)
    assert smpp_receipt_names(S.REJECTED) == ("REJECTD", "008", 8)
    assert smpp_receipt_names(S.BANNED) == ("REJECTD", "008", 8)
    assert smpp_receipt_names(S.NO_FUNDS) == ("REJECTD", "008", 8)   # no DLR words of its own
    assert smpp_receipt_names(S.SUBMITTED) == ("ACCEPTD", "000", 6)
    assert smpp_receipt_names(S.QUEUED) == ("ENROUTE", "000", 1)
    assert smpp_receipt_names(S.UNDELIVERABLE, outcome_unknown=True) == ("UNKNOWN", "007", 7)
    assert smpp_receipt_names(S.DELIVERED, outcome_unknown=True) == ("DELIVRD", "000", 2)


# -- which changes queue what ---------------------------------------------------------------

class Carrier:
    """Answers by the recipient's last digit: 1 accepts, 2 refuses for good, 3 retries later,
    4 leaves the outcome unknown."""

    name = "scripted"

    def start(self, sink) -> None:
        """Nothing to connect."""

    def ready(self) -> bool:
        return True

    def submit(self, batch):
        out = []
        for m in batch:
            digit = m.recipient[-1]
            if digit == "1":
                out.append(Accepted(m.message_id, (f"c{m.message_id}",)))
            elif digit == "4":
                out.append(Unknown(m.message_id, "line dropped"))
            else:
                out.append(Rejected(m.message_id, digit == "2", "no", 1))
        return out

    def poll(self) -> None:
        """Receipts are given by the test."""

    def stop(self) -> None:
        """Nothing to disconnect."""


class World:
    def __init__(self) -> None:
        self.uow, self.clock = FakeUnitOfWorkFactory(), FixedClock()
        with self.uow(write=True) as u:
            self.account = u.accounts.add(make_account(balance="100")).stored_id
            u.commit()
        self.delivery = DeliveryService(self.uow, self.clock, DeliveryPolicy())
        self.queue = SmppOutboxQueue(self.uow, self.clock, OutboxPolicy(
            lease_seconds=30, retry_first_seconds=5, retry_cap_seconds=20, max_age_hours=72))

    def add(self, digit: str, bits: int, text="Hello there, a text longer than 20",
            valid_minutes=60) -> int:
        now = self.clock.now()
        with self.uow(write=True) as u:
            [message_id] = u.messages.add_many([Message(
                id=None, account_id=self.account, recipient=f"+7999123450{digit}", text=text,
                sender="ACME", encoding=Encoding.GSM7, segments=1, cost=Decimal("1"),
                status=S.QUEUED, created_at=now, updated_at=now,
                valid_until=now + timedelta(minutes=valid_minutes), receipt_request=bits)])
            u.commit()
        return message_id

    def owed(self, owner="s1"):
        return [(r.message_id, r.stat, r.err, r.message_state, r.final)
                for r in self.queue.claim([self.account], owner, 100)]


def test_a_final_receipt_for_a_delivered_message_and_the_interim_one_when_asked():
    w = World()
    final, interim, failures, silent = (w.add("1", bits) for bits in (1, 0x11, 2, 0))
    w.delivery.dispatch(Carrier(), "w1")
    assert w.owed() == [(interim, "ACCEPTD", "000", 6, False)]
    w.clock.advance(seconds=3)
    w.delivery.accept_receipts("scripted", [Receipt(f"c{i}", "DELIVRD", "000", w.clock.now())
                                            for i in (final, interim, failures, silent)])
    w.delivery.process_receipts()
    assert w.owed("s2") == [(final, "DELIVRD", "000", 2, True),
                            (interim, "DELIVRD", "000", 2, True)]


def test_failures_of_every_kind_owe_their_receipt_to_failure_only_clients():
    w = World()
    carrier_failed = w.add("1", 2)
    refused = w.add("2", 2)
    unknown = w.add("4", 2)
    never_sent = w.add("3", 0x12, valid_minutes=1)    # retried until its validity ends
    w.delivery.dispatch(Carrier(), "w1")
    w.delivery.accept_receipts("scripted", [Receipt(f"c{carrier_failed}", "UNDELIV", "005",
                                                    w.clock.now())])
    w.delivery.process_receipts()
    w.clock.advance(minutes=2)
    w.delivery.sweep()
    w.delivery.dispatch(Carrier(), "w1")
    assert sorted(w.owed()) == sorted([
        (refused, "REJECTD", "008", 8, True), (unknown, "UNKNOWN", "007", 7, True),
        (carrier_failed, "UNDELIV", "005", 5, True), (never_sent, "EXPIRED", "003", 3, True)])


def test_a_receipt_repeats_the_message_with_the_addresses_swapped():
    w = World()
    message_id = w.add("1", 1, text="Ünïcödé text that goes on and on")
    submitted = w.clock.now()
    w.delivery.dispatch(Carrier(), "w1")
    w.clock.advance(seconds=7)
    w.delivery.accept_receipts("scripted", [Receipt(f"c{message_id}", "DELIVRD", "000",
                                                    w.clock.now())])
    w.delivery.process_receipts()
    [r] = w.queue.claim([w.account], "s1", 10)
    assert (r.source, r.destination, r.text, r.submitted_at, r.done_at, r.attempts) == (
        "+79991234501", "ACME", "Ünïcödé text that go", submitted, w.clock.now(), 0)


# -- the queue ------------------------------------------------------------------------------

def queued(w: World, count: int) -> list[int]:
    now = w.clock.now()
    with w.uow(write=True) as u:
        u.smpp_outbox.add([NewReceipt(
            account_id=w.account, message_id=100 + n, source="+79990000000", destination="",
            stat="DELIVRD", err="000", message_state=2, submitted_at=now, done_at=now,
            text="x", final=True) for n in range(count)], now)
        u.commit()
    return [100 + n for n in range(count)]


def test_claim_leases_oldest_first_and_delivered_ones_are_gone():
    w = World()
    queued(w, 3)
    first = w.queue.claim([w.account], "s1", 2)
    assert [r.message_id for r in first] == [100, 101]
    assert [r.message_id for r in w.queue.claim([w.account], "s2", 10)] == [102]
    assert w.queue.claim([w.account], "s3", 10) == []
    assert w.queue.claim([], "s3", 10) == [] and w.queue.claim([w.account], "s3", 0) == []
    w.queue.delivered([r.id for r in first])
    w.queue.delivered([])
    w.clock.advance(seconds=31)                       # the leases ran out: only 102 is left
    assert [r.message_id for r in w.queue.claim([w.account], "s3", 10)] == [102]


def test_a_failed_receipt_is_retried_with_the_one_backoff():
    w = World()
    queued(w, 1)
    waits = []
    for attempt in range(4):
        [r] = w.queue.claim([w.account], "s1", 10)
        assert r.attempts == attempt
        w.queue.failed(r.id, "s1")
        start = w.clock.now()
        while not w.queue.claim([w.account], "probe", 10):
            w.clock.advance(seconds=1)
        waits.append((w.clock.now() - start).total_seconds())
        w.queue.release("probe")
    assert waits == [5, 10, 20, 20]                   # doubling up to the cap


def test_a_failure_reported_by_a_session_that_lost_the_lease_changes_nothing():
    w = World()
    queued(w, 1)
    [r] = w.queue.claim([w.account], "s1", 10)
    w.clock.advance(seconds=31)
    [again] = w.queue.claim([w.account], "s2", 10)
    w.queue.failed(r.id, "s1")
    w.queue.failed(12345, "s2")                       # unknown id: nothing to do
    w.queue.delivered([again.id])
    w.clock.advance(hours=1)
    assert w.queue.claim([w.account], "s3", 10) == []


def test_release_makes_a_closed_sessions_receipts_claimable_at_once_in_order():
    w = World()
    queued(w, 3)
    w.queue.claim([w.account], "s1", 10)
    w.queue.release("s1")
    assert [r.message_id for r in w.queue.claim([w.account], "s2", 10)] == [100, 101, 102]


def test_expire_drops_receipts_older_than_the_max_age_and_counts_them():
    w = World()
    queued(w, 2)
    w.clock.advance(hours=71)
    queued(w, 1)
    assert w.queue.expire() == 0
    w.clock.advance(hours=1, seconds=1)
    assert w.queue.expire() == 2
    assert [r.message_id for r in w.queue.claim([w.account], "s1", 10)] == [100]


def test_the_documented_smpp_column_is_the_code():
    from pathlib import Path
    doc = (Path(__file__).resolve().parents[2] / "docs" / "statuses.md").read_text()
    documented = {}
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 7 and cells[0].split(" ")[0] in S.__members__:
            stat, err, state = cells[6].split(" / ")
            documented[S[cells[0].split(" ")[0]]] = (stat, err, int(state.split(" ")[0]),
                                                     state.split(" ")[1])
    assert documented == {s: (*smpp_receipt_names(s), SMPP_MESSAGE_STATES[
        smpp_message_state(s)]) for s in S}
