"""Sending limits through every door, on both stores: flood and duplicate bans with their
reasons, allowed countries, day and month refusals, mailings' quiet hours, several nodes, and
(on PostgreSQL) racing senders that cannot pass a day's limit."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from lxml import etree

from service.app.access.auth import Credentials
from service.app.mailings.mailings import CreateMailing
from service.app.sending.sending import SendSms
from service.bootstrap import build_container
from service.config import Settings
from service.domain.errors import QuotaExceeded
from service.domain.status import MessageStatus
from tests.conftest import migrated
from tests.fakes import FixedClock
from tests.integration.doors import LOGIN, PASSWORD, TNS, Doors, smsc_soap_result, soap_fault

A, B, KZ = "+79161234567", "+79167654321", "+77011234567"
CREDS = Credentials(LOGIN, PASSWORD, "127.0.0.1")


@pytest.fixture
def doors(database_url):
    d = Doors(database_url, clock=FixedClock())
    yield d
    d.close()


def limit(doors, **specs):
    return doors.container.use_cases.sending_limits.change(LOGIN, **specs)


def soap_send(doors, numbers, text):
    inner = "".join(f"<t:recipients>{n}</t:recipients>" for n in numbers) + f"<t:text>{text}</t:text>"
    return doors.soap("SendSms", inner)


def soap_messages(body):
    out = []
    for m in etree.fromstring(body).iter(f"{{{TNS}}}messages"):
        out.append({etree.QName(c).localname: c.text for c in m})
    return out


# -- bans with their reasons -------------------------------------------------------------------

def test_native_soap_flood_and_duplicate_come_back_banned_with_their_reason(doors):
    limit(doors, flood="2/10", duplicate_minutes="30")
    status, body = soap_send(doors, [A], "first")
    assert status == 200 and soap_messages(body)[0]["statusName"] == "QUEUED"
    _status, body = soap_send(doors, [A, B], "first")       # A: the same text again
    dup, other = soap_messages(body)
    assert (dup["statusName"], dup["statusCode"], dup["errorCode"]) == ("BANNED", "23", "12")
    assert dup["errorMessage"].startswith("duplicate") and dup["cost"] in ("0", "0.00", "0.0000")
    assert other["statusName"] == "QUEUED"
    _status, body = soap_send(doors, [A], "second")
    assert soap_messages(body)[0]["statusName"] == "QUEUED"
    _status, body = soap_send(doors, [A], "third")           # A's third in 10 minutes
    flood = soap_messages(body)[0]
    assert flood["statusName"] == "BANNED" and flood["errorMessage"].startswith("flood")


def test_http_api_countries_outside_the_list_are_banned_and_free(doors):
    limit(doors, countries="RU")
    status, out = doors.api("Sms/Send", {"recipients": f"{A},{KZ}", "text": "hello"})
    assert status == 200 and out["code"] == 98
    ok, kz = out["data"]["messages"]
    assert ok["statusName"] == "QUEUED"
    assert (kz["statusName"], kz["statusCode"], kz["errorCode"], kz["cost"]) == (
        "BANNED", 23, 12, "0")
    assert "KZ is not allowed" in kz["errorMessage"]
    status, out = doors.api("Sms/GetStatus", {"messageIds": kz["messageId"]})
    assert out["data"][0]["statusName"] == "BANNED"


def test_a_banned_message_shows_on_the_smsc_door_as_forbidden(doors):
    limit(doors, countries="RU")
    out = smsc_soap_result(smsc(doors, "send", {"phones": f"{A},{KZ}", "mes": "hi"}))
    assert out.get("error", "0") == "0" and out["cnt"] == "1"


def smsc(doors, request, fields):
    status, body = doors.smsc_soap(request, fields)
    assert status == 200, body
    return body


# -- day and month limits, refused per door ----------------------------------------------------

def test_native_soap_refuses_a_send_over_the_day_limit_with_fault_30(doors):
    limit(doors, per_day="2")
    assert soap_send(doors, [A, B], "one")[0] == 200
    before = doors.footprint()
    status, body = soap_send(doors, [A], "two")
    code, number = soap_fault(body)
    assert status == 500 and code.endswith("Client.QuotaExceeded") and number == 30
    assert b"<tns:field>per_day</tns:field>" in body
    assert doors.footprint() == before


def test_http_api_refuses_with_429_retry_after_and_the_limit(doors):
    limit(doors, per_month="1")
    assert doors.api("Sms/Send", {"recipients": A, "text": "one"})[1]["code"] == 0
    status, out = doors.api("Sms/Send", {"recipients": B, "text": "two"})
    assert status == 429 and out["code"] == 30
    assert out["data"] == {"field": "per_month", "limit": 1, "used": 1}


def test_smsc_refuses_with_error_9_on_soap_and_http(doors):
    limit(doors, per_day="1")
    assert smsc_soap_result(smsc(doors, "send", {"phones": A, "mes": "one"})).get("error", "0") == "0"
    assert smsc_soap_result(smsc(doors, "send", {"phones": B, "mes": "two"}))["error"] == "9"
    status, body = doors.smsc_http("send.php", {"phones": B, "mes": "three", "fmt": "3"})
    assert json.loads(body)["error_code"] == 9


@pytest.mark.parametrize("period,code", [("per_day", "perDayMsgLimit"),
                                         ("per_month", "perMonthMsgLimit")])
def test_oms_answers_its_quota_codes_with_the_limit(doors, period, code):
    limit(doors, **{period: "2"})
    ok = doors.oms_send([A, B], "one")
    assert ok.find("{*}error").get("code") == "ok"
    over = doors.oms_send([A], "two").find("{*}error")
    assert (over.get("code"), over.get("severity"), over.findtext("{*}content")) == (
        code, "failure", "2 SMS")


# -- several nodes, one count ------------------------------------------------------------------

def test_two_nodes_share_one_days_count(database_url):
    clock = FixedClock()
    first = build_container(Settings(database_url=database_url, limit_per_day=3), clock=clock)
    migrated(database_url).dispose()
    first.use_cases.accounts.create("alice", "pw", Decimal("100"))
    second = build_container(Settings(database_url=database_url, limit_per_day=3), clock=clock)
    alice = Credentials("alice", "pw")
    try:
        first.use_cases.sending.send(SendSms(alice, [A, B], "one"))
        with pytest.raises(QuotaExceeded):
            second.use_cases.sending.send(SendSms(alice, [A, B], "two"))
        second.use_cases.sending.send(SendSms(alice, [A], "three"))
        with pytest.raises(QuotaExceeded):
            first.use_cases.sending.send(SendSms(alice, [B], "four"))
        clock.advance(hours=12)
        first.use_cases.sending.send(SendSms(alice, [A, B, A], "a new day"))
    finally:
        first.engine.dispose()
        second.engine.dispose()


# -- mailings ----------------------------------------------------------------------------------

def start_mailing(doors, phones, **kw):
    uc = doors.container.use_cases.mailings
    view = uc.create(CreateMailing(CREDS, "m", "Hello {phone}", phones=tuple(phones), **kw))
    return uc.start(CREDS, view.mailing.stored_id)


def mailing_messages(doors):
    return {m.recipient: m for m in doors.container.use_cases.history.get_messages(
        CREDS, page_size=100).items}


def test_a_mailing_waits_out_the_recipients_night_in_their_own_zone(doors):
    # The fixed clock says 2026-11-22 12:00 UTC: 15:00 in Moscow, 07:00 in New York.
    limit(doors, quiet_hours="21-09")
    start_mailing(doors, [A, "+12125551234", "+74951234567"])
    by_number = mailing_messages(doors)
    ny = by_number["+12125551234"]
    assert ny.status is MessageStatus.SCHEDULED
    assert ny.scheduled_at == datetime(2026, 11, 22, 14, 0, tzinfo=timezone.utc)  # 09:00 NY
    assert ny.valid_until == ny.scheduled_at + timedelta(days=1)
    assert by_number["+74951234567"].status is MessageStatus.QUEUED   # 15:00 in Moscow


def test_a_scheduled_mailing_moves_to_the_morning(doors):
    limit(doors, quiet_hours="21-09")
    at = datetime(2026, 11, 22, 20, 0, tzinfo=timezone.utc)   # 23:00 in Moscow
    start_mailing(doors, ["+74951234567"], scheduled_at=at)
    message = mailing_messages(doors)["+74951234567"]
    assert message.scheduled_at == datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)


def test_single_sends_ignore_quiet_hours(doors):
    limit(doors, quiet_hours="21-09")
    result = doors.container.use_cases.sending.send(SendSms(CREDS, ["+12125551234"], "now"))
    assert result.messages[0].status == "QUEUED"


def test_a_mailing_bans_other_countries_and_counts_against_the_day(doors):
    limit(doors, countries="RU", per_day="2")
    result = start_mailing(doors, [A, KZ, B])
    assert result.accepted == 3 and result.code == 0
    by_number = mailing_messages(doors)
    assert by_number[KZ].status is MessageStatus.BANNED and by_number[KZ].cost == 0
    with pytest.raises(QuotaExceeded):
        start_mailing(doors, ["+79160000000"])
    with pytest.raises(QuotaExceeded):
        doors.container.use_cases.sending.send(SendSms(CREDS, [A], "one more"))


# -- racing senders on PostgreSQL --------------------------------------------------------------

@pytest.mark.postgres
def test_racing_senders_on_postgres_never_pass_the_days_limit(postgres_url):
    engine = migrated(postgres_url)
    nodes = [build_container(Settings(database_url=postgres_url, threads=8,
                                      rate_send_per_minute=0, limit_per_day=25), engine=engine)
             for _ in range(2)]
    nodes[0].use_cases.accounts.create("racer", "pw", Decimal("1000"))
    racer = Credentials("racer", "pw")

    def send(n):
        try:
            nodes[n % 2].use_cases.sending.send(SendSms(racer, [f"+7916{n:07d}", A], f"t{n}"))
            return 2
        except QuotaExceeded:
            return 0

    with ThreadPoolExecutor(8) as pool:
        accepted = sum(pool.map(send, range(40)))
    view = nodes[0].use_cases.sending_limits.show("racer")
    assert accepted == view.today == 24      # 12 requests of 2; the 13th would make 26
    with engine.connect() as conn:
        from sqlalchemy import func, select
        from service.persistence.tables import messages
        assert conn.execute(select(func.count()).select_from(messages)).scalar_one() == 24
    engine.dispose()


def test_a_background_mailing_over_the_day_fails_and_leaves_a_draft(database_url):
    from service.domain.mailing import MailingState
    clock = FixedClock()
    engine = migrated(database_url)
    c = build_container(Settings(database_url=database_url, task_threshold=50,
                                 limit_per_day=100, limit_quiet_hours="21-09"),
                        clock=clock, engine=engine)
    try:
        c.use_cases.accounts.create("alice", "pw", Decimal("1000"))
        me = Credentials("alice", "pw")
        uc = c.use_cases.mailings
        big = uc.create(CreateMailing(me, "big", "Hi", phones=tuple(
            f"+7999123{n:04d}" for n in range(120)))).mailing.stored_id
        task_id = uc.start(me, big).task_id
        assert c.use_cases.tasks.run_next("w1")
        status = c.use_cases.tasks.status(me, task_id)
        assert (status.task.state, status.task.result_code) == ("failed", 30)
        assert uc.get(me, big).state is MailingState.DRAFT
        assert c.use_cases.accounts.show("alice").balance == Decimal("1000")
        small = uc.create(CreateMailing(me, "small", "Hi", phones=tuple(
            f"+7999123{n:04d}" for n in range(60)))).mailing.stored_id
        task_id = uc.start(me, small).task_id
        assert c.use_cases.tasks.run_next("w1")
        assert c.use_cases.tasks.status(me, task_id).task.result_code == 0
        assert c.use_cases.sending_limits.show("alice").today == 60
    finally:
        engine.dispose()
