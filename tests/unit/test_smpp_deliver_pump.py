"""The deliver pump: receipts and inbound parts on one thread, each deliver_sm answered by its
own sink's outcome, and only after that sink returned."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from service.app.delivery.carrier import Receipt
from service.delivery.smpp.receipt_pump import DeliverPump
from service.domain.inbound import InboundPart

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def run(items, receipts_fail=False, inbound_fail=False):
    calls, acks, done = [], [], threading.Event()

    def sink(kind, fail):
        def store(batch):
            calls.append((kind, list(batch)))
            if fail:
                raise RuntimeError("store away")
        return store

    def post(batch):
        acks.extend(batch)
        if len(acks) == len(items):
            done.set()

    pump = DeliverPump(sink("receipts", receipts_fail), sink("inbound", inbound_fail), post)
    for seq, item in enumerate(items, 1):       # queued before the thread starts: one batch
        pump.put(1, seq, item)
    pump.start()
    assert done.wait(5)
    pump.stop(1)
    return calls, acks


R = Receipt("abc", "DELIVRD")
P = InboundPart("+79991234567", "4321", "hi", NOW)


def test_one_batch_one_call_per_sink_and_each_pdu_its_own_status():
    calls, acks = run([R, P, R, P], inbound_fail=True)
    assert calls == [("receipts", [R, R]), ("inbound", [P, P])]
    assert acks == [(1, 1, 0x00), (1, 2, 0x64), (1, 3, 0x00), (1, 4, 0x64)]


def test_a_failing_receipt_sink_does_not_refuse_the_mo():
    calls, acks = run([P, R], receipts_fail=True)
    assert [kind for kind, _ in calls] == ["receipts", "inbound"]
    assert acks == [(1, 1, 0x00), (1, 2, 0x64)]


def test_only_mo_calls_only_the_inbound_sink():
    calls, acks = run([P])
    assert calls == [("inbound", [P])] and acks == [(1, 1, 0x00)]
