"""The deliver_sm receipt text clients parse (SMPP 3.4 Appendix B)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from service.protocols.smpp.receipt_text import receipt_text

UTC = timezone.utc
SUBMITTED = datetime(2026, 3, 15, 14, 30, 59, tzinfo=UTC)
DONE = datetime(2026, 3, 15, 14, 31, 2, tzinfo=UTC)

# The expression Kannel-like clients read a receipt with.
PARSE = re.compile(r"id:(\S+) sub:(\d{3}) dlvrd:(\d{3}) submit date:(\d{10}) done date:(\d{10}) "
                   r"stat:(\w{7}) err:(\d{3}) text:(.*)")


def test_the_conventional_text():
    assert receipt_text("4711", SUBMITTED, DONE, "DELIVRD", "000", "Hello there") == (
        "id:4711 sub:001 dlvrd:001 submit date:2603151430 done date:2603151431 "
        "stat:DELIVRD err:000 text:Hello there")


def test_an_undelivered_message_counts_none_delivered():
    text = receipt_text("9", SUBMITTED, DONE, "UNDELIV", "1", "x")
    assert "sub:001 dlvrd:000" in text and "stat:UNDELIV err:001" in text


def test_explicit_counts_are_three_digits_and_capped():
    assert "sub:003 dlvrd:002" in receipt_text("9", SUBMITTED, DONE, "DELIVRD", "000", "", 3, 2)
    assert "sub:999 dlvrd:000" in receipt_text("9", SUBMITTED, DONE, "DELIVRD", "000", "", 1200, -1)


def test_only_the_first_twenty_characters_of_the_text():
    assert receipt_text("1", SUBMITTED, DONE, "DELIVRD", "000", "abcdefghijklmnopqrstuvwxyz").endswith(
        "text:abcdefghijklmnopqrst")


def test_line_breaks_in_the_text_become_spaces():
    assert receipt_text("1", SUBMITTED, DONE, "DELIVRD", "000", "a\r\nb\tc").endswith("text:a  b c")
    assert receipt_text("1", SUBMITTED, DONE, "DELIVRD", "000", "a\u2028b\x85c\x7f").endswith("text:a b c ")


def test_dates_are_utc_minutes():
    east = timezone(timedelta(hours=3))
    text = receipt_text("1", SUBMITTED.astimezone(east), DONE.astimezone(east), "DELIVRD", "000", "")
    assert "submit date:2603151430 done date:2603151431" in text


@given(st.integers(1, 10**12), st.sampled_from(["DELIVRD", "EXPIRED", "UNDELIV", "REJECTD", "ACCEPTD"]),
       st.integers(0, 999), st.text(max_size=60), st.integers(0, 999))
def test_every_receipt_parses_back(message_id, stat, err, text, sub):
    got = PARSE.fullmatch(receipt_text(str(message_id), SUBMITTED, DONE, stat, str(err), text, sub))
    assert got is not None
    assert got.group(1) == str(message_id) and int(got.group(2)) == sub
    assert got.group(6) == stat and int(got.group(7)) == err
    assert len(got.group(8)) == min(len(text), 20)
    assert "\n" not in got.group(8) and "\r" not in got.group(8)
