from datetime import datetime, timedelta, timezone
from decimal import Decimal
from unittest import mock

import pytest

from service.app.accounts.accounts import AccountService
from service.app.access.auth import Authenticator, Credentials
from service.app.sending.policy import SendingPolicy
from service.app.sending.sending import QuoteSms, SendingService, SendSms
from service.app.sending.status_query import GetStatus, StatusQueries
from service.domain import errors
from service.domain.pricing import Tariff
from service.domain.status import MessageStatus
from tests.fakes import FakeUnitOfWorkFactory, FixedClock

CREDS = Credentials("alice", "pw", "127.0.0.1")


@pytest.fixture
def world():
    uow = FakeUnitOfWorkFactory()
    clock = FixedClock()
    auth = Authenticator()
    policy = SendingPolicy(max_recipients=5, max_text_length=200,
                           tariff=Tariff.parse("1.00", "7=0.50"))
    accounts = AccountService(uow, auth)
    accounts.create("alice", "pw", Decimal("10"))
    return dict(uow=uow, clock=clock, accounts=accounts,
                sending=SendingService(uow, auth, policy, clock),
                statuses=StatusQueries(uow, auth, policy))


def send(world, recipients, text="Hello", **kw):
    return world["sending"].send(SendSms(CREDS, recipients, text, **kw))


def stored(world):
    return list(world["uow"].store.messages.values())


def balance(world):
    return world["accounts"].show("alice").balance


def test_send_prices_debits_and_stores_queued_messages(world):
    result = send(world, ["+79991234567", "+442071838750"])
    assert result.code == 0
    assert result.total_cost == Decimal("1.50") and result.balance == Decimal("8.50")
    assert [m.status for m in result.messages] == ["QUEUED", "QUEUED"]
    assert [m.status_code for m in result.messages] == [-1, -1]
    assert [m.status for m in stored(world)] == [MessageStatus.QUEUED] * 2
    assert balance(world) == Decimal("8.50")


def test_invalid_numbers_become_final_free_messages_and_code_98(world):
    result = send(world, ["+79991234567", "12"])
    assert result.code == 98
    bad = result.messages[1]
    assert (bad.status, bad.status_code, bad.cost, bad.error_code) == ("INVALID_NUMBER", 22, 0, 1)
    assert result.total_cost == Decimal("0.50") and result.total_segments == 1
    assert stored(world)[1].status is MessageStatus.INVALID_NUMBER


def test_all_invalid_is_code_99_and_costs_nothing(world):
    result = send(world, ["12", "abc"])
    assert result.code == 99 and result.total_cost == 0 and result.balance == Decimal("10")
    assert len(stored(world)) == 2


def test_insufficient_funds_stores_nothing_and_debits_nothing(world):
    with pytest.raises(errors.InsufficientFunds) as exc:
        send(world, ["+442071838750"] * 5, text="ж" * 140)  # 3 segments x 5 x 1.00
    assert exc.value.required == Decimal("15.00") and exc.value.balance == Decimal("10")
    assert stored(world) == [] and balance(world) == Decimal("10")


def test_a_request_costing_exactly_the_balance_is_accepted(world):
    result = send(world, ["+442071838750"] * 5, text="x" * 200)  # 2 segments x 5 x 1.00
    assert result.balance == 0 and len(stored(world)) == 5


def test_multipart_cyrillic_text_is_priced_per_segment(world):
    result = send(world, ["+79991234567"], text="Привет! " * 10)  # 80 chars UCS-2 -> 2 parts
    assert result.messages[0].segments == 2 and result.total_cost == Decimal("1.00")


def test_default_sender_is_used_when_none_is_given(world):
    world["accounts"].configure("alice", default_sender="ACME")
    send(world, ["+79991234567"])
    send(world, ["+79991234567"], sender="Other")
    assert [m.sender for m in stored(world)] == ["ACME", "Other"]


def test_scheduling_in_the_past_means_now_and_in_the_future_means_scheduled(world):
    now = world["clock"].now()
    past = send(world, ["+79991234567"], scheduled_at=now - timedelta(hours=1))
    future = send(world, ["+79991234567"], scheduled_at=now + timedelta(hours=1))
    assert past.messages[0].status == "QUEUED" and future.messages[0].status == "SCHEDULED"
    scheduled = stored(world)[1]
    assert scheduled.scheduled_at == now + timedelta(hours=1)
    assert scheduled.valid_until == now + timedelta(hours=1, minutes=1440)


def test_naive_scheduled_times_are_taken_as_utc(world):
    now = world["clock"].now()
    send(world, ["+79991234567"], scheduled_at=(now + timedelta(hours=2)).replace(tzinfo=None))
    assert stored(world)[0].scheduled_at == now + timedelta(hours=2)


@pytest.mark.parametrize("kwargs,field,code", [
    (dict(recipients=[]), "recipients", 11),
    (dict(recipients=[" , ;"]), "recipients", 11),
    (dict(recipients=["+79991234567"] * 6), "recipients", 12),
    (dict(text=""), "text", 11),
    (dict(text=None), "text", 11),
    (dict(text="x" * 201), "text", 12),
    (dict(sender="WAY-TOO-LONG-SENDER"), "sender", 1),
    (dict(validity_minutes=0), "validityMinutes", 12),
    (dict(validity_minutes=7 * 24 * 60 + 1), "validityMinutes", 12),
    (dict(scheduled_at=datetime(2027, 12, 1, tzinfo=timezone.utc)), "scheduledAt", 12),
    (dict(client_ref="r" * 65), "clientRef", 12),
])
def test_bad_input_names_the_field_and_leaves_no_trace(world, kwargs, field, code):
    args = dict(recipients=["+79991234567"], text="Hello") | kwargs
    with pytest.raises(errors.ValidationError) as exc:
        send(world, **args)
    assert (exc.value.field, exc.value.code) == (field, code)
    assert stored(world) == [] and balance(world) == Decimal("10")


def test_a_repeated_client_ref_returns_the_first_result_without_a_second_debit(world):
    first = send(world, ["+79991234567"], client_ref="order-1")
    again = send(world, ["+79991234567"], client_ref="order-1")
    assert again == first and balance(world) == Decimal("9.50") and len(stored(world)) == 1


def test_a_client_ref_is_reusable_after_24_hours(world):
    send(world, ["+79991234567"], client_ref="order-1")
    world["clock"].advance(hours=24, seconds=1)
    later = send(world, ["+79991234567"], client_ref="order-1")
    assert later.messages[0].message_id == 2 and balance(world) == Decimal("9.00")


def test_wrong_password_blocked_account_and_disallowed_ip(world):
    with pytest.raises(errors.AuthenticationFailed) as exc:
        world["sending"].send(SendSms(Credentials("alice", "nope"), ["+79991234567"], "x"))
    assert not exc.value.missing
    with pytest.raises(errors.AuthenticationFailed) as exc:
        world["sending"].send(SendSms(Credentials(None, None), ["+79991234567"], "x"))
    assert exc.value.missing
    world["accounts"].configure("alice", allowed_ips=["10.0.0.0/8"])
    with pytest.raises(errors.IpNotAllowed):
        send(world, ["+79991234567"])
    world["accounts"].configure("alice", allowed_ips=[], blocked=True)
    with pytest.raises(errors.AccountBlocked):
        send(world, ["+79991234567"])
    assert stored(world) == []


def test_quote_prices_without_debit(world):
    quote = world["sending"].quote(QuoteSms(CREDS, ["+79991234567", "+442071838750", "1"], "Hi"))
    assert (quote.cost, quote.segments, quote.accepted, quote.rejected) == (Decimal("1.50"), 2, 2, 1)
    assert balance(world) == Decimal("10") and stored(world) == []


def test_status_of_own_unknown_and_foreign_ids(world):
    world["accounts"].create("bob", "pw", Decimal("10"))
    mine = send(world, ["+79991234567"]).messages[0].message_id
    theirs = world["sending"].send(SendSms(Credentials("bob", "pw"), ["+79991234567"], "x"))
    foreign = theirs.messages[0].message_id
    views = world["statuses"].get_status(GetStatus(CREDS, [mine, 999, foreign]))
    assert [(v.message_id, v.status_code, v.found) for v in views] == [
        (mine, -1, True), (999, -3, False), (foreign, -3, False)]
    assert views[0].status_name == "QUEUED" and not views[0].final and views[1].final


def test_status_needs_ids(world):
    with pytest.raises(errors.MissingParameter):
        world["statuses"].get_status(GetStatus(CREDS, []))


def test_the_slow_hash_runs_once_then_the_cache_answers_until_the_password_changes(world):
    with mock.patch("service.app.access.auth.verify_password", wraps=__import__(
            "service.domain.passwords", fromlist=["verify_password"]).verify_password) as verify:
        send(world, ["+79991234567"])
        send(world, ["+79991234567"])
        assert verify.call_count == 1
        world["accounts"].configure("alice", password="new")
        with pytest.raises(errors.AuthenticationFailed):
            send(world, ["+79991234567"])
        assert verify.call_count == 2
