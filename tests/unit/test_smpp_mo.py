"""deliver_sm -> InboundPart (service/delivery/smpp/mo.py): properties over generated PDUs, and
each bad-input decision."""

from __future__ import annotations

import struct
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.delivery.smpp.mo import MoRefused, address, mo_text, part_from_deliver, read_udh
from service.delivery.smpp.pdus import DeliverSm, parse_deliver_sm
from service.delivery.smsc_wire import (
    PendingMo,
    encode_mo_text,
    mo_deliver_body,
    mo_parts,
    split_mo_text,
)
from service.domain.encoding import GSM_BASIC, GSM_EXTENSION
from service.domain.message import ConcatPart

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
GSM_CHARS = st.sampled_from(sorted(GSM_BASIC | GSM_EXTENSION))
UCS2_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
                    max_size=200)


def pdu(mo: PendingMo) -> DeliverSm:
    body = mo_deliver_body(mo)
    return parse_deliver_sm(struct.pack(">IIII", 16 + len(body), 5, 0, 1) + body)


@settings(max_examples=200, deadline=None)
@given(text=st.text(GSM_CHARS, max_size=400), parts=st.integers(1, 6),
       concat=st.sampled_from(["udh8", "udh16", "sar"]), ref=st.integers(0, 65535))
def test_gsm_parts_from_the_wire_join_to_the_text(text, parts, concat, ref):
    ref = ref & 0xFF if concat == "udh8" else ref
    pieces = [encode_mo_text(p, "gsm")[1] for p in split_mo_text(text, parts, "gsm")]
    got = [part_from_deliver(pdu(m), NOW) for m in
           mo_parts(1, "79991234567", "4321", pieces, 0, concat, ref)]
    assert "".join(p.text for p in got) == text
    if len(got) > 1:
        assert [p.concat for p in got] == [ConcatPart(ref, len(got), n)
                                           for n in range(1, len(got) + 1)]
    assert all(p.source == "+79991234567" and p.destination == "4321" for p in got)


@settings(max_examples=200, deadline=None)
@given(text=UCS2_TEXT, parts=st.integers(1, 4), concat=st.sampled_from(["udh8", "udh16", "sar"]))
def test_ucs2_parts_from_the_wire_join_to_the_text(text, parts, concat):
    pieces = [encode_mo_text(p, "ucs2")[1] for p in split_mo_text(text, parts, "ucs2")]
    got = [part_from_deliver(pdu(m), NOW) for m in
           mo_parts(1, "79991234567", "4321", pieces, 8, concat, 9)]
    assert "".join(p.text for p in got) == text


@settings(max_examples=500, deadline=None)
@given(esm=st.sampled_from([0, 0x40, 0x43]), dc=st.integers(0, 255),
       sm=st.binary(max_size=200), tlvs=st.binary(max_size=40))
def test_any_deliver_sm_gives_a_storable_part_or_a_permanent_refusal(esm, dc, sm, tlvs):
    try:
        part = part_from_deliver(pdu(PendingMo(1, None, "123", "456", esm, dc, sm, tlvs)), NOW)
    except MoRefused as exc:
        assert exc.status == 0x01 and esm & 0x40
        return
    assert "\0" not in part.text
    part.text.encode("utf-8")                       # no lone surrogate: PostgreSQL takes it
    if part.concat is not None:
        assert 1 <= part.concat.sequence <= part.concat.total


@given(st.binary(min_size=1, max_size=60))
def test_read_udh_never_reads_past_the_octets(data):
    try:
        _, rest, _ = read_udh(data)
    except MoRefused:
        return
    assert len(rest) == len(data) - 1 - data[0]


def test_a_udh_length_or_element_running_past_is_refused():
    with pytest.raises(MoRefused):
        read_udh(bytes([9, 0, 3, 1, 2, 1]) + b"hi")
    with pytest.raises(MoRefused):
        read_udh(bytes([4, 0, 3, 1, 2]) + b"hi")    # the element claims 3, the UDH holds 2


def test_bad_concatenation_numbers_are_ignored_and_the_part_kept_alone():
    assert read_udh(bytes([5, 0, 3, 1, 2, 3]) + b"x") == (None, b"x", True)   # 3 of 2
    assert read_udh(bytes([5, 0, 3, 1, 0, 0]) + b"x") == (None, b"x", True)   # 0 of 0
    assert read_udh(bytes([5, 0, 3, 1, 255, 255]) + b"x") == (ConcatPart(1, 255, 255), b"x", True)
    # an unknown element is skipped; the concatenation after it still counts
    assert read_udh(bytes([8, 0x70, 1, 9, 0, 3, 4, 2, 1]) + b"y") == (ConcatPart(4, 2, 1), b"y",
                                                                       True)


@pytest.mark.parametrize("dc,data,text", [
    (0x00, b"\x00\x1b\x65", "@€"),                  # GSM 03.38, escape
    (0x00, b"caf\xe9", "café"),                     # not GSM septets: Latin-1, logged
    (0x01, b"plain", "plain"),
    (0x03, b"caf\xe9", "café"),
    (0x08, "Привет".encode("utf-16-be"), "Привет"),
    (0x08, b"\x04\x1f\x04", "П\ufffd"),             # odd UCS-2: the last octet replaced
    (0x08, b"\xd8\x3d", "\ufffd"),                  # a lone surrogate
    (0x06, "Да".encode("iso8859_5"), "Да"),
    (0x18, "Ок".encode("utf-16-be"), "Ок"),         # GSM DCS general group, UCS-2
    (0xF0, b"\x41", "A"),                           # DCS class group, GSM
    (0xF4, b"\x01\xff", "\x01\xff"),                # DCS class group, 8-bit data
    (0x04, b"\x00\x01", "\ufffd\x01"),              # binary: Latin-1, NUL replaced
    (0x03, b"ok\x00\x00", "ok"),                    # trailing NULs dropped
    (0x00, b"", ""),
])
def test_texts_by_data_coding(dc, data, text):
    assert mo_text(dc, data) == text


def test_addresses_keep_their_plus_only_when_international():
    assert address("79991234567", 1) == "+79991234567"
    assert address("4321", 3) == "4321" and address(" ACME ", 5) == "ACME"


def test_message_payload_carries_a_long_text_and_sar_numbers_it():
    text = "x" * 300
    [m] = mo_parts(1, "1", "2", [encode_mo_text(text, "gsm")[1]], 0, "sar", 1)
    part = part_from_deliver(pdu(m), NOW)
    assert part.text == text and part.concat is None
