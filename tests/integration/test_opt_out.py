"""Opt-out on both stores: an inbound STOP makes every later send to that number from that
account BANNED (23) with "opted out", on every door and in mailings; START lets the next send
go out. The confirmation is an ordinary queued, debited message from the number the STOP
arrived on. Most tests drive the responder as InboundService.process does (inside one write
unit of work); the last goes through accept and process themselves."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import select

from service.app.access.auth import Credentials
from service.app.mailings.mailings import CreateMailing
from service.domain.inbound import InboundMessage, InboundPart, KeywordAction
from service.domain.keywords import DEFAULT_SETTINGS
from service.persistence.tables import inbound_messages, ledger_entries, messages
from tests.fakes import FixedClock
from tests.integration.doors import BALANCE, LOGIN, PASSWORD, TNS, Doors

NOW = datetime(2026, 12, 1, 21, 30, tzinfo=timezone.utc)
ME = Credentials(LOGIN, PASSWORD)
PHONE, NUMBER, OTHER = "+79991234567", "+79001112233", "+79991234500"
OPTED_OUT = "the number opted out by replying STOP on 2026-12-01"


@pytest.fixture
def doors(database_url):
    d = Doors(database_url, clock=FixedClock(NOW))
    d.account_id = d.container.use_cases.accounts.show(LOGIN).stored_id
    yield d
    d.close()


def mo(doors, text, source=PHONE):
    """An inbound message routed to the account, acted on as process() does."""
    draft = InboundMessage(id=0, account_id=doors.account_id, source=source,
                           destination=NUMBER, text=text, received_at=NOW)
    with doors.container.uow_factory(write=True) as uow:
        [out] = doors.container.use_cases.keywords.respond(uow, [draft], NOW)
        uow.commit()
    return out


def rows(doors, *where):
    with doors.container.engine.connect() as conn:
        return conn.execute(select(messages).where(*where).order_by(messages.c.id)).all()


def soap_send(doors, phone):
    status, body = doors.soap("SendSms", f"<t:recipients>{phone}</t:recipients><t:text>Sale!"
                                         "</t:text>")
    assert status == 200, body
    m = etree.fromstring(body).find(f".//{{{TNS}}}messages")
    return int(m.findtext(f"{{{TNS}}}statusCode")), m.findtext(f"{{{TNS}}}errorMessage")


def http_send(doors, phone):
    _status, body = doors.api("Sms/Send", {"recipients": phone, "text": "Sale!"})
    [m] = body["data"]["messages"]
    return m["statusCode"], m["errorMessage"]


def mailing_send(doors, phone):
    uc = doors.container.use_cases.mailings
    mailing = uc.create(CreateMailing(credentials=ME, name="Promo", text="Sale!",
                                      phones=(phone,))).mailing
    uc.start(ME, mailing.id)
    [row] = rows(doors, messages.c.mailing_id == mailing.id)
    return (23 if row.status == "BANNED" else -1), row.error_message


def last_message_error(doors, phone):
    row = rows(doors, messages.c.recipient == phone)[-1]
    return row.status, row.error_message


def test_stop_bans_every_door_and_mailings_then_start_lets_the_next_send_out(doors):
    assert mo(doors, "Stop!").action is KeywordAction.STOP
    for send in (soap_send, http_send, mailing_send):
        assert send(doors, PHONE) == (23, OPTED_OUT), send.__name__
        assert send(doors, OTHER)[0] != 23
    status, body = doors.smsc_http("send.php", {"phones": PHONE, "mes": "Sale!", "fmt": "3"})
    assert b'"error_code": 8' in body
    assert last_message_error(doors, PHONE) == ("BANNED", OPTED_OUT)
    doors.oms_send([PHONE], "Sale!")
    assert last_message_error(doors, PHONE) == ("BANNED", OPTED_OUT)
    quote = doors.api("Sms/GetCost", {"recipients": [PHONE, OTHER], "text": "Sale!"})[1]
    assert (quote["data"]["accepted"], quote["data"]["rejected"]) == (1, 1)

    assert mo(doors, "СТАРТ").action is KeywordAction.START
    for send in (soap_send, http_send, mailing_send):
        assert send(doors, PHONE) == (-1, None), send.__name__


def test_a_number_the_account_listed_keeps_the_blacklist_reason(doors):
    doors.container.use_cases.address_book.add_to_blacklist(ME, [PHONE])
    assert soap_send(doors, PHONE) == (23, "the number is on the blacklist")
    assert mo(doors, "stop").action is KeywordAction.STOP  # the account's entry stays
    assert http_send(doors, PHONE) == (23, "the number is on the blacklist")


def test_the_confirmations_are_queued_paid_messages_from_the_number(doors):
    mo(doors, "STOP")
    mo(doors, "help")               # listed: no HELP text
    mo(doors, "start")
    mo(doors, "stop sending me these")
    replies = rows(doors, messages.c.recipient == PHONE)
    assert [(r.text, r.sender, r.status) for r in replies] == [
        (DEFAULT_SETTINGS.stop_reply, NUMBER, "QUEUED"),
        (DEFAULT_SETTINGS.start_reply, NUMBER, "QUEUED")]
    paid = sum((r.cost for r in replies), Decimal("0"))
    assert paid > 0
    assert doors.container.use_cases.accounts.show(LOGIN).balance == BALANCE - paid
    with doors.container.engine.connect() as conn:
        actors = conn.execute(select(ledger_entries.c.actor, ledger_entries.c.reason)
                              .where(ledger_entries.c.actor == "inbound")).all()
    assert [tuple(a) for a in actors] == [("inbound", "send")] * 2


def test_without_funds_the_opt_out_holds_and_no_reply_is_written(doors):
    doors.container.use_cases.accounts.adjust(LOGIN, -BALANCE, "test")
    assert doors.container.use_cases.accounts.show(LOGIN).balance == 0
    footprint = len(rows(doors))
    with doors.container.engine.connect() as conn:
        ledger_before = len(conn.execute(select(ledger_entries)).all())
    assert mo(doors, "STOP").action is KeywordAction.STOP
    assert len(rows(doors)) == footprint
    with doors.container.engine.connect() as conn:
        assert len(conn.execute(select(ledger_entries)).all()) == ledger_before
    assert soap_send(doors, PHONE) == (23, OPTED_OUT)


def test_http_and_soap_list_each_entry_with_source_reason_and_time(doors):
    doors.container.use_cases.address_book.add_to_blacklist(ME, [OTHER])
    mo(doors, "«СТОП»")
    status, body = doors.api("Blacklist/List", {})
    assert status == 200 and body["code"] == 0
    assert body["data"]["total"] == 2 and body["data"]["phones"] == [OTHER, PHONE]
    assert body["data"]["entries"] == [
        {"phone": OTHER, "source": "api", "reason": None, "addedAt": "2026-12-01T21:30:00+00:00"},
        {"phone": PHONE, "source": "inbound", "reason": f'replied "«СТОП»" to {NUMBER}',
         "addedAt": "2026-12-01T21:30:00+00:00"}]
    status, xml = doors.soap("GetBlacklist", "<t:page>2</t:page><t:pageSize>1</t:pageSize>")
    assert status == 200
    [entry] = etree.fromstring(xml).findall(f".//{{{TNS}}}entries")
    assert [entry.findtext(f"{{{TNS}}}{f}") for f in ("phone", "source", "reason")] == [
        PHONE, "inbound", f'replied "«СТОП»" to {NUMBER}']
    assert entry.findtext(f"{{{TNS}}}addedAt").startswith("2026-12-01T21:30:00")


def test_the_openapi_document_describes_the_listed_entries():
    from service.api.http.openapi import document
    op = document("http://x")["paths"]["/api/Blacklist/List"]["post"]
    data = op["responses"]["200"]["content"]["application/json"]["schema"]["allOf"][1]
    entry = data["properties"]["data"]["properties"]["entries"]["items"]
    assert set(entry["properties"]) == {"phone", "source", "reason", "addedAt"}
    assert entry["properties"]["source"]["enum"] == ["api", "inbound"]


# -- through the inbound path: accept (what a carrier hands over), then the worker's process ---

def carrier_sends(doors, text, source="79991234567", destination="79001112233"):
    """An MO as a carrier delivers it (numbers without +), stored and processed."""
    inbound = doors.container.use_cases.inbound
    inbound.accept("simulator", [InboundPart(source, destination, text, NOW)])
    assert inbound.process() == 1


def stored_actions(doors):
    with doors.container.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(inbound_messages.c.source, inbound_messages.c.text, inbound_messages.c.action)
            .order_by(inbound_messages.c.id))]


def test_stop_and_start_through_accept_and_process(doors):
    numbers = doors.container.use_cases.inbound_numbers
    numbers.assign_number(NUMBER, LOGIN)
    numbers.assign_keyword("7744", "acme", LOGIN)
    carrier_sends(doors, "Stop!")
    carrier_sends(doors, "ACME стоп", source="79991234500", destination="7744")
    carrier_sends(doors, "stop sending me these", source="79991234511")
    assert soap_send(doors, PHONE) == (23, OPTED_OUT)
    assert http_send(doors, OTHER) == (23, OPTED_OUT)
    assert soap_send(doors, "+79991234511") == (-1, None)
    replies = rows(doors, messages.c.text == DEFAULT_SETTINGS.stop_reply)
    assert [(r.recipient, r.sender) for r in replies] == [(PHONE, NUMBER), (OTHER, "7744")]

    carrier_sends(doors, "старт")
    assert mailing_send(doors, PHONE) == (-1, None)
    assert stored_actions(doors) == [
        (PHONE, "Stop!", "stop"), (OTHER, "ACME стоп", "stop"),
        ("+79991234511", "stop sending me these", None), (PHONE, "старт", "start")]
