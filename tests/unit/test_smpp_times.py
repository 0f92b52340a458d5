"""SMPP 3.4 §7.1.1 times: absolute with a quarter-hour UTC offset, relative 'R', and back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.protocols.smpp.times import (
    SmppTimeError, format_relative_time, format_smpp_time, parse_smpp_time)

UTC = timezone.utc
NOW = datetime(2026, 1, 31, 12, 0, 0, tzinfo=UTC)


def test_empty_means_not_set():
    assert parse_smpp_time("", NOW) is None


@pytest.mark.parametrize("value,expected", [
    ("260315143000000+", datetime(2026, 3, 15, 14, 30, tzinfo=UTC)),
    ("260315143000512+", datetime(2026, 3, 15, 11, 30, 0, 500_000, tzinfo=UTC)),   # UTC+3, 0.5 s
    ("260315143000022-", datetime(2026, 3, 15, 20, 0, tzinfo=UTC)),                # UTC-5:30
    ("261231233000004-", datetime(2027, 1, 1, 0, 30, tzinfo=UTC)),                 # across a year
    ("000101000000048+", datetime(1999, 12, 31, 12, 0, tzinfo=UTC)),               # UTC+12 at most
    ("991231235959900+", datetime(2099, 12, 31, 23, 59, 59, 900_000, tzinfo=UTC)),
])
def test_absolute_times(value, expected):
    assert parse_smpp_time(value, NOW) == expected


@pytest.mark.parametrize("value,expected", [
    ("000000000100000R", NOW + timedelta(minutes=1)),
    ("000001020304000R", NOW + timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ("000100000000000R", datetime(2026, 2, 28, 12, tzinfo=UTC)),      # Jan 31 + 1 month: Feb's end
    ("011300000000000R", datetime(2028, 2, 29, 12, tzinfo=UTC)),      # 1 year 13 months: a leap Feb
    ("000099999999000R", NOW + timedelta(days=99, hours=99, minutes=99, seconds=99)),
    ("000000000000000R", NOW),
])
def test_relative_times_count_from_now(value, expected):
    assert parse_smpp_time(value, NOW) == expected


def test_a_naive_now_is_utc():
    assert parse_smpp_time("000000000001000R", NOW.replace(tzinfo=None)) == NOW + timedelta(seconds=1)


def test_results_are_utc_aware():
    got = parse_smpp_time("260315143000008+", NOW)
    assert got is not None and got.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", [
    "2603151430000", "260315143000000+0", "260315143000000", "260315143000000*",
    "261315143000000+",   # month 13
    "260230143000000+",   # 30 February
    "260315243000000+",   # hour 24
    "260315146000000+",   # minute 60
    "260315143060000+",   # second 60
    "260315143000049+",   # offset over 12 hours
    "26031514300000 +", " 60315143000000+", "2603151430000a0+",
    "２60315143000000+",  # a full-width digit
    "٢60315143000000+",   # an Arabic-Indic digit
    "260315143000000r", "x" * 1000,
])
def test_garbage_raises(value):
    with pytest.raises(SmppTimeError):
        parse_smpp_time(value, NOW)


def test_format_is_absolute_utc():
    assert format_smpp_time(datetime(2026, 3, 15, 14, 30, 5, 999_999, tzinfo=UTC)) == "260315143005000+"
    east = timezone(timedelta(hours=3))
    assert format_smpp_time(datetime(2026, 3, 15, 14, 30, tzinfo=east)) == "260315113000000+"
    assert format_smpp_time(datetime(2026, 3, 15, 14, 30)) == "260315143000000+"


def test_format_refuses_years_two_digits_cannot_hold():
    with pytest.raises(SmppTimeError):
        format_smpp_time(datetime(2100, 1, 1, tzinfo=UTC))


def test_format_relative_time():
    assert format_relative_time(days=2, minutes=5) == "000002000500000R"
    with pytest.raises(SmppTimeError):
        format_relative_time(hours=100)


utc_times = st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30),
                         timezones=st.just(UTC))


@given(utc_times)
def test_format_then_parse_round_trips_to_the_second(when):
    assert parse_smpp_time(format_smpp_time(when), NOW) == when.replace(microsecond=0)


@given(utc_times, st.integers(0, 48), st.sampled_from("+-"), st.integers(0, 9))
def test_local_times_with_any_quarter_hour_offset_parse_back(when, quarters, sign, tenths):
    offset = timedelta(minutes=15 * quarters) * (1 if sign == "+" else -1)
    local = when.astimezone(timezone(offset)).replace(microsecond=0)
    if not 2000 <= local.year <= 2099:
        return
    value = local.strftime("%y%m%d%H%M%S") + f"{tenths}{quarters:02d}{sign}"
    assert parse_smpp_time(value, NOW) == local.astimezone(UTC) + timedelta(milliseconds=100 * tenths)


@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99),
       st.integers(0, 99), st.integers(0, 99), utc_times)
def test_relative_times_parse_to_the_period_after_now(years, months, days, hours, minutes, seconds, now):
    got = parse_smpp_time(format_relative_time(years, months, days, hours, minutes, seconds), now)
    assert got is not None
    rest = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    whole_months = got - rest
    assert (whole_months.year - now.year) * 12 + whole_months.month - now.month == years * 12 + months
    assert whole_months.day <= now.day and whole_months.time() == now.time()


@given(st.text(max_size=20))
def test_random_strings_only_ever_raise_smpp_time_error(value):
    try:
        got = parse_smpp_time(value, NOW)
    except SmppTimeError:
        return
    assert got is None or got.utcoffset() == timedelta(0)
