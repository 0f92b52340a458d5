"""The stored form of inbound numbers and the forms a carrier's destination may match."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from service.domain.inbound_numbers import canonical_number, display_number, number_forms


@pytest.mark.parametrize("raw, stored", [
    ("+79991234567", "+79991234567"),
    ("79991234567", "+79991234567"),         # a long number without its +
    ("+7 (999) 123-45-67", "+79991234567"),
    (" 4444 ", "4444"),                      # a short code
    ("123", "123"),
    ("12345678", "12345678"),                # eight digits without +: still a short code
    ("+12345678", "+12345678"),              # with +: a long number
    ("123456789", "+123456789"),             # nine digits: a long number
    ("+4444", "4444"),                       # a short code written with +
    ("+1234567", "1234567"),
    ("+123456789012345", "+123456789012345"),
])
def test_numbers_have_one_stored_form(raw, stored):
    assert canonical_number(raw) == stored


@pytest.mark.parametrize("raw", ["", "  ", "+", "12", "+12", "+1234567890123456",
                                 "1234567890123456", "ACME", "44a4", "++7999", "7+999",
                                 "٤٤٤٤", "+٧٩٩٩١٢٣٤٥٦٧"])
def test_anything_else_is_no_number(raw):
    assert canonical_number(raw) is None


@pytest.mark.parametrize("destination, forms", [
    ("79991234567", ("+79991234567", "79991234567")),
    ("+79991234567", ("+79991234567", "79991234567")),
    ("4444", ("4444", "+4444")),
    ("+4444", ("4444", "+4444")),   # a short code written with + by a carrier: still found
    ("ACME", ()),
    ("", ()),
])
def test_a_destination_matches_its_digits_with_and_without_plus(destination, forms):
    assert number_forms(destination) == forms


def test_a_message_keeps_the_canonical_destination_or_what_the_carrier_wrote():
    assert display_number("79991234567") == "+79991234567"
    assert display_number(" ACME ") == "ACME"
    assert display_number("+4444") == "4444"


@given(st.text(alphabet="0123456789", min_size=3, max_size=15), st.booleans())
def test_a_stored_number_is_found_whichever_way_a_carrier_writes_it(digits, plus):
    stored = canonical_number(("+" if plus else "") + digits)
    if stored is None:
        return
    assert stored in number_forms(digits)
    assert stored in number_forms("+" + digits)
    assert canonical_number(stored) == stored


@given(st.text(max_size=30))
def test_canonical_number_never_raises_and_is_idempotent(raw):
    stored = canonical_number(raw)
    assert stored is None or canonical_number(stored) == stored
