"""The sending limits' screen over the fakes: bans with their reasons, day and month refusals."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from service.app.access.auth import Authenticator, Credentials
from service.app.accounts.accounts import AccountService
from service.app.limits.limits import LimitSettings
from service.app.sending.policy import SendingPolicy
from service.app.sending.sending import SendingService, SendParts, SendSms
from service.domain import errors
from service.domain.limits import Limits, parse_limits
from tests.fakes import FakeUnitOfWorkFactory, FixedClock

CREDS = Credentials("alice", "pw", "127.0.0.1")
A, B, KZ = "+79161234567", "+79167654321", "+77011234567"


def world(defaults: Limits = Limits()):
    uow, clock, auth = FakeUnitOfWorkFactory(), FixedClock(), Authenticator()
    policy = SendingPolicy(limits=defaults)
    AccountService(uow, auth).create("alice", "pw", Decimal("100"))
    return (SendingService(uow, auth, policy, clock), LimitSettings(uow, defaults, clock),
            clock, uow)


def send(sending, recipients, text="hello"):
    return sending.send(SendSms(CREDS, recipients, text))


def test_no_limits_cost_nothing_and_ban_nothing():
    sending, _settings, _clock, _uow = world()
    for _ in range(5):
        assert send(sending, [A]).code == 0


def test_flood_bans_the_extra_message_free_with_its_reason():
    sending, settings, clock, _uow = world()
    settings.change("alice", flood="2/10")
    send(sending, [A], "one")
    clock.advance(minutes=1)
    result = send(sending, [A, A, B], "two")  # A's third within 10 minutes
    statuses = [(m.status, m.status_code, m.error_code) for m in result.messages]
    assert statuses == [("QUEUED", -1, None), ("BANNED", 23, 12), ("QUEUED", -1, None)]
    assert result.messages[1].error_message.startswith("flood: more than 2")
    assert result.messages[1].cost == 0 and result.total_cost == Decimal("2.00")
    assert result.code == 98
    clock.advance(minutes=10)
    assert send(sending, [A], "three").messages[0].status == "QUEUED"


def test_duplicate_text_to_the_same_number_is_banned_within_the_window():
    sending, settings, clock, _uow = world()
    settings.change("alice", duplicate_minutes="30")
    send(sending, [A])
    clock.advance(minutes=29)
    dup = send(sending, [A, B])
    assert [m.status for m in dup.messages] == ["BANNED", "QUEUED"]
    assert dup.messages[0].error_message.startswith("duplicate")
    clock.advance(minutes=2)
    assert send(sending, [A]).messages[0].status == "QUEUED"
    assert send(sending, [A], "other text").messages[0].status == "QUEUED"


def test_countries_outside_the_list_are_banned():
    sending, settings, _clock, _uow = world(parse_limits(countries="RU"))
    result = send(sending, [A, KZ])
    assert [m.status for m in result.messages] == ["QUEUED", "BANNED"]
    assert "KZ is not allowed" in result.messages[1].error_message
    settings.change("alice", countries="RU,KZ")
    assert send(sending, [KZ], "x").messages[0].status == "QUEUED"


def test_per_day_refuses_the_request_that_would_pass_it_whole():
    sending, settings, clock, uow = world()
    settings.change("alice", per_day="3")
    send(sending, [A, B])
    with pytest.raises(errors.QuotaExceeded) as caught:
        send(sending, [A, B], "again")
    exc = caught.value
    assert (exc.code, exc.period, exc.limit, exc.used) == (30, "day", 3, 2)
    assert exc.retry_after == 12 * 3600  # the fixed clock is at noon UTC
    assert len(uow.store.messages) == 2
    assert send(sending, [A], "third").code == 0
    clock.advance(hours=12)  # a new UTC day
    assert send(sending, [A, B], "next day").code == 0
    assert settings.show("alice").today == 2


def test_banned_and_invalid_messages_are_not_counted():
    sending, settings, _clock, _uow = world(parse_limits(countries="RU"))
    settings.change("alice", per_day="1")
    send(sending, [KZ, "12", A])
    assert settings.show("alice").today == 1


def test_per_month_counts_oms_parts_as_messages():
    sending, settings, _clock, _uow = world(parse_limits(per_month="4"))
    sending.send_parts(SendParts(CREDS, [A, B], ["part 1", "part 2"]))
    with pytest.raises(errors.QuotaExceeded) as caught:
        sending.send_parts(SendParts(CREDS, [A], ["part 3"]))
    assert caught.value.period == "month"
    assert settings.show("alice").this_month == 4


def test_an_account_can_turn_a_default_off_and_back():
    sending, settings, _clock, _uow = world(parse_limits(per_day="1"))
    settings.change("alice", per_day="off")
    send(sending, [A]), send(sending, [B])
    view = settings.change("alice", per_day="default")
    assert view.own.per_day is None and view.effective.per_day == 1
    with pytest.raises(errors.QuotaExceeded):
        send(sending, [A], "x")


def test_bad_specs_change_nothing_and_unknown_logins_are_not_found():
    _sending, settings, _clock, _uow = world()
    settings.change("alice", per_day="5")
    for bad in ({"flood": "5"}, {"quiet_hours": "25-09"}, {"countries": "RU,XX"},
                {"per_month": "-1"}, {"duplicate_minutes": "-3"}):
        with pytest.raises(errors.ValidationError):
            settings.change("alice", per_day="7", **bad)
    assert settings.show("alice").own.per_day == 5
    with pytest.raises(errors.NotFound):
        settings.show("bob")


@pytest.mark.parametrize("period,oms", [("day", "perDayMsgLimit"), ("month", "perMonthMsgLimit")])
def test_every_door_answers_a_quota_with_its_own_code(period, oms):
    from service.api.http.envelope import HTTP_STATUS, error_answer
    from service.api.oms.errors import oms_code
    from service.api.smsc.adapter import smsc_error
    from service.api.soap.faults import typed_fault
    error = errors.QuotaExceeded(period, 20, 19, retry_after=600)
    assert (error.code, error.field) == (30, f"per_{period}")
    assert typed_fault(error).faultcode == "Client.QuotaExceeded"
    assert oms_code(error) == oms
    assert smsc_error(error) == 9
    answer = error_answer(error)
    assert (answer.code, HTTP_STATUS[answer.code], answer.retry_after) == (30, 429, 600)
    assert answer.data == {"field": f"per_{period}", "limit": 20, "used": 19}
