"""Reading delivery receipts out of deliver_sm: TLVs first, then the lenient text form."""

from __future__ import annotations

import struct
from datetime import datetime, timezone

import pytest

from service.delivery.smpp.receipts import (
    MalformedReceipt, TAG_MESSAGE_PAYLOAD, TAG_MESSAGE_STATE, TAG_NETWORK_ERROR_CODE,
    TAG_RECEIPTED_MESSAGE_ID, parse_receipt_text, parse_receipt_time, receipt_from_pdu)

STANDARD = ("id:0A1B2C3D sub:001 dlvrd:001 submit date:2511221200 done date:2511221201 "
            "stat:DELIVRD err:000 text:Hello world")


def test_the_standard_text_form():
    assert parse_receipt_text(STANDARD) == {
        "id": "0A1B2C3D", "sub": "001", "dlvrd": "001", "submit date": "2511221200",
        "done date": "2511221201", "stat": "DELIVRD", "err": "000", "text": "Hello world"}


def test_keys_in_any_order_and_case_with_some_missing():
    fields = parse_receipt_text("STAT:undeliv  Err:34 ID: 77 Done_Date:2511221201")
    assert fields == {"stat": "undeliv", "err": "34", "id": "77", "done date": "2511221201"}


def test_words_inside_text_do_not_override_earlier_keys():
    fields = parse_receipt_text("id:1 stat:DELIVRD err:000 text:my id:2 stat:UNDELIV")
    assert (fields["id"], fields["stat"]) == ("1", "DELIVRD")


def test_a_key_inside_another_word_is_not_a_key():
    assert "id" not in parse_receipt_text("msgid:5 stat:DELIVRD")


@pytest.mark.parametrize("value,expected", [
    ("2511221201", datetime(2025, 11, 22, 12, 1, tzinfo=timezone.utc)),
    ("251122120130", datetime(2025, 11, 22, 12, 1, 30, tzinfo=timezone.utc)),
    ("2513221201", None), ("", None), (None, None), ("12345", None),
])
def test_receipt_times(value, expected):
    assert parse_receipt_time(value) == expected


def receipt(text: str = "", tlvs: dict | None = None, esm_class: int = 0x04, coding: int = 0):
    return receipt_from_pdu(esm_class, coding, text.encode("latin-1"), tlvs or {})


def test_a_text_receipt():
    r = receipt(STANDARD)
    assert (r.carrier_id, r.stat, r.error) == ("0A1B2C3D", "DELIVRD", "000")
    assert r.done_at == datetime(2025, 11, 22, 12, 1, tzinfo=timezone.utc)


def test_the_tlvs_win_over_the_text():
    r = receipt(STANDARD, {TAG_RECEIPTED_MESSAGE_ID: b"999\0", TAG_MESSAGE_STATE: b"\x05"})
    assert (r.carrier_id, r.stat) == ("999", "UNDELIV")


def test_a_receipted_message_id_without_its_nul_is_read_whole():
    assert receipt("", {TAG_RECEIPTED_MESSAGE_ID: b"0A1B2C3D"}).carrier_id == "0A1B2C3D"


@pytest.mark.parametrize("state,stat", [
    (1, "ENROUTE"), (2, "DELIVRD"), (3, "EXPIRED"), (4, "DELETED"), (5, "UNDELIV"),
    (6, "ACCEPTD"), (7, "UNKNOWN"), (8, "REJECTD")])
def test_message_state_numbers_become_stat_words(state, stat):
    tlvs = {TAG_RECEIPTED_MESSAGE_ID: b"1\0", TAG_MESSAGE_STATE: bytes([state])}
    assert receipt("", tlvs).stat == stat


def test_the_error_comes_from_the_text_else_from_network_error_code():
    assert receipt("id:1 stat:UNDELIV err:012").error == "012"
    tlvs = {TAG_NETWORK_ERROR_CODE: struct.pack(">BH", 3, 27)}
    assert receipt("id:1 stat:UNDELIV", tlvs).error == "027"
    assert receipt("id:1 stat:DELIVRD").error is None


def test_the_text_may_come_in_message_payload():
    assert receipt("", {TAG_MESSAGE_PAYLOAD: STANDARD.encode()}).carrier_id == "0A1B2C3D"


def test_a_receipt_without_a_stat_says_unknown():
    assert receipt("id:5").stat == "UNKNOWN"


def test_a_deliver_sm_that_is_not_a_receipt_is_none():
    assert receipt("id:1 stat:DELIVRD", esm_class=0x00) is None


def test_a_receipt_without_any_id_is_malformed():
    with pytest.raises(MalformedReceipt):
        receipt("stat:DELIVRD err:000")
