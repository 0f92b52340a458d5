"""The pure rules of sending limits (domain/limits.py): specs, windows, repeats, quiet hours."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from service.domain.errors import ValidationError
from service.domain.limits import (Flood, Limits, QuietHours, Sent, country_refusal, day_of,
                                   month_of, parse_countries, parse_count, parse_flood,
                                   parse_limits, parse_quiet_hours, quiet_until, repeat_refusals,
                                   zones_of)

UTC = timezone.utc
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


# -- parsers -----------------------------------------------------------------------------------

@given(st.integers(1, 1_000_000_000), st.integers(1, 10080))
def test_flood_spec_round_trips(count, minutes):
    assert parse_flood(f"{count}/{minutes}") == Flood(count, minutes)
    assert parse_flood(str(Flood(count, minutes))) == Flood(count, minutes)


@given(st.integers(0, 23), st.integers(0, 23))
def test_quiet_hours_spec_round_trips(start, end):
    if start == end:
        with pytest.raises(ValidationError):
            parse_quiet_hours(f"{start}-{end}")
    else:
        quiet = parse_quiet_hours(f"{start:02d}-{end}")
        assert quiet == QuietHours(start, end) and parse_quiet_hours(str(quiet)) == quiet


@given(st.text(max_size=20))
def test_any_text_is_a_spec_or_a_validation_error(text):
    for parser in (parse_flood, parse_quiet_hours, parse_countries, parse_count):
        try:
            parser(text)
        except ValidationError as exc:
            assert exc.field
            assert "\n" not in exc.message


@given(st.lists(st.sampled_from(["RU", "kz", " DE", "us ", "GB"]), min_size=1))
def test_countries_are_normalised_once_each(codes):
    parsed = parse_countries(",".join(codes))
    assert parsed == tuple(dict.fromkeys(c.strip().upper() for c in codes))


@pytest.mark.parametrize("spec", ["5", "5/", "/10", "0/10", "5/0", "-5/10", "5/10080000",
                                  "five/ten", "5/10/2", "٥/10", "5 /1 0"])
def test_bad_flood_specs_are_refused(spec):
    with pytest.raises(ValidationError, match="flood"):
        parse_flood(spec)


@pytest.mark.parametrize("spec", ["25-09", "21-24", "21", "21-", "-09", "9-9", "21:00-09:00", "a-b"])
def test_bad_quiet_hours_are_refused(spec):
    with pytest.raises(ValidationError, match="quiet_hours"):
        parse_quiet_hours(spec)


@pytest.mark.parametrize("spec", ["XX", "RU,ZZ", "001", "RUS", "RU;KZ", "R"])
def test_unknown_countries_are_refused(spec):
    with pytest.raises(ValidationError, match="countries"):
        parse_countries(spec)


@pytest.mark.parametrize("spec", ["-1", "1.5", "1e3", "10000000000", "ten"])
def test_bad_counts_are_refused(spec):
    with pytest.raises(ValidationError, match="per_day"):
        parse_count(spec)


def test_off_and_any_turn_limits_off_and_default_unsets():
    off = parse_limits(per_day="off", flood="off", countries="any", quiet_hours="off")
    assert not off.active
    own = Limits(per_day=5).changed(per_day="default", flood="3/10")
    assert own == Limits(flood=Flood(3, 10))
    assert own.over(Limits(per_day=100)) == Limits(per_day=100, flood=Flood(3, 10))
    assert Limits(per_day=0).over(Limits(per_day=100)).per_day == 0  # own "off" wins
    assert Limits(per_day=0, flood=Flood(0, 0)).describe()["flood"] == "off"
    assert Limits().describe()["per_day"] == "default"


# -- windows -----------------------------------------------------------------------------------

def test_day_and_month_windows_are_utc():
    late = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert day_of(late).key == "d2026-12-31" and day_of(late).seconds_left(late) == 60
    assert month_of(late).key == "m2026-12"
    assert month_of(late).end == datetime(2027, 1, 1, tzinfo=UTC)
    moscow = datetime(2026, 12, 1, 1, 0, tzinfo=timezone(timedelta(hours=3)))  # 22:00 UTC Nov 30
    assert day_of(moscow).key == "d2026-11-30" and month_of(moscow).key == "m2026-11"


# -- countries ---------------------------------------------------------------------------------

def test_countries_use_the_numbers_region():
    limits = Limits(countries=("RU",))
    assert country_refusal(limits, "+79161234567") is None
    assert "KZ" in country_refusal(limits, "+77011234567")
    assert "unknown" in country_refusal(limits, "+80012345678")
    assert country_refusal(Limits(), "+77011234567") is None


# -- repeats -----------------------------------------------------------------------------------

def test_flood_bans_messages_beyond_n_in_the_window_counting_the_batch():
    limits = Limits(flood=Flood(2, 10))
    earlier = [Sent("+1", "a", NOW - timedelta(minutes=9)),
               Sent("+1", "b", NOW - timedelta(minutes=11))]   # outside the window
    out = repeat_refusals(limits, earlier, [("+1", "c"), ("+1", "d"), ("+2", "e")], NOW)
    assert out[0] is None and out[1].startswith("flood") and out[2] is None


def test_duplicates_are_same_text_same_number_within_the_window():
    limits = Limits(duplicate_minutes=30)
    earlier = [Sent("+1", "hi", NOW - timedelta(minutes=29)),
               Sent("+2", "hi", NOW - timedelta(minutes=31))]
    out = repeat_refusals(limits, earlier, [("+1", "hi"), ("+1", "other"), ("+2", "hi"),
                                            ("+2", "hi")], NOW)
    assert [o and o.split(":")[0] for o in out] == ["duplicate", None, None, "duplicate"]


def test_a_banned_message_does_not_count_towards_the_flood():
    limits = Limits(flood=Flood(1, 10), duplicate_minutes=10)
    out = repeat_refusals(limits, [], [("+1", "x"), ("+1", "x"), ("+1", "y")], NOW)
    assert [o and o.split(":")[0] for o in out] == [None, "duplicate", "flood"]


# -- quiet hours -------------------------------------------------------------------------------

NIGHT = QuietHours(21, 9)


def test_a_moscow_number_waits_until_nine_moscow_time():
    # 22:30 Moscow (19:30 UTC) -> 09:00 Moscow the next day (06:00 UTC)
    due = datetime(2026, 11, 22, 19, 30, tzinfo=UTC)
    assert zones_of("+74951234567") == ("Europe/Moscow",)
    assert quiet_until(due, NIGHT, ["Europe/Moscow"]) == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def test_after_midnight_waits_until_nine_the_same_day():
    due = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)   # 02:30 Moscow, Nov 23
    assert quiet_until(due, NIGHT, ["Europe/Moscow"]) == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def test_daytime_and_the_window_edges():
    assert quiet_until(datetime(2026, 11, 22, 6, 0, tzinfo=UTC), NIGHT, ["Europe/Moscow"]) is None
    assert quiet_until(datetime(2026, 11, 22, 17, 59, tzinfo=UTC), NIGHT,
                       ["Europe/Moscow"]) is None
    assert quiet_until(datetime(2026, 11, 22, 18, 0, tzinfo=UTC), NIGHT,
                       ["Europe/Moscow"]) == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def test_the_same_utc_moment_is_night_in_one_zone_and_day_in_another():
    due = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # 15:00 New York, 23:00 Moscow
    assert quiet_until(due, NIGHT, ["America/New_York"]) is None
    assert quiet_until(due, NIGHT, ["Europe/Moscow"]) == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def test_a_window_within_one_day_and_daylight_saving():
    quiet = QuietHours(1, 6)
    # Berlin in summer (UTC+2): 01:30 local is 23:30 UTC the day before
    due = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    assert quiet_until(due, quiet, ["Europe/Berlin"]) == datetime(2026, 7, 2, 4, 0, tzinfo=UTC)
    winter = datetime(2026, 1, 1, 0, 30, tzinfo=UTC)  # 01:30 local, UTC+1
    assert quiet_until(winter, quiet, ["Europe/Berlin"]) == datetime(2026, 1, 1, 5, 0, tzinfo=UTC)


def test_several_zones_wait_until_it_is_day_in_all_of_them():
    # Perth (UTC+8) and Sydney (UTC+11 in summer): 11:00 UTC is 19:00 Perth, 22:00 Sydney
    due = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    until = quiet_until(due, NIGHT, ["Australia/Perth", "Australia/Sydney"])
    assert until == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)   # 09:00 Perth, 12:00 Sydney


def test_zones_too_far_apart_follow_the_westernmost():
    # a Russian mobile: 16 zones from UTC+2 to UTC+12; no hour is day in all of them
    zones = zones_of("+79161234567")
    assert len(zones) > 10
    due = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)   # 22:00 in UTC+2, 23:00 Moscow
    until = quiet_until(due, NIGHT, zones)
    assert until == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 09:00 UTC+2, 10:00 Moscow


def test_unknown_zones_and_no_window_hold_nothing():
    due = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
    assert quiet_until(due, NIGHT, []) is None
    assert quiet_until(due, NIGHT, ["Mars/Olympus"]) is None
    assert quiet_until(due, QuietHours(0, 0), ["Europe/Moscow"]) is None
    assert quiet_until(due, None, ["Europe/Moscow"]) is None


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1),
                    timezones=st.just(UTC)),
       st.integers(0, 23), st.integers(0, 23),
       st.sampled_from(["Europe/Moscow", "America/New_York", "Asia/Kolkata", "Australia/Sydney",
                        "Pacific/Chatham"]))
def test_a_held_message_goes_at_the_end_of_the_window_never_inside_it(due, start, end, zone):
    from zoneinfo import ZoneInfo
    if start == end:
        return
    quiet = QuietHours(start, end)
    until = quiet_until(due, quiet, [zone])
    local_due = due.astimezone(ZoneInfo(zone))
    if until is None:
        assert not quiet.covers(local_due.hour)
    else:
        assert quiet.covers(local_due.hour)
        assert due < until <= due + timedelta(hours=25)
        assert until.astimezone(ZoneInfo(zone)).hour in (end, (end + 1) % 24)  # +1: a DST gap
