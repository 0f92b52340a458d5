"""Amounts and currencies as operators type them (issue 10 #16): plain decimals that the store
keeps exactly (NUMERIC(18,4)), and active ISO 4217 codes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.config import ConfigError, Settings
from service.domain.errors import ValidationError
from service.domain.money import CURRENCIES, MONEY_MAX, parse_amount, parse_currency


@pytest.mark.parametrize("text,amount", [("5", Decimal(5)), ("7.5", Decimal("7.5")),
                                         ("0.0001", Decimal("0.0001")), (" 12.50 ", Decimal("12.50")),
                                         ("99999999999999.9999", MONEY_MAX), ("007", Decimal(7))])
def test_plain_decimals_are_amounts(text, amount):
    assert parse_amount(text, positive=True) == amount


@pytest.mark.parametrize("text,reason", [
    ("99999999999999999999", "more than the largest amount kept"),
    ("100000000000000", "more than the largest amount kept"),
    ("0.00001", "more than 4 decimal places"),
    ("1.00000", "more than 4 decimal places"),
    ("1e10", "not a number"), ("1E2", "not a number"), ("NaN", "not a number"),
    ("Infinity", "not a number"), ("+5", "not a number"), (".5", "not a number"),
    ("5.", "not a number"), ("1_000", "not a number"), ("1,5", "not a number"),
    ("١٢", "not a number"), ("５", "not a number"), ("", "not a number"), ("0x10", "not a number"),
    ("-5", "must not be negative"), ("-0", "must not be negative"),
    ("0", "more than 0"), ("0.0000", "more than 0"),
    ("9" * 5000, "more than the largest amount kept"),
])
def test_anything_else_is_one_validation_error(text, reason):
    with pytest.raises(ValidationError, match=reason) as caught:
        parse_amount(text, positive=True)
    assert len(str(caught.value)) < 200 and "\n" not in str(caught.value)


def test_zero_is_an_amount_where_zero_is_allowed():
    assert parse_amount("0", "balance") == 0


@given(st.text(max_size=30))
def test_any_text_is_an_exact_storable_amount_or_a_validation_error(text):
    try:
        amount = parse_amount(text)
    except ValidationError:
        return
    assert amount == Decimal(text.strip()) and 0 <= amount <= MONEY_MAX
    assert amount == amount.quantize(Decimal("0.0001"))


@given(st.decimals(min_value=0, max_value=MONEY_MAX, places=4, allow_nan=False))
def test_every_storable_amount_written_plainly_parses_to_itself(amount):
    assert parse_amount(f"{amount:f}") == amount


@pytest.mark.parametrize("code", ["RUB", "EUR", "USD", "JPY", "XCG", "ZWG"])
def test_active_iso_4217_codes_are_currencies_in_any_case(code):
    assert parse_currency(code.lower()) == code


@pytest.mark.parametrize("code", ["XYZW", "ZZZ", "HRK", "ANG", "ZWL", "RU", "", "R U", "РУБ"])
def test_anything_else_is_not_a_currency(code):
    with pytest.raises(ValidationError, match="ISO 4217"):
        parse_currency(code)


def test_the_code_list_is_iso_4217_list_one():
    assert len(CURRENCIES) > 170 and all(len(c) == 3 and c.isalpha() and c.isupper()
                                         for c in CURRENCIES)


def test_the_default_currency_setting_must_be_a_currency():
    with pytest.raises(ConfigError, match="SMSGW_CURRENCY='XYZW'"):
        Settings.from_env({"SMSGW_CURRENCY": "XYZW"})
