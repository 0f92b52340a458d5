"""Pulling the inbox through every door that offers it, on SQLite and PostgreSQL: native SOAP
``GetInbox``, HTTP ``Inbox/List`` and smsc's ``/sys/get.php?get_answers=1`` show the same
messages with the fields of the inbound callback (smsc: its own fields), only the account's
own, and refuse bad arguments with each door's own error."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from service.app.inbound.event import inbound_payload
from service.domain.inbound import KeywordAction
from tests.fakes import FixedClock
from tests.inbound_rows import inbound, store_inbound
from tests.integration.doors import LOGIN, PASSWORD, SOAP11, TNS, Doors, soap_fault
from tests.integration.test_door_properties import ANY_VALUE, PROPERTY, _smsc_error

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def doors(database_url):
    d = Doors(database_url, clock=FixedClock(NOW))
    me = d.container.use_cases.accounts.show(LOGIN).id
    other = d.container.use_cases.accounts.create("other", "pw").id
    engine = d.container.engine
    d.ids = [
        store_inbound(engine, inbound(me, source="+79991234567", destination="+79990000001",
                                      text="old", received_at=NOW - timedelta(hours=30))),
        store_inbound(engine, inbound(other, text="not yours")),
        store_inbound(engine, inbound(None, text="unmatched")),
        store_inbound(engine, inbound(me, source="+79991234568", destination="79990000001",
                                      text="Да, конечно", received_at=NOW - timedelta(hours=2),
                                      reply_to_message_id=41, mailing_id=7)),
        store_inbound(engine, inbound(me, source="+79991234569", destination="4242",
                                      text="STOP", received_at=NOW - timedelta(minutes=1),
                                      parts=2, complete=False, action=KeywordAction.STOP)),
    ]
    yield d
    d.close()


# -- native SOAP ------------------------------------------------------------------------------

def _inbox(doors, inner=""):
    status, body = doors.soap("GetInbox", inner)
    fault = soap_fault(body)
    if fault:
        return status, fault
    page = etree.fromstring(body).find(f".//{{{TNS}}}GetInboxResult")
    items = [{el.tag.split("}")[-1]: el.text for el in m}
             for m in page.findall(f"{{{TNS}}}messages")]
    return int(page.findtext(f"{{{TNS}}}total")), items


def test_soap_get_inbox_shows_the_accounts_messages_oldest_first_with_the_callbacks_fields(doors):
    total, items = _inbox(doors)
    assert total == 3
    assert [i["text"] for i in items] == ["old", "Да, конечно", "STOP"]
    assert items[1] == {"id": str(doors.ids[3]), "from": "+79991234568", "to": "79990000001",
                        "text": "Да, конечно", "receivedAt": "2026-11-22T10:00:00+00:00",
                        "replyToMessageId": "41", "mailingId": "7", "parts": "1",
                        "complete": "true"}
    assert (items[2]["parts"], items[2]["complete"], "replyToMessageId" in items[2]) == (
        "2", "false", False)  # absent, not empty, when there is none


def test_soap_get_inbox_filters_and_pages(doors):
    assert [i["text"] for i in _inbox(doors, f"<t:afterId>{doors.ids[0]}</t:afterId>")[1]] == [
        "Да, конечно", "STOP"]
    assert [i["text"] for i in _inbox(doors, "<t:since>2026-11-22T09:00:00Z</t:since>")[1]] == [
        "Да, конечно", "STOP"]
    for to in ("+79990000001", "79990000001"):
        assert [i["text"] for i in _inbox(doors, f"<t:to>{to}</t:to>")[1]] == [
            "old", "Да, конечно"]
    total, items = _inbox(doors, "<t:page>2</t:page><t:pageSize>2</t:pageSize>")
    assert (total, [i["text"] for i in items]) == (3, ["STOP"])


def test_soap_get_inbox_refuses_bad_arguments_with_typed_faults(doors):
    for inner, code in [("<t:afterId>-1</t:afterId>", 12), ("<t:page>0</t:page>", 12),
                        ("<t:pageSize>1001</t:pageSize>", 12), ("<t:to>not a number</t:to>", 1)]:
        status, fault = _inbox(doors, inner)
        assert (status, fault[1]) == (500, code), inner
    for inner in ("<t:afterId>abc</t:afterId>", "<t:since>yesterday</t:since>",
                  "<t:afterId>99999999999999999999</t:afterId>"):  # the schema refuses these
        status, fault = _inbox(doors, inner)
        assert fault[0].startswith("soap11env:Client"), inner
    # the last page there can be, far past the end: empty, not an error
    last = "<t:page>2147483647</t:page><t:pageSize>1000</t:pageSize>"
    assert _inbox(doors, last) == (3, [])


def test_soap_get_inbox_wants_the_right_password(doors):
    doors_pw = doors.request("/soap", (
        f'<s:Envelope xmlns:s="{SOAP11}" xmlns:t="{TNS}"><s:Body><t:GetInbox/></s:Body>'
        f"</s:Envelope>").encode(), headers={"Authorization": "Basic ZWRnZTpub3Bl"})
    assert soap_fault(doors_pw[1])[1] == 8


# -- HTTP -------------------------------------------------------------------------------------

def test_http_inbox_list_carries_the_same_fields(doors):
    status, answer = doors.api("Inbox/List", {"to": "+79990000001"})
    assert (status, answer["code"], answer["data"]["total"]) == (200, 0, 2)
    assert answer["data"]["messages"][1] == {
        "id": doors.ids[3], "from": "+79991234568", "to": "79990000001", "text": "Да, конечно",
        "receivedAt": "2026-11-22T10:00:00Z", "replyToMessageId": 41, "mailingId": 7,
        "parts": 1, "complete": True}
    # the very fields the callback sends of the same message, in its order; only "event" is not
    stored = replace(inbound(1, source="+79991234568", destination="79990000001",
                             text="Да, конечно", received_at=NOW - timedelta(hours=2),
                             reply_to_message_id=41, mailing_id=7), id=doors.ids[3])
    callback = json.loads(inbound_payload(stored))
    assert callback.pop("event") == "inbound"
    assert list(answer["data"]["messages"][1].items()) == list(callback.items())
    status, answer = doors.api("Inbox/List", json_body={"afterId": doors.ids[3], "pageSize": 5})
    assert [m["text"] for m in answer["data"]["messages"]] == ["STOP"]
    assert answer["data"]["messages"][0]["replyToMessageId"] is None


def test_http_inbox_list_refuses_bad_arguments(doors):
    for params, code, field in [
            ({"afterId": "-1"}, 12, "afterId"), ({"afterId": "abc"}, 1, "afterId"),
            ({"page": "0"}, 12, "page"), ({"pageSize": "1001"}, 12, "pageSize"),
            ({"page": str(2 ** 62)}, 12, "page"), ({"to": "x"}, 1, "to"),
            ({"since": "tomorrow"}, 1, "since")]:
        status, answer = doors.api("Inbox/List", params)
        assert (status, answer["code"], answer["data"]["field"]) == (400, code, field), params


# -- smsc get_answers -------------------------------------------------------------------------

def _answers(doors, fmt="3", post=False, **params):
    status, body = doors.smsc_http("get.php", {"get_answers": "1", "fmt": fmt, **params},
                                   post=post)
    assert status == 200
    return body.decode()


def test_get_answers_in_json_has_smscs_fields_in_moscow_time(doors):
    answers = json.loads(_answers(doors))
    assert [a["message"] for a in answers] == ["old", "Да, конечно", "STOP"]
    assert answers[1] == {"id": doors.ids[3], "received": "22.11.2026 13:00:00",
                          "phone": "79991234568", "message": "Да, конечно",
                          "to_phone": "79990000001", "sent": "22.11.2026 13:00:00"}
    assert json.loads(_answers(doors, tz="-3"))[1]["received"] == "22.11.2026 10:00:00"


def test_get_answers_in_every_format(doors):
    text = _answers(doors, fmt="0", hour="3")
    assert text.splitlines() == [
        f"id = {doors.ids[3]}, received = 22.11.2026 13:00:00, phone = 79991234568, "
        f"message = Да, конечно, to_phone = 79990000001, sent = 22.11.2026 13:00:00",
        f"id = {doors.ids[4]}, received = 22.11.2026 14:59:00, phone = 79991234569, "
        f"message = STOP, to_phone = 4242, sent = 22.11.2026 14:59:00"]
    assert _answers(doors, fmt="1", hour="1").splitlines() == [
        f"{doors.ids[4]},22.11.2026 14:59:00,79991234569,STOP,4242,22.11.2026 14:59:00"]
    xml = etree.fromstring(_answers(doors, fmt="2", hour="1").encode())
    assert (xml.tag, xml.findtext("id"), xml.findtext("to_phone")) == (
        "result", str(doors.ids[4]), "4242")
    # an unknown fmt answers as fmt 0, like every smsc endpoint
    assert _answers(doors, fmt="7", hour="1") == _answers(doors, fmt="0", hour="1")


def test_get_answers_filters_hour_after_id_to_phone_and_cnt(doors):
    def texts(**params):
        return [a["message"] for a in json.loads(_answers(doors, **params))]
    assert texts(hour="24") == ["Да, конечно", "STOP"]
    assert texts(after_id=str(doors.ids[3])) == ["STOP"]
    assert texts(to_phone="79990000001") == ["old", "Да, конечно"]
    assert texts(to_phone="+4242") == ["STOP"]
    assert texts(cnt="1") == ["old"]
    assert texts(hour="1", to_phone="79990000001") == []
    assert texts(post=True, cnt="2") == ["old", "Да, конечно"]
    assert _answers(doors, fmt="3", hour="1", to_phone="70000000000") == "[]"


BAD_ANSWERS = [{"hour": "0"}, {"hour": "169"}, {"hour": "abc"}, {"cnt": "0"}, {"cnt": "10001"},
               {"after_id": "-1"}, {"after_id": "1" * 40}, {"to_phone": "abc"},
               {"get_answers": "0"}]
ERROR_1 = {"0": "ERROR = 1 (parameters error)", "1": "0,-1",
           "2": "<result><error>parameters error</error><error_code>1</error_code></result>",
           "3": '{"error": "parameters error", "error_code": 1}'}


def test_get_answers_refuses_bad_parameters_with_error_1_in_every_format(doors):
    # one gateway for every case (each request comes from its own address: no error-4 block)
    answers = {(fmt, json.dumps(params)): _answers(doors, fmt=fmt, **params)
               for params in BAD_ANSWERS for fmt in ERROR_1}
    assert answers == {(fmt, json.dumps(params)): ERROR_1[fmt]
                       for params in BAD_ANSWERS for fmt in ERROR_1}


def test_get_answers_wants_the_right_password(doors):
    status, body = doors.smsc_http("get.php", {"get_answers": "1", "psw": "bad", "fmt": "3"})
    assert json.loads(body) == {"error": "invalid login or password", "error_code": 2}


# -- any parameters at all --------------------------------------------------------------------

ANSWER_PARAMS = ("login", "psw", "get_answers", "hour", "after_id", "to_phone", "cnt", "fmt",
                 "tz", "charset", "apikey")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    """One gateway for the module: hypothesis runs many examples against it."""
    d = Doors(f"sqlite:///{tmp_path_factory.mktemp('answers') / 'a.db'}", clock=FixedClock(NOW))
    me = d.container.use_cases.accounts.show(LOGIN).id
    store_inbound(d.container.engine, inbound(me, received_at=NOW - timedelta(hours=1)))
    yield d
    d.close()


@PROPERTY
@given(params=st.dictionaries(st.sampled_from(ANSWER_PARAMS), ANY_VALUE, max_size=8),
       own_login=st.booleans(), post=st.booleans())
def test_get_answers_answers_any_parameters_in_its_own_terms(gateway, params, own_login, post):
    if own_login:
        params = {"login": LOGIN, "psw": PASSWORD, "get_answers": "1", **params}
    status, body = gateway.smsc_http("get.php", params, post=post, raw_query=urlencode(params))
    assert status == 200, body
    fmt = params.get("fmt") if params.get("fmt") in ("1", "2", "3") else "0"
    charset = {"koi8-r": "koi8_r", "windows-1251": "cp1251"}.get(
        (params.get("charset") or "").lower(), "utf-8")
    answer = body.decode(charset, errors="replace")
    error = _smsc_error(answer, fmt)
    if error is not None:
        assert error in ("1", "2", "4", "9"), answer
    elif fmt == "3":
        assert isinstance(json.loads(answer), list), answer
    elif fmt == "2":
        assert all(el.tag == "result" for el in etree.fromstring(f"<all>{answer}</all>"))
    else:
        assert "Traceback" not in answer
