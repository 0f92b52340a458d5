"""Pulling inbound messages from the running gateway the way integrators do: zeep's GetInbox,
and smsc's get_answers over HTTP (fmt 0 and 3) with requests, as smsc clients poll it."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import requests
import zeep
from sqlalchemy import create_engine, select
from zeep.exceptions import Fault
from zeep.transports import Transport

from service.persistence.tables import accounts
from tests.inbound_rows import inbound, store_inbound

NS = "urn:smsgw:v1"
NUMBER = "+79990000001"


@pytest.fixture(scope="module")
def replier(server):
    """A fresh account ``replier`` (password ``pw``), and a way to store an inbound message for
    it straight into the running gateway's database (what the core stores after routing)."""
    created = server.cli("account", "create", "replier", "--password", "pw", "--balance", "10")
    assert created.returncode == 0, created.stderr
    engine = create_engine(server.env["SMSGW_DATABASE_URL"])
    with engine.connect() as conn:
        account_id = conn.execute(select(accounts.c.id).where(
            accounts.c.login == "replier")).scalar_one()

    def reply(**fields) -> int:
        fields.setdefault("received_at", datetime.now(timezone.utc))
        return store_inbound(engine, inbound(account_id, **fields))

    yield reply
    engine.dispose()


def zeep_service(server, password="pw"):
    session = requests.Session()
    session.auth = ("replier", password)
    return zeep.Client(server.wsdl_url, transport=Transport(session=session)).service


def test_zeep_get_inbox_sees_the_reply_with_the_message_it_answers(server, replier):
    service = zeep_service(server)
    sent = service.SendSms(recipients=["+79991230001"], text="Your table for two at 8?")
    message_id = sent.messages[0].messageId
    reply_id = replier(source="+79991230001", destination=NUMBER, text="Yes, thanks!",
                       reply_to_message_id=message_id)
    page = service.GetInbox(to=NUMBER.lstrip("+"))
    mine = [m for m in page.messages if m.id == reply_id]
    assert len(mine) == 1
    m = mine[0]
    assert (m["from"], m.to, m.text, m.replyToMessageId, m.mailingId, m.parts, m.complete) == (
        "+79991230001", NUMBER, "Yes, thanks!", message_id, None, 1, True)
    assert m.receivedAt.tzinfo is not None
    # polling after the last id seen answers nothing new
    assert service.GetInbox(afterId=reply_id).messages == []


def handset_replies(server, phone: str, number: str, text: str, parts: int = 1) -> None:
    """The handset's reply reaches the gateway as the simulator carrier hands it over
    (``smsgw simulate inbound``), joined, routed and threaded at once (``--process``) rather
    than by a worker."""
    injected = server.cli("simulate", "inbound", "--from", phone, "--to", number,
                          "--text", text, "--parts", str(parts), "--process")
    assert injected.returncode == 0, injected.stderr


def test_zeep_get_inbox_sees_a_handsets_reply_threaded_to_the_message_it_answers(server,
                                                                                  replier):
    """The whole path: the operator assigns a number, the account sends with zeep, the handset
    replies to that number (the simulator carrier, joined and routed by the core), and zeep's
    GetInbox shows the reply linked to the message it answers."""
    number, phone = "+79990000077", "+79991230077"
    assigned = server.cli("number", "assign", number, "replier")
    assert assigned.returncode == 0, assigned.stderr
    service = zeep_service(server)
    earlier = service.SendSms(recipients=[phone], text="Reminder: dentist at 10").messages[0]
    answered = service.SendSms(recipients=[phone], text="Confirm: reply YES").messages[0]
    service.SendSms(recipients=["+79991230078"], text="someone else")  # not the one answered
    handset_replies(server, phone, number, "YES")
    page = service.GetInbox(to=number)
    assert page.total == 1
    reply = page.messages[0]
    assert (reply["from"], reply.to.lstrip("+"), reply.text, reply.parts, reply.complete) == (
        phone, number.lstrip("+"), "YES", 1, True)
    assert reply.replyToMessageId == answered.messageId != earlier.messageId
    assert reply.mailingId is None
    # a longer answer in three concatenated parts, handed over shuffled: one message
    long_text = "Yes, and could we move it to 11? " * 6
    handset_replies(server, phone, number, long_text, parts=3)
    (joined,) = service.GetInbox(afterId=reply.id).messages
    assert (joined.text, joined.parts, joined.complete, joined.replyToMessageId) == (
        long_text, 3, True, answered.messageId)


def test_zeep_get_inbox_faults_are_typed(server, replier):
    with pytest.raises(Fault) as caught:
        zeep_service(server).GetInbox(afterId=-1)
    assert caught.value.detail.find(f"{{{NS}}}SmsgwFault/{{{NS}}}code").text == "12"
    with pytest.raises(Fault) as caught:
        zeep_service(server, password="nope").GetInbox()
    assert caught.value.detail.find(f"{{{NS}}}SmsgwFault/{{{NS}}}code").text == "8"


def get_answers(server, **params) -> requests.Response:
    return requests.get(server.base_url + "/sys/get.php", params={
        "get_answers": 1, "login": "replier", "psw": "pw", **params}, timeout=30)


def test_smsc_get_answers_in_fmt_3_and_0_polled_with_after_id(server, replier):
    first = replier(source="+79991230002", destination="79990000002", text="Привет, да")
    second = replier(source="+79991230003", destination="79990000002", text="нет")
    answers = get_answers(server, fmt=3, hour=1, to_phone="79990000002")
    assert answers.headers["Content-Type"].startswith("application/json")
    rows = answers.json()
    assert [(r["id"], r["phone"], r["message"], r["to_phone"]) for r in rows] == [
        (first, "79991230002", "Привет, да", "79990000002"),
        (second, "79991230003", "нет", "79990000002")]
    assert set(rows[0]) == {"id", "received", "phone", "message", "to_phone", "sent"}
    datetime.strptime(rows[0]["received"], "%d.%m.%Y %H:%M:%S")  # smsc's date format
    # a client polling with the last id it saw gets only what came after
    assert [r["id"] for r in get_answers(server, fmt=3, after_id=first,
                                         to_phone="+79990000002").json()] == [second]
    text = get_answers(server, fmt=0, hour=1, to_phone="79990000002", charset="windows-1251")
    lines = text.content.decode("cp1251").splitlines()
    assert lines[0].startswith(f"id = {first}, received = ")
    assert ", phone = 79991230002, message = Привет, да, to_phone = 79990000002, sent = " in lines[0]
    assert len(lines) == 2


def test_smsc_get_answers_errors(server, replier):
    assert get_answers(server, fmt=3, hour=169).json() == {
        "error": "parameters error", "error_code": 1}
    assert get_answers(server, fmt=0, cnt=0).text == "ERROR = 1 (parameters error)"
    assert get_answers(server, fmt=0, psw="bad").text == "ERROR = 2 (invalid login or password)"
    assert json.loads(get_answers(server, fmt=3, after_id=-5).text)["error_code"] == 1
