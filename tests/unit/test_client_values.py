"""The one integer reader, the one client-time conversion and the one bounded JSON decoder."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.api import client_json
from service.domain.errors import ConstraintViolation, ValidationError
from service.domain.values import (INT64_MAX, INT64_MIN, is_ascii_digits, parse_int,
                                   utc_from_timestamp, utc_time)


@pytest.mark.parametrize("text,value", [("0", 0), ("-1", -1), ("+7", 7), (" 42 ", 42),
                                        ("0009", 9), (str(INT64_MAX), INT64_MAX),
                                        (str(INT64_MIN), INT64_MIN), (12, 12)])
def test_integers_in_ascii_digits_within_64_bits_are_read(text, value):
    assert parse_int(text, "n") == value


@pytest.mark.parametrize("text", ["", " ", "²", "٣", "１", "1.0", "1e3", "0x10", "1_000", "--1",
                                  "NaN", "∞", True, 1.0, None, [1], {"a": 1}])
def test_anything_else_is_a_validation_error_naming_the_field(text):
    with pytest.raises(ValidationError) as caught:
        parse_int(text, "page")
    assert caught.value.field == "page"


@pytest.mark.parametrize("text", [str(INT64_MAX + 1), str(INT64_MIN - 1), "9" * 5000,
                                  "-" + "9" * 5000, "0" * 5000 + "1" * 20])
def test_integers_beyond_64_bits_are_refused_before_python_parses_them(text):
    with pytest.raises(ConstraintViolation):
        parse_int(text, "n")


def test_bounds_are_the_callers():
    assert parse_int("12", "tz", low=-15, high=12) == 12
    with pytest.raises(ConstraintViolation):
        parse_int("13", "tz", low=-15, high=12)


@given(st.text(max_size=30))
@settings(max_examples=300, deadline=None)
def test_any_text_is_an_integer_or_a_validation_error(text):
    try:
        value = parse_int(text, "n")
    except ValidationError:
        return
    assert INT64_MIN <= value <= INT64_MAX and is_ascii_digits(text.strip(" \t\r\n").lstrip("+-"))


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_time_without_a_utc_equivalent_is_a_validation_error(text):
    with pytest.raises(ValidationError) as caught:
        utc_time(datetime.fromisoformat(text), "scheduledAt")
    assert caught.value.field == "scheduledAt"


def test_times_with_a_utc_equivalent_are_converted_and_naive_ones_are_utc():
    plus3 = datetime(2026, 1, 1, 3, 0, tzinfo=timezone(timedelta(hours=3)))
    assert utc_time(plus3, "t") == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert utc_time(datetime(1, 1, 1), "t").tzinfo is timezone.utc


@pytest.mark.parametrize("seconds", [99999999999999999, -99999999999999999, 10 ** 12])
def test_unix_times_past_year_9999_are_validation_errors(seconds):
    with pytest.raises(ValidationError):
        utc_from_timestamp(seconds, "time")


@pytest.mark.parametrize("text,reason", [
    ("[" * 100_000 + "]" * 100_000, "nested"), ('{"a":' * 17 + "1" + "}" * 17, "nested"),
    ("[" + "9" * 5000 + "]", "64 bits"), ("[9223372036854775808]", "64 bits"),
    ("[NaN]", "NaN"), ("[Infinity]", "Infinity"), ("[-Infinity]", "Infinity"),
    ("[1e999]", "out of range"), ('{"a": 1, "a": 2}', "twice"), ("{", "not valid JSON"),
    (b"\xff", "not valid JSON"),
])
def test_json_outside_the_bounds_is_a_validation_error_naming_the_field(text, reason):
    with pytest.raises(ValidationError) as caught:
        client_json.loads(text, "body")
    assert caught.value.field == "body" and reason in caught.value.message


def test_json_within_the_bounds_is_decoded():
    nested = '{"a":' * 15 + "1" + "}" * 15
    assert client_json.loads(nested, "b") is not None
    assert client_json.loads('{"n": -9223372036854775808, "f": 1.5, "s": "x"}', "b") == {
        "n": INT64_MIN, "f": 1.5, "s": "x"}
