"""Inbound messages (MO) over SMPP from the loopback SMSC into the connector's inbound sink:
single and multipart (UDH 8/16-bit, SAR), GSM, UCS-2, parts shuffled, twice or lost, a sink
that fails (a temporary error, and the SMSC resends), and the bad input decisions of
``service/delivery/smpp/mo.py``. The sink here only records; the stored path through
``InboundService`` is in test_inbound_smpp.py."""

from __future__ import annotations

import threading

import pytest

from service.delivery.smpp import SmppConfig, SmppConnector
from service.delivery.smsc_simulator import Behaviour, SmscSimulator
from service.domain.message import ConcatPart
from tests.integration.test_smpp_connector import FAST, wait_until

ESME_ROK, ESME_RINVMSGLEN, ESME_RX_T_APPN = 0x00, 0x01, 0x64


class MoSink:
    """An inbound sink that records every part it stored; ``fail`` makes the next calls raise.
    ``wait_for`` wakes on each call instead of polling."""

    def __init__(self) -> None:
        self.parts: list = []
        self.calls = 0
        self.fail = 0
        self._changed = threading.Condition()

    def __call__(self, parts) -> None:
        with self._changed:
            try:
                self.calls += 1
                if self.fail > 0:
                    self.fail -= 1
                    raise RuntimeError("could not store")
                self.parts.extend(parts)
            finally:
                self._changed.notify_all()

    def wait_for(self, predicate, timeout: float = 5.0) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout)


def no_receipts(receipts) -> None:
    raise AssertionError(f"unexpected receipts {receipts!r}")


@pytest.fixture
def smsc():
    sim = SmscSimulator(Behaviour(redeliver_delay=0.02)).start()
    yield sim
    sim.stop()


@pytest.fixture
def mo():
    return MoSink()


@pytest.fixture
def connector(smsc, mo):
    c = SmppConnector(SmppConfig(port=smsc.port, **FAST))
    c.start(no_receipts, mo)
    assert c.wait_bound(3)
    yield c
    c.stop()


def joined(parts) -> str:
    return "".join(p.text for p in sorted(parts, key=lambda p: p.concat.sequence))


def test_a_single_mo_reaches_the_sink_and_is_acknowledged_after_it(smsc, mo, connector):
    mo_id = smsc.send_mo("491511234567", "Yes, see you at 5 {ok}", destination="4915199990")
    assert mo.wait_for(lambda: len(mo.parts) == 1)
    [part] = mo.parts
    assert (part.source, part.destination, part.text, part.concat) == (
        "+491511234567", "4915199990", "Yes, see you at 5 {ok}", None)
    assert part.received_at.tzinfo is not None
    assert wait_until(lambda: smsc.mo_statuses(mo_id) == [(None, ESME_ROK)])


def test_the_sink_stored_the_mo_before_the_smsc_got_its_ack(smsc):
    seen = []

    def sink(parts):
        seen.append(list(smsc.mo_acks))

    c = SmppConnector(SmppConfig(port=smsc.port, **FAST))
    c.start(no_receipts, sink)
    try:
        assert c.wait_bound(3)
        mo_id = smsc.send_mo("491511234567", "hi")
        assert wait_until(lambda: smsc.mo_statuses(mo_id) == [(None, ESME_ROK)])
        assert seen == [[]]
    finally:
        c.stop()


@pytest.mark.parametrize("concat", ["udh8", "udh16", "sar"])
@pytest.mark.parametrize("alphabet,text", [
    ("gsm", "Long reply from the handset, with € and [brackets]. " * 8),
    ("ucs2", "Ответ с телефона, длинный 😀 " * 8)])
def test_multipart_mo_in_any_order_arrives_as_numbered_parts(smsc, mo, connector, concat,
                                                              alphabet, text):
    mo_id = smsc.send_mo("491511234567", text, alphabet=alphabet, parts=4, concat=concat,
                         reference=200 if concat == "udh8" else 54321, order=[3, 1, 4, 2])
    assert mo.wait_for(lambda: len(mo.parts) == 4)
    assert [p.concat.sequence for p in mo.parts] == [3, 1, 4, 2]
    ref = 200 if concat == "udh8" else 54321
    assert {(p.concat.reference, p.concat.total) for p in mo.parts} == {(ref, 4)}
    assert joined(mo.parts) == text
    assert wait_until(lambda: len(smsc.mo_statuses(mo_id)) == 4)
    assert {status for _, status in smsc.mo_statuses(mo_id)} == {ESME_ROK}


def test_a_part_sent_twice_reaches_the_sink_twice_and_a_lost_one_never(smsc, mo, connector):
    smsc.send_mo("491511234567", "abcdefghij" * 3, parts=3, order=[1, 1, 3])
    assert mo.wait_for(lambda: len(mo.parts) == 3)
    assert [p.concat.sequence for p in mo.parts] == [1, 1, 3]


def test_a_failing_sink_answers_a_temporary_error_and_the_smsc_resends_until_stored(
        smsc, mo, connector):
    mo.fail = 2
    mo_id = smsc.send_mo("491511234567", "STOP")
    assert mo.wait_for(lambda: len(mo.parts) == 1)
    assert wait_until(lambda: len(smsc.mo_statuses(mo_id)) == 3)
    assert smsc.mo_statuses(mo_id) == [(None, ESME_RX_T_APPN)] * 2 + [(None, ESME_ROK)]
    assert [a.attempt for a in smsc.mo_acks] == [1, 2, 3] and mo.calls == 3


def test_receipts_and_mo_share_one_thread_and_each_gets_its_own_answer(smsc, mo):
    from service.app.delivery.carrier import OutboundSms
    from tests.integration.test_smpp_connector import sms
    receipts = []
    c = SmppConnector(SmppConfig(port=smsc.port, **FAST))
    c.start(receipts.extend, mo)
    try:
        assert c.wait_bound(3)
        mo.fail = 1
        message: OutboundSms = sms()
        c.submit([message])
        mo_id = smsc.send_mo("491511234567", "hello")
        assert wait_until(lambda: receipts and len(mo.parts) == 1)
        assert smsc.deliver_resps and smsc.deliver_resps[0][1] == ESME_ROK
        assert wait_until(lambda: smsc.mo_statuses(mo_id)[-1:] == [(None, ESME_ROK)])
    finally:
        c.stop()


def test_an_mo_unacknowledged_when_the_connection_drops_comes_again(smsc, mo):
    gate = threading.Event()

    def slow(parts):
        gate.wait(5)
        mo(parts)

    c = SmppConnector(SmppConfig(port=smsc.port, **FAST))
    c.start(no_receipts, slow)
    try:
        assert c.wait_bound(3)
        mo_id = smsc.send_mo("491511234567", "hello")
        assert wait_until(lambda: len(smsc.mo_sent) == 1)
        smsc.drop_connections()
        assert wait_until(lambda: c.stats().get("binds", 0) >= 2)
        gate.set()
        assert wait_until(lambda: (mo_id, None, 2) in smsc.mo_sent)
        assert wait_until(lambda: smsc.mo_statuses(mo_id) == [(None, ESME_ROK)])
        assert [p.text for p in mo.parts] == ["hello", "hello"]   # the first copy, then the resent
    finally:
        c.stop()


# -- bad input ------------------------------------------------------------------------------

def raw(smsc, mo, esm_class, data_coding, short_message, tlvs=b""):
    calls = mo.calls
    mo_id = smsc.send_mo_raw("491511234567", "12345", esm_class, data_coding, short_message, tlvs)
    assert wait_until(lambda: smsc.mo_statuses(mo_id))
    return smsc.mo_statuses(mo_id)[0][1], mo.parts[-1] if mo.calls > calls else None


def test_an_unknown_data_coding_is_stored_best_effort(smsc, mo, connector, caplog):
    status, part = raw(smsc, mo, 0, 0x02, b"\x01\xfeAB")
    assert status == ESME_ROK and part.text == "\x01\xfeAB"
    assert "data_coding 0x02" in caplog.text


def test_a_udh_that_lies_about_its_length_is_refused_permanently(smsc, mo, connector):
    status, part = raw(smsc, mo, 0x40, 0, bytes([9, 0, 3, 1, 2, 1]) + b"hi")
    assert (status, part) == (ESME_RINVMSGLEN, None)
    assert len(smsc.mo_acks) == 1                    # a permanent error is not resent


def test_255_parts_and_a_part_above_the_count(smsc, mo, connector):
    status, part = raw(smsc, mo, 0x40, 0, bytes([5, 0, 3, 7, 255, 255]) + b"last")
    assert status == ESME_ROK and part.concat == ConcatPart(7, 255, 255)
    status, part = raw(smsc, mo, 0x40, 0, bytes([5, 0, 3, 7, 3, 4]) + b"stray")
    assert status == ESME_ROK and (part.text, part.concat) == ("stray", None)


def test_an_empty_text_is_stored_as_an_empty_message(smsc, mo, connector):
    status, part = raw(smsc, mo, 0, 0, b"")
    assert status == ESME_ROK and part.text == ""


def test_with_a_window_the_smsc_holds_back_mo_until_answers_come(smsc, mo, connector):
    smsc.behaviour.mo_window = 3
    ids = [smsc.send_mo("491511234567", f"m{n}") for n in range(30)]
    assert mo.wait_for(lambda: len(mo.parts) == 30)
    assert sorted(p.text for p in mo.parts) == sorted(f"m{n}" for n in range(30))
    assert wait_until(lambda: all(smsc.mo_statuses(i) == [(None, ESME_ROK)] for i in ids))
