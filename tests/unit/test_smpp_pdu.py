"""The SMPP PDU codec: decoders take any bytes and either decode them or raise PduError with
a status, and what the encoders write is what a reader expects."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.protocols.smpp import pdu as p

DECODERS = (p.decode_bind, p.decode_submit_sm, p.decode_query_sm, p.decode_cancel_sm)


@pytest.mark.parametrize("decode", DECODERS)
@given(body=st.binary(max_size=400))
def test_any_body_decodes_or_raises_pdu_error_with_a_status(decode, body):
    try:
        decode(body)
    except p.PduError as exc:
        assert exc.status in p.STATUS_NAMES


@given(head=st.binary(min_size=16, max_size=16))
def test_any_header_is_read_or_refused_as_rinvcmdlen(head):
    try:
        header = p.read_header(head)
    except p.PduError as exc:
        assert exc.status == p.ESME_RINVCMDLEN
    else:
        assert 16 <= header.length <= p.MAX_COMMAND_LENGTH


def submit(**kw) -> bytes:
    f = {"source": b"SRC", "dest": b"79991234567", "sm": b"hi", "sm_length": None, "tlvs": b""}
    f.update(kw)
    return (b"\0" + b"\x05\x00" + f["source"] + b"\0" + b"\x01\x01" + f["dest"] + b"\0"
            + b"\x40\x00\x00" + b"\0\0" + b"\x01\x00\x08\x00"
            + bytes([len(f["sm"]) if f["sm_length"] is None else f["sm_length"]]) + f["sm"]
            + f["tlvs"])


def test_submit_sm_fields_and_tlvs():
    sm = p.decode_submit_sm(submit(tlvs=struct.pack(">HH", 0x020C, 2) + b"\x00\x07"))
    assert (sm.source, sm.destination) == (p.Address(5, 0, "SRC"), p.Address(1, 1, "79991234567"))
    assert (sm.esm_class, sm.registered_delivery, sm.data_coding, sm.short_message) == (
        0x40, 1, 8, b"hi")
    assert sm.tlvs == {0x020C: b"\x00\x07"}


@pytest.mark.parametrize("kw, status", [
    ({"source": b"S" * 21}, p.ESME_RINVSRCADR),
    ({"source": b"S" * 20}, None),
    ({"dest": b"7" * 21}, p.ESME_RINVDSTADR),
    ({"dest": b""}, p.ESME_RINVDSTADR),
    ({"dest": b"79\t1"}, p.ESME_RINVDSTADR),
    ({"sm": b"x" * 255}, p.ESME_RINVMSGLEN),
    ({"sm": b"x" * 254}, None),
    ({"sm": b"x", "sm_length": 2}, p.ESME_RINVMSGLEN),
    ({"tlvs": b"\x04"}, p.ESME_RINVTLVSTREAM),
])
def test_submit_sm_limits(kw, status):
    if status is None:
        p.decode_submit_sm(submit(**kw))
        return
    with pytest.raises(p.PduError) as raised:
        p.decode_submit_sm(submit(**kw))
    assert raised.value.status == status


def test_a_field_without_its_nul_is_a_cut_body():
    with pytest.raises(p.PduError) as raised:
        p.decode_bind(b"alice")
    assert raised.value.status == p.ESME_RINVCMDLEN


def test_responses_carry_no_body_on_an_error():
    assert p.submit_sm_resp(7, p.ESME_RTHROTTLED) == struct.pack(">IIII", 16, 0x80000004, 0x58, 7)
    assert p.submit_sm_resp(7, 0, "42") == struct.pack(">IIII", 19, 0x80000004, 0, 7) + b"42\0"
    assert len(p.bind_resp(p.BIND_RECEIVER, 1, p.ESME_RINVPASWD, "smsgw")) == 16
    assert p.query_sm_resp(3, 0, "42", "", 1, 0)[16:] == b"42\0\0\x01\x00"


def test_a_receipt_deliver_sm_reads_back_with_its_tlvs():
    raw = p.deliver_sm(5, p.address_of("+79991234567"), p.address_of("SHOP"), 0x04, 0, b"id:1",
                       p.receipt_tlvs("1", 2, 5))
    length, cid, status, seq = struct.unpack_from(">IIII", raw)
    assert (length, cid, seq) == (len(raw), p.DELIVER_SM, 5)
    body = raw[16:]
    assert body.startswith(b"\0\x01\x0179991234567\0\x05\x00SHOP\0\x04\x00\x00\0\0\x00\x00\x00\x00\x04id:1")
    assert body.endswith(struct.pack(">HH", 0x001E, 2) + b"1\0" + struct.pack(">HHB", 0x0427, 1, 2)
                         + struct.pack(">HHBH", 0x0423, 3, 3, 5))


@pytest.mark.parametrize("number, address", [
    ("+79991234567", p.Address(1, 1, "79991234567")), ("SHOP", p.Address(5, 0, "SHOP")),
    ("1234", p.Address(3, 0, "1234")), (None, p.Address(0, 0, "")),
])
def test_addresses_are_written_with_their_ton_and_npi(number, address):
    assert p.address_of(number) == address
