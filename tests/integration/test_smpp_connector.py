"""The SMPP connector against the loopback SMSC: binds, windows, throttling, drops, receipts.

Every test runs on 127.0.0.1 with small delays; waits are bounded polls, never bare sleeps
that a slow machine could outgrow.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from service.app.access.auth import Credentials
from service.app.delivery.carrier import Accepted, OutboundSms, Rejected, Unknown
from service.app.delivery.delivery import DeliveryPolicy, DeliveryService
from service.app.sending.sending import SendSms
from service.app.sending.status_query import GetStatus
from service.bootstrap import build_container
from service.config import Settings
from service.delivery.smpp import SmppConfig, SmppConnector
from service.delivery.smpp.encoding import decode_gsm7
from service.delivery.smsc_simulator import Behaviour, SmscSimulator
from service.domain.carrier_ids import normalise_carrier_id, receipt_lookup_keys
from service.domain.clock import SystemClock
from service.domain.encoding import Encoding, analyse
from service.domain.message import ConcatPart
from tests.conftest import migrated

FAST = dict(system_id="smsgw", password="secret", tps=0, window=10, response_timeout=1.0,
            enquire_link_interval=30.0, reconnect_initial=0.05, reconnect_max=0.4,
            reconnect_jitter=0.0, retry_initial=0.05, retry_max=0.2, stop_timeout=1.0)


def wait_until(condition, timeout: float = 3.0) -> bool:
    """A bounded poll, for state the SMSC simulator's and the connector's own threads change:
    they signal no event a test could wait on (receipts have one: ``Sink.wait_for``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


class Sink:
    """A receipt sink that records what it stored; ``fail`` makes the next calls raise.
    Tests wait on it with ``wait_for``, woken by each call instead of polling."""

    def __init__(self) -> None:
        self.receipts = []
        self.fail = 0
        self.calls = 0
        self._changed = threading.Condition()  # reentrant: predicates may call ids()

    def __call__(self, receipts) -> None:
        with self._changed:
            try:
                self.calls += 1
                if self.fail > 0:
                    self.fail -= 1
                    raise RuntimeError("database is locked")
                self.receipts.extend(receipts)
            finally:
                self._changed.notify_all()

    def ids(self) -> list[str]:
        with self._changed:
            return [r.carrier_id for r in self.receipts]

    def wait_for(self, predicate, timeout: float = 3.0) -> bool:
        """Whether ``predicate`` came to hold within ``timeout`` s, checked at each call."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout)


def refuse_mo(parts) -> None:
    """The inbound sink of tests about submits and receipts: no MO is expected."""
    raise AssertionError(f"unexpected MO {parts!r}")


@pytest.fixture
def smsc():
    sim = SmscSimulator(Behaviour()).start()
    yield sim
    sim.stop()


@pytest.fixture
def sink():
    return Sink()


@pytest.fixture
def connect(smsc, sink):
    started = []

    def make(**overrides) -> SmppConnector:
        connector = SmppConnector(SmppConfig(port=smsc.port, **{**FAST, **overrides}))
        connector.start(sink, refuse_mo)
        started.append(connector)
        return connector

    yield make
    for connector in started:
        connector.stop()


_ids = iter(range(1, 1 << 30))


def sms(text: str = "Hello", recipient: str | None = None) -> OutboundSms:
    info = analyse(text)
    message_id = next(_ids)
    return OutboundSms(message_id, recipient or f"+49151{message_id:05d}99", "Acme", text,
                       info.encoding, info.parts,
                       datetime.now(timezone.utc) + timedelta(hours=1))


def records_for(smsc: SmscSimulator, message: OutboundSms):
    return [r for r in list(smsc.submits) if r.destination_addr == message.recipient.lstrip("+")]


# -- bind, submit, receipt ---------------------------------------------------------------------

def test_binds_submits_and_pushes_the_receipt_to_the_sink(smsc, sink, connect):
    connector = connect()
    assert connector.bound
    message = sms("Hello €")
    [outcome] = connector.submit([message])
    assert isinstance(outcome, Accepted) and outcome.message_id == message.message_id
    [record] = smsc.submits
    assert outcome.carrier_ids == (record.message_id,)
    assert (record.registered_delivery, record.data_coding, record.esm_class) == (1, 0, 0)
    assert record.udh == b"" and decode_gsm7(record.body) == "Hello €"
    assert sink.wait_for(lambda: sink.ids() == [record.message_id])
    receipt = sink.receipts[0]
    assert (receipt.stat, receipt.error) == ("DELIVRD", "000") and receipt.done_at is not None
    assert wait_until(lambda: smsc.deliver_resps == [(record.message_id, 0)])


def test_the_sink_has_stored_the_receipt_before_the_smsc_gets_its_ack(smsc, connect):
    seen_acks = []

    def sink(receipts):
        time.sleep(0.05)  # a window for an ack sent too early to show: no event proves its absence
        seen_acks.append(list(smsc.deliver_resps))

    connector = SmppConnector(SmppConfig(port=smsc.port, **FAST))
    connector.start(sink, refuse_mo)
    try:
        [outcome] = connector.submit([sms()])
        assert wait_until(lambda: len(smsc.deliver_resps) == 1)
        assert seen_acks == [[]]
        assert smsc.deliver_resps == [(outcome.carrier_ids[0], 0)]
    finally:
        connector.stop()


@pytest.mark.parametrize("last_digits,stat,error", [
    ("0000", "UNDELIV", "001"), ("0001", "EXPIRED", "000"), ("0002", "REJECTD", "000"),
    ("5678", "DELIVRD", "000")])
@pytest.mark.parametrize("form", ["text", "tlv"])
def test_the_receipt_outcome_reaches_the_sink_from_text_or_tlvs(smsc, sink, connect, form,
                                                                last_digits, stat, error):
    smsc.behaviour.receipt_form = form
    connector = connect()
    [outcome] = connector.submit([sms(recipient=f"+4915100{last_digits}")])
    assert sink.wait_for(lambda: len(sink.receipts) == 1)
    r = sink.receipts[0]
    assert (r.carrier_id, r.stat) == (outcome.carrier_ids[0], stat)
    assert r.error == (error if form == "text" or error != "000" else None)


def test_no_receipt_is_invented_when_the_smsc_sends_none(smsc, sink, connect):
    connector = connect()
    [outcome] = connector.submit([sms(recipient="+491510000003")])
    assert isinstance(outcome, Accepted)
    # The control: a receipt the SMSC does send, on the same bind, after the first one.
    # Receipts arrive in order, so once the control's is stored, any for the first is too.
    [control] = connector.submit([sms(recipient="+491510005678")])
    assert sink.wait_for(lambda: len(sink.receipts) >= 1)
    assert sink.ids() == [control.carrier_ids[0]]
    assert [rid for rid, _, _ in smsc.receipts_sent] == [control.carrier_ids[0]]


def test_a_receipted_message_id_sent_without_its_nul_still_matches(smsc, sink, connect):
    smsc.behaviour.receipt_form, smsc.behaviour.receipt_id_nul = "tlv", False
    [outcome] = connect().submit([sms()])
    assert sink.wait_for(lambda: sink.ids() == list(outcome.carrier_ids))


def test_an_error_while_reading_is_logged_and_the_receipt_still_arrives(
        smsc, sink, connect, monkeypatch, caplog):
    import service.delivery.smpp.session as session_module
    real, calls = session_module.receipt_from_pdu, []

    def breaks_once(*args):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("bug while reading a receipt")
        return real(*args)

    monkeypatch.setattr(session_module, "receipt_from_pdu", breaks_once)
    connector = connect()
    [outcome] = connector.submit([sms()])
    # The loop logs, drops the connection, binds again; the SMSC resends the unacked receipt.
    assert sink.wait_for(lambda: sink.ids() == list(outcome.carrier_ids))
    assert connector.stats()["loop_errors"] == 1 and connector.wait_bound(2.0)
    assert "bug while reading a receipt" in caplog.text


# -- multipart ---------------------------------------------------------------------------------

def test_a_three_part_gsm_message_has_a_udh_per_part_and_a_receipt_per_part(smsc, sink, connect):
    text = "x" * 152 + "€" + "y" * 200
    message = sms(text)
    assert len(message.parts) == 3
    [outcome] = connect().submit([message])
    records = records_for(smsc, message)
    assert isinstance(outcome, Accepted)
    assert outcome.carrier_ids == tuple(r.message_id for r in records)
    assert len(set(outcome.carrier_ids)) == 3
    ref = records[0].udh[3]
    assert [r.udh for r in records] == [bytes([5, 0, 3, ref, 3, i]) for i in (1, 2, 3)]
    assert all((r.esm_class, r.data_coding) == (0x40, 0) for r in records)
    assert "".join(decode_gsm7(r.body) for r in records) == text
    assert sink.wait_for(lambda: sorted(sink.ids()) == sorted(outcome.carrier_ids))


def test_a_two_part_ucs2_message_has_data_coding_8_and_a_receipt_per_part(smsc, sink, connect):
    text = "Привет, мир! " * 8
    message = sms(text)
    assert len(message.parts) == 2
    [outcome] = connect().submit([message])
    records = records_for(smsc, message)
    ref = records[0].udh[3]
    assert [r.udh for r in records] == [bytes([5, 0, 3, ref, 2, 1]), bytes([5, 0, 3, ref, 2, 2])]
    assert all((r.esm_class, r.data_coding) == (0x40, 8) for r in records)
    assert "".join(r.body.decode("utf-16-be") for r in records) == text
    assert sink.wait_for(lambda: sorted(sink.ids()) == sorted(outcome.carrier_ids))


@pytest.mark.parametrize("text,ref,udh,coding", [
    ("x" * 151 + "€", 200, bytes([5, 0, 3, 200, 3, 2]), 0),            # 8-bit, 153 septets
    ("Привет! " * 8 + "ab", 0x0301, bytes([6, 8, 4, 3, 1, 3, 2]), 8),   # 16-bit, 66 units
])
def test_a_client_split_part_is_one_submit_with_the_clients_udh_and_one_receipt(
        smsc, sink, connect, text, ref, udh, coding):
    info = analyse(text)
    message = OutboundSms(next(_ids), "+4915177777799", "Acme", text, info.encoding, (text,),
                          datetime.now(timezone.utc) + timedelta(hours=1),
                          concat=ConcatPart(ref, 3, 2))
    [outcome] = connect().submit([message])
    [record] = records_for(smsc, message)
    assert isinstance(outcome, Accepted) and outcome.carrier_ids == (record.message_id,)
    assert record.udh == udh and (record.esm_class, record.data_coding) == (0x40, coding)
    body = decode_gsm7(record.body) if coding == 0 else record.body.decode("utf-16-be")
    assert body == text
    assert sink.wait_for(lambda: sink.ids() == [record.message_id])


def test_a_client_split_part_too_long_for_one_sms_is_refused_before_anything_is_sent(
        smsc, connect):
    text = "x" * 153  # fits beside an 8-bit reference, not beside a 16-bit one
    message = OutboundSms(next(_ids), "+4915177777799", None, text, Encoding.GSM7, (text,),
                          datetime.now(timezone.utc) + timedelta(hours=1),
                          concat=ConcatPart(300, 2, 1))
    [outcome] = connect().submit([message])
    assert isinstance(outcome, Rejected) and outcome.permanent and smsc.submits == []


@pytest.mark.parametrize("resp_form,receipt_form", [("hex", "decimal"), ("decimal", "hex")])
@pytest.mark.parametrize("receipt_layout", ["text", "tlv"])
def test_ids_in_one_base_in_the_resp_and_the_other_in_the_receipt_match(
        smsc, sink, connect, resp_form, receipt_form, receipt_layout):
    b = smsc.behaviour
    b.resp_id_format, b.receipt_id_format, b.receipt_form = resp_form, receipt_form, receipt_layout
    outcomes = connect().submit([sms(), sms("z" * 300)])
    submitted = [cid for o in outcomes for cid in o.carrier_ids]
    assert sink.wait_for(lambda: len(sink.receipts) == len(submitted))
    received = sink.ids()
    assert not set(received) & set(submitted)            # the forms really differ
    for cid in submitted:
        assert sum(normalise_carrier_id(cid) in receipt_lookup_keys(r) for r in received) == 1


# -- refusals and retries ----------------------------------------------------------------------

@pytest.mark.parametrize("knob,answer", [("throttle_next", "throttled"),
                                         ("msgqful_next", "queue full")])
def test_throttled_or_queue_full_is_retried_after_a_backoff_without_duplicates(
        smsc, connect, knob, answer):
    connector = connect(retry_initial=0.1, retry_max=0.4)
    setattr(smsc.behaviour, knob, 2)
    message = sms()
    [outcome] = connector.submit([message])
    records = records_for(smsc, message)
    assert isinstance(outcome, Accepted)
    assert [r.answer for r in records] == [answer, answer, "ok"]
    # The delays (0.1 s, then doubled) are checked on an injected clock in
    # tests/unit/test_smpp_flow.py: gaps stamped by the simulator's thread shrink under load.
    assert connector.stats()["retries"] == 2


def test_an_smsc_throttling_above_its_rate_gets_every_message_once(smsc, connect):
    connector = connect(window=5, retry_initial=0.1, retry_max=0.4, retry_limit=10)
    smsc.behaviour.throttle_above_tps = 20
    batch = [sms() for _ in range(30)]
    outcomes = connector.submit(batch)
    assert all(isinstance(o, Accepted) for o in outcomes), outcomes
    accepted = Counter(r.destination_addr for r in smsc.accepted())
    assert accepted == Counter(m.recipient[1:] for m in batch)
    assert connector.stats()["retries"] > 0


def test_still_throttled_after_the_retry_limit_is_a_temporary_rejection(smsc, connect):
    connector = connect(retry_limit=2, retry_initial=0.02)
    smsc.behaviour.throttle_next = 100
    message = sms()
    [outcome] = connector.submit([message])
    assert isinstance(outcome, Rejected) and not outcome.permanent
    assert outcome.error_code == 0x58
    assert [r.answer for r in records_for(smsc, message)] == ["throttled"] * 3


def test_an_error_status_is_a_permanent_rejection_with_that_code(smsc, connect):
    smsc.behaviour.refuse_next = 1
    message = sms("x" * 300)
    [outcome] = connect().submit([message])
    assert outcome == Rejected(message.message_id, True, outcome.reason, 0x0B)
    assert len(records_for(smsc, message)) == 1              # the other parts never went


@pytest.mark.parametrize("status", [0x08, 0x64])  # ESME_RSYSERR, ESME_RX_T_APPN
def test_a_system_or_temporary_application_error_is_a_temporary_rejection(smsc, connect, status):
    smsc.behaviour.refuse_next, smsc.behaviour.refuse_status = 1, status
    message = sms()
    [outcome] = connect().submit([message])
    assert outcome == Rejected(message.message_id, False, outcome.reason, status)


def test_a_part_that_cannot_be_encoded_is_refused_before_anything_is_sent(smsc, connect):
    message = OutboundSms(next(_ids), "+491511234599", None, "Ж", Encoding.GSM7, ("Ж",),
                          datetime.now(timezone.utc) + timedelta(hours=1))
    [outcome] = connect().submit([message])
    assert isinstance(outcome, Rejected) and outcome.permanent
    assert smsc.submits == []


def test_a_generic_nack_is_retried_once(smsc, connect):
    connector = connect()
    smsc.behaviour.nack_next = 1
    ok = sms()
    assert isinstance(connector.submit([ok])[0], Accepted)
    assert [r.answer for r in records_for(smsc, ok)] == ["generic_nack", "ok"]
    smsc.behaviour.nack_next = 2
    refused = sms()
    [outcome] = connector.submit([refused])
    assert isinstance(outcome, Rejected) and not outcome.permanent
    assert [r.answer for r in records_for(smsc, refused)] == ["generic_nack"] * 2


# -- connection trouble ------------------------------------------------------------------------

def test_a_drop_mid_window_makes_in_flight_unknown_and_later_submits_succeed(smsc, connect):
    connector = connect(window=5)
    smsc.behaviour.resp_delay = 0.3
    smsc.behaviour.drop_on_submit = 3
    first = [sms() for _ in range(5)]
    outcomes = connector.submit(first)
    # What the SMSC received is Unknown; a submit whose write already failed is safe to retry.
    assert all(isinstance(o, Unknown) for o in outcomes[:3]), outcomes
    for message, outcome in zip(first, outcomes):
        assert isinstance(outcome, Unknown) or (
            isinstance(outcome, Rejected) and not outcome.permanent
            and records_for(smsc, message) == []), outcome
    smsc.behaviour.resp_delay = 0.0
    assert connector.wait_bound(3.0)
    later = [sms() for _ in range(5)]
    assert all(isinstance(o, Accepted) for o in connector.submit(later))
    # Nothing was resubmitted: every message reached the SMSC at most once.
    per_destination = Counter(r.destination_addr for r in smsc.submits)
    assert max(per_destination.values()) == 1
    assert {r.destination_addr for r in smsc.accepted()} >= {m.recipient[1:] for m in later}
    assert connector.stats()["connections_lost"] == 1


def test_a_submit_while_the_connection_is_down_is_a_temporary_rejection(smsc, connect):
    connector = connect()
    smsc.behaviour.password = "changed"
    smsc.drop_connections()
    assert wait_until(lambda: not connector.bound)
    message = sms()
    [outcome] = connector.submit([message])
    assert isinstance(outcome, Rejected) and not outcome.permanent
    assert records_for(smsc, message) == []


def test_an_unbind_from_the_smsc_is_answered_and_the_connector_binds_again(smsc, connect):
    connector = connect()
    smsc.send_unbind()
    assert wait_until(lambda: connector.stats().get("unbinds_from_smsc") == 1)
    assert wait_until(lambda: len(smsc.bind_attempts) == 2 and connector.bound)
    assert isinstance(connector.submit([sms()])[0], Accepted)


def test_a_response_slower_than_the_timeout_is_unknown_and_never_resent(smsc, connect, caplog):
    connector = connect(response_timeout=0.3)
    smsc.behaviour.resp_delay = 0.6
    slow = sms()
    [outcome] = connector.submit([slow])
    assert isinstance(outcome, Unknown) and "0.3s" in outcome.reason
    smsc.behaviour.resp_delay = 0.0
    # The late response arrives and is only logged (waited for, not slept on).
    assert wait_until(lambda: "late submit_sm_resp" in caplog.text)
    assert connector.bound
    assert isinstance(connector.submit([sms()])[0], Accepted)
    assert len(records_for(smsc, slow)) == 1


def test_a_slow_response_within_the_timeout_is_accepted(smsc, connect):
    connector = connect(response_timeout=1.0)
    smsc.behaviour.resp_delay = 0.3
    assert isinstance(connector.submit([sms()])[0], Accepted)


def test_a_bad_password_keeps_the_connector_retrying_with_growing_delays(smsc, sink):
    smsc.behaviour.password = "other"
    connector = SmppConnector(SmppConfig(port=smsc.port, **{**FAST, "reconnect_max": 0.2}))
    connector.start(sink, refuse_mo)
    try:
        assert not connector.bound
        assert wait_until(lambda: len(smsc.bind_attempts) >= 5, timeout=3.0)
        # The delays themselves (growing, capped) are checked on an injected clock in
        # tests/unit/test_smpp_pdus_and_jobs.py: gaps stamped by the simulator shrink under load.
        assert not any(ok for _, _, ok in smsc.bind_attempts)
        assert isinstance(connector.submit([sms()])[0], Rejected)
        smsc.behaviour.password = "secret"
        assert connector.wait_bound(2.0)
        assert isinstance(connector.submit([sms()])[0], Accepted)
    finally:
        connector.stop()


def test_enquire_link_keeps_an_idle_bind_alive(smsc, connect):
    connector = connect(enquire_link_interval=0.1)
    assert wait_until(lambda: smsc.enquire_links >= 3, timeout=2.0)
    assert connector.bound and connector.stats()["binds"] == 1


# -- window and rate ---------------------------------------------------------------------------

def test_the_smsc_never_sees_more_than_the_window_outstanding(smsc, connect):
    connector = connect(window=4)
    smsc.behaviour.resp_delay = 0.02
    outcomes = connector.submit([sms() for _ in range(40)])
    assert all(isinstance(o, Accepted) for o in outcomes)
    assert smsc.max_outstanding == 4


def test_the_tps_limit_spaces_submits(smsc, connect):
    connector = connect(tps=50, window=10)
    started = time.monotonic()
    outcomes = connector.submit([sms() for _ in range(30)])
    elapsed = time.monotonic() - started
    assert all(isinstance(o, Accepted) for o in outcomes)
    # A lower bound only, timed around the whole call (load can only add to it); the spacing
    # itself is checked on an injected clock in tests/unit/test_smpp_flow.py.
    assert elapsed >= 29 / 50 * 0.9


# -- receipts the sink cannot take -------------------------------------------------------------

def test_a_failing_sink_gets_a_temporary_error_and_the_receipt_comes_again(smsc, sink, connect):
    smsc.behaviour.redeliver_delay = 0.05
    sink.fail = 1
    [outcome] = connect().submit([sms()])
    [cid] = outcome.carrier_ids
    assert wait_until(lambda: len(smsc.deliver_resps) == 2)
    assert smsc.deliver_resps == [(cid, 0x64), (cid, 0)]     # ESME_RX_T_APPN, then OK
    assert sink.ids() == [cid]
    assert [attempt for _, _, attempt in smsc.receipts_sent] == [1, 2]


# -- stopping ----------------------------------------------------------------------------------

def test_stop_waits_for_in_flight_responses_then_unbinds(smsc, sink):
    smsc.behaviour.resp_delay = 0.3
    connector = SmppConnector(SmppConfig(port=smsc.port, **FAST))
    connector.start(sink, refuse_mo)
    outcomes = []
    submitter = threading.Thread(target=lambda: outcomes.extend(connector.submit([sms()])))
    submitter.start()
    assert wait_until(lambda: len(smsc.submits) == 1)
    connector.stop()
    submitter.join(2.0)
    assert isinstance(outcomes[0], Accepted)
    assert smsc.unbinds_received == 1
    assert isinstance(connector.submit([sms()])[0], Rejected)


def test_stop_lets_a_begun_multipart_message_finish_and_refuses_the_unbegun(smsc, sink):
    smsc.behaviour.resp_delay = 0.1
    connector = SmppConnector(SmppConfig(port=smsc.port, **{**FAST, "window": 1}))
    connector.start(sink, refuse_mo)
    begun, waiting = sms("x" * 400), sms()
    outcomes = []
    submitter = threading.Thread(
        target=lambda: outcomes.extend(connector.submit([begun, waiting])))
    submitter.start()
    assert wait_until(lambda: len(smsc.submits) == 1)
    connector.stop()
    submitter.join(3.0)
    assert isinstance(outcomes[0], Accepted) and len(outcomes[0].carrier_ids) == 3
    assert isinstance(outcomes[1], Rejected) and not outcomes[1].permanent
    assert records_for(smsc, waiting) == []


# -- the whole pipeline ------------------------------------------------------------------------

def test_the_delivery_pipeline_delivers_through_smpp_and_matches_every_receipt(
        smsc, tmp_path):
    """send -> dispatch over SMPP -> per-part receipts (other id base) -> final statuses."""
    url = f"sqlite:///{tmp_path / 'smsgw.db'}"
    engine = migrated(url)
    container = build_container(Settings(database_url=url), engine=engine)
    container.use_cases.accounts.create("alice", "pw", Decimal("100"))
    delivery = DeliveryService(container.uow_factory, SystemClock(), DeliveryPolicy())
    smsc.behaviour.resp_id_format, smsc.behaviour.receipt_id_format = "hex", "decimal"
    connector = SmppConnector(SmppConfig(port=smsc.port, **FAST))
    connector.start(lambda receipts: delivery.accept_receipts(connector.name, receipts),
                    refuse_mo)
    creds = Credentials("alice", "pw")
    try:
        sent = container.use_cases.sending.send(SendSms(
            creds, ["+79991234567", "+79991230000"], "Long text. " * 20))
        ids = [m.message_id for m in sent.messages]
        assert delivery.dispatch(connector, "w1") == 2
        assert len(smsc.accepted()) == 4                       # two parts each

        def statuses():
            delivery.process_receipts()
            return {v.message_id: v.status_name for v in
                    container.use_cases.statuses.get_status(GetStatus(creds, list(ids)))}

        assert wait_until(lambda: sorted(statuses().values()) == ["DELIVERED", "UNDELIVERABLE"],
                          timeout=5.0), statuses()
    finally:
        connector.stop()
        engine.dispose()
