"""submit_sm bytes, the lenient deliver_sm reader, and how part results add up per message."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone

import pytest
from service.app.delivery.carrier import Accepted, OutboundSms, Rejected, Unknown
from service.delivery.smpp import pdus
from service.delivery.smpp.encoding import PartPayload
from service.delivery.smpp.jobs import Job, PartState
from service.delivery.smpp.pacing import Pacer, ReconnectBackoff
from service.domain.encoding import Encoding

VALID = datetime(2026, 11, 22, 13, 30, 15, tzinfo=timezone.utc)


def test_a_submit_sm_asks_for_a_receipt_and_carries_the_part():
    raw = pdus.submit_sm_template("+4915112345678", "Acme", VALID,
                                  PartPayload(b"\x05\x00\x03\x01\x02\x01hi", 8, 0x40))
    pdu = pdus.parse(pdus.Frame(pdus.SUBMIT_SM, 0, 77, pdus.with_sequence(raw, 77)))
    assert (pdu.command, pdu.sequence) == ("submit_sm", 77)
    assert pdu.registered_delivery == 1
    assert (pdu.esm_class, pdu.data_coding) == (0x40, 8)
    assert pdu.short_message == b"\x05\x00\x03\x01\x02\x01hi"
    assert pdu.destination_addr == b"4915112345678"
    assert (pdu.dest_addr_ton, pdu.dest_addr_npi) == (1, 1)
    assert (pdu.source_addr, pdu.source_addr_ton) == (b"Acme", 5)
    assert pdu.validity_period == b"261122133015000+"


@pytest.mark.parametrize("sender,address", [
    (None, (0, 0, "")), ("Acme", (5, 0, "Acme")), ("+4915112345678", (1, 1, "4915112345678")),
    ("4915112345678", (1, 1, "4915112345678")), ("1234", (3, 0, "1234")),
])
def test_source_address_types(sender, address):
    assert pdus.source_address(sender) == address


def test_validity_of_a_naive_time_is_taken_as_utc():
    assert pdus.validity_period(VALID.replace(tzinfo=None)) == "261122133015000+"


def deliver_sm(short_message: bytes, tlvs: bytes = b"", esm_class: int = 0x04) -> bytes:
    body = (b"\0\x01\x01491511234567\0\x00\x00Acme\0" + bytes([esm_class, 0, 0]) + b"\0\0"
            + bytes([0, 0, 0, 0, len(short_message)]) + short_message + tlvs)
    return struct.pack(">IIII", 16 + len(body), pdus.DELIVER_SM, 0, 9) + body


def test_deliver_sm_is_read_with_unknown_tlvs_and_ids_without_nul():
    tlvs = (struct.pack(">HH", 0x1400, 2) + b"zz"              # a vendor TLV
            + struct.pack(">HH", 0x001E, 4) + b"ABCD"         # no NUL
            + struct.pack(">HHB", 0x0427, 1, 2))
    d = pdus.parse_deliver_sm(deliver_sm(b"id:1 stat:DELIVRD", tlvs))
    assert (d.source_addr, d.esm_class) == ("491511234567", 4)
    assert d.short_message == b"id:1 stat:DELIVRD"
    assert d.tlvs[0x001E] == b"ABCD" and d.tlvs[0x0427] == b"\x02" and d.tlvs[0x1400] == b"zz"


def test_a_cut_deliver_sm_is_an_error():
    with pytest.raises(ValueError):
        pdus.parse_deliver_sm(deliver_sm(b"")[:24])


def sms(parts: int = 1) -> OutboundSms:
    texts = tuple("p" for _ in range(parts))
    return OutboundSms(1, "+491511234567", None, "p" * parts, Encoding.GSM7, texts,
                       VALID + timedelta(days=1))


def job(parts: int = 1):
    settled = []
    return Job(sms(parts), [b""] * parts, settled.append), settled


def test_the_first_part_goes_alone_and_releases_the_rest():
    j, settled = job(3)
    first = j.first_parts()
    assert [p.index for p in first] == [0]
    first[0].state = PartState.IN_FLIGHT
    rest = j.accepted(first[0], "a")
    assert [p.index for p in rest] == [1, 2]
    for p, cid in zip(rest, "bc"):
        p.state = PartState.IN_FLIGHT
        j.accepted(p, cid)
    assert settled == [j] and j.outcome == Accepted(1, ("a", "b", "c"))


def test_a_refused_first_part_is_a_rejection_with_the_status():
    j, settled = job(2)
    j.refused(j.parts[0], True, "bad number", 0x0B)
    assert j.outcome == Rejected(1, True, "part 1/2: bad number", 0x0B)


def test_a_refused_later_part_after_an_accepted_one_is_unknown_not_retryable():
    j, _ = job(2)
    j.accepted(j.parts[0], "a")
    j.refused(j.parts[1], False, "throttled", 0x58)
    assert isinstance(j.outcome, Unknown) and "1=a" in j.outcome.reason


def test_the_outcome_waits_for_parts_still_in_flight():
    j, settled = job(3)
    j.accepted(j.parts[0], "a")
    j.parts[1].state = j.parts[2].state = PartState.IN_FLIGHT
    j.unknown(j.parts[1], "timeout")
    assert settled == []
    j.accepted(j.parts[2], "c")
    assert isinstance(j.outcome, Unknown) and settled == [j]


def test_parts_never_written_make_a_temporary_rejection():
    j, _ = job(2)
    j.not_sent("connection lost")
    assert j.outcome == Rejected(1, False, "connection lost", None)


def test_the_pacer_spaces_pdus_and_gives_no_credit_for_idle_time():
    pacer = Pacer(10)
    assert pacer.wait(100.0) == 0
    pacer.take(100.0)
    assert pacer.wait(100.0) == pytest.approx(0.1)
    pacer.take(100.13)                     # woken 30 ms late: the schedule is kept
    assert pacer.wait(100.13) == pytest.approx(0.07)
    pacer.take(105.0)                      # idle for 5 s: the next one still waits 0.1 s
    assert pacer.wait(105.0) == pytest.approx(0.1)
    assert Pacer(0).wait(0.0) == 0


def test_the_pacer_never_allows_more_than_rate_plus_one_in_any_second():
    import random
    rng, pacer, now, sent = random.Random(7), Pacer(50), 0.0, []
    while now < 20:
        now += pacer.wait(now) + rng.choice([0.0, 0.001, 0.015, 0.3])   # late or idle wake-ups
        pacer.take(now)
        sent.append(now)
    assert max(sum(1 for t in sent if s <= t < s + 1) for s in sent) <= 51


def test_reconnect_backoff_grows_and_starts_over_after_a_stable_bind():
    b = ReconnectBackoff(1.0, 8.0, stable_after=10.0, jitter=0.0)
    assert [b.next_delay(0.0) for _ in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    b.bound(100.0)
    assert b.next_delay(101.0) == 16.0 / 2   # dropped soon after the bind: keeps growing (capped)
    b.bound(200.0)
    assert b.next_delay(260.0) == 1.0         # stayed up: starts over
