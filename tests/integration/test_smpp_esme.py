"""The raw ESME the SMPP benchmark and crash test drive servers with (tests/smpp_esme.py),
against the loopback SMSC: if it miscounted, their figures and verdicts would be wrong."""

from __future__ import annotations

import asyncio

import pytest

from service.delivery.smsc_simulator import SmscSimulator
from service.delivery.smsc_wire import Behaviour
from tests.smpp_esme import (Budget, Esme, Pacer, SubmitTemplate, percentile, submit_sm_body)


@pytest.fixture
def smsc():
    sim = SmscSimulator(Behaviour(system_id="esme", password="pw", resp_id_format="decimal",
                                  receipt_form="both")).start()
    yield sim
    sim.stop()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_a_window_of_submits_is_counted_exactly_and_never_exceeded(smsc):
    async def go():
        esme = await Esme.connect("127.0.0.1", smsc.port)
        assert await esme.bind("trx", "esme", "pw") == 0
        answers = []
        esme.on_submit_resp = lambda seq, status, mid: answers.append((seq, status, mid))
        template = SubmitTemplate(submit_sm_body("79990000010", b"hi"))
        esme.start_window(template.pdu, 10, Budget(count=500))
        await esme.drained
        await esme.unbind()
        return esme, answers
    esme, answers = run(go())
    assert esme.tally.sent == esme.tally.ok == len(esme.tally.latencies) == 500
    assert sorted(seq for seq, _, _ in answers) == list(range(2, 502))   # 1 was the bind
    assert all(status == 0 and mid.isdigit() for _, status, mid in answers)
    assert len(smsc.accepted()) == 500 and smsc.max_outstanding <= 10
    assert {r.destination_addr for r in smsc.accepted()} == {"79990000010"}


def test_refusals_are_counted_by_status_and_receipts_are_parsed_and_acknowledged(smsc):
    smsc.behaviour.throttle_next = 3

    async def go():
        esme = await Esme.connect("127.0.0.1", smsc.port)
        assert await esme.bind("trx", "esme", "pw") == 0
        template = SubmitTemplate(submit_sm_body("79990000010", b"hi", registered_delivery=1))
        esme.start_window(template.pdu, 5, Budget(count=20))
        await esme.drained
        while len(esme.receipts) < 17:
            await asyncio.sleep(0.01)
        await esme.unbind()
        return esme
    esme = run(go())
    assert esme.tally.ok == 17 and dict(esme.tally.refused) == {0x58: 3}
    assert {r.esm_class for r in esme.receipts} == {0x04}
    assert {r.message_state for r in esme.receipts} == {2}
    ids = {r.message_id for r in esme.receipts}
    assert len(ids) == 17 and all(i.isdigit() for i in ids)
    assert all(r.text.startswith(b"id:") for r in esme.receipts)
    assert {status for _, status in smsc.deliver_resps} == {0}


def test_a_paced_run_sends_at_its_rate_over_several_binds(smsc):
    async def go():
        esmes = [await Esme.connect("127.0.0.1", smsc.port) for _ in range(2)]
        for e in esmes:
            assert await e.bind("tx", "esme", "pw") == 0
        template = SubmitTemplate(submit_sm_body("79990000010", b"hi"))
        for e in esmes:
            e.start_paced(template.pdu, 50)
        budget = Budget(count=100)
        await Pacer(esmes, 1000, budget).run()
        await asyncio.gather(*(e.drained for e in esmes))
        return esmes
    esmes = run(go())
    assert [e.tally.ok for e in esmes] == [50, 50]


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50 and percentile(values, 99) == 99
    assert percentile(values, 100) == 100 and percentile([7.0], 99) == 7.0


def test_a_budget_that_falls_due_in_one_round_is_still_sent_and_drains(smsc):
    """A late wake-up (load) can make the whole budget due in one round of the Pacer, the round
    that also finds the budget spent: those submits still go out and the binds drain."""
    async def go():
        esme = await Esme.connect("127.0.0.1", smsc.port)
        assert await esme.bind("tx", "esme", "pw") == 0
        esme.start_paced(SubmitTemplate(submit_sm_body("79990000010", b"hi")).pdu, 50)
        await Pacer([esme], 1e9, Budget(count=20)).run()     # all 20 due at once
        await asyncio.wait_for(esme.drained, 10)
        return esme
    esme = run(go())
    assert esme.tally.ok == 20
