"""Sender IDs through every door on both stores (SMSGW_SENDER_CHECK=on): registration,
approval with prefixes, shared senders, fallback versus refuse on native SOAP, HTTP and smsc,
mailings, and the upgrade that approves what clients already use."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import column, insert, select, table

from service.app.access.auth import Credentials
from service.app.mailings.mailings import CreateMailing
from service.domain import errors
from service.persistence.engine import make_engine
from service.persistence.migrate import upgrade
from service.persistence.tables import accounts, mailings, messages, senders
from tests.integration.doors import (LOGIN, PASSWORD, TNS, Doors, smsc_soap_result,
                                     soap_fault)

RU, BY, UK = "+79991234567", "+375291234567", "+442071838750"
ME = Credentials(LOGIN, PASSWORD)


@pytest.fixture
def doors(database_url):
    d = Doors(database_url, sender_check="on")
    ops = d.container.use_cases.senders
    ops.set_shared("7", "SharedRU")
    ops.set_shared("375", "SharedBY")
    yield d
    d.close()


def ops(doors):
    return doors.container.use_cases.senders


def soap_send(doors, to, sender=None):
    inner = "".join(f"<t:recipients>{r}</t:recipients>" for r in to) + "<t:text>Hi</t:text>"
    if sender is not None:
        inner += f"<t:sender>{sender}</t:sender>"
    status, body = doors.soap("SendSms", inner)
    assert status == 200, body
    doc = etree.fromstring(body)
    return [(m.findtext(f"{{{TNS}}}messageId"), m.findtext(f"{{{TNS}}}statusCode"),
             m.findtext(f"{{{TNS}}}errorMessage"))
            for m in doc.iter(f"{{{TNS}}}messages")]


def smsc(doors, request, fields):
    return smsc_soap_result(doors.smsc_soap(request, fields)[1])


def history_senders(doors):
    page = doors.container.use_cases.history.get_messages(ME)
    return [m.sender for m in reversed(page.items)]


def test_native_soap_registers_then_sends_under_the_shared_sender_until_approved(doors):
    status, body = doors.soap("RegisterSender", "<t:name>ACME</t:name>")
    assert status == 200 and etree.fromstring(body).findtext(f".//{{{TNS}}}state") == "pending"
    status, body = doors.soap("GetSenders", "")
    names = [e.text for e in etree.fromstring(body).iter(f"{{{TNS}}}name")]
    assert names == ["ACME"]
    assert [s[1] for s in soap_send(doors, [RU, BY], "ACME")] == ["-1", "-1"]
    ops(doors).approve(LOGIN, "ACME", ["7"])
    results = soap_send(doors, [RU, BY, UK], "ACME")
    assert [r[1] for r in results] == ["-1", "-1", "23"]  # UK: no shared sender serves it
    assert "no shared sender serves this destination" in results[2][2]
    assert history_senders(doors) == ["SharedRU", "SharedBY", "ACME", "SharedBY", "ACME"]
    status, body = doors.soap("GetMessages", "")
    shown = [e.text for e in etree.fromstring(body).iter(f"{{{TNS}}}sender")]
    assert shown == ["ACME", "SharedBY", "ACME", "SharedBY", "SharedRU"]


def test_native_soap_refuse_policy_bans_and_charges_nothing(doors):
    doors.container.use_cases.accounts.configure(LOGIN, sender_policy="refuse")
    results = soap_send(doors, [RU], "Unknown")
    assert results[0][1] == "23" and "'Unknown' is not registered" in results[0][2]
    assert doors.container.use_cases.accounts.show(LOGIN).balance == Decimal("100")


@pytest.mark.parametrize("name,code", [("ABCDEFGHIJKL", 1), ("a<b>", 1), ("", 11)])
def test_native_soap_refuses_bad_names_with_typed_faults(doors, name, code):
    status, body = doors.soap("RegisterSender", f"<t:name>{name.replace('<', '&lt;')}"
                              "</t:name>")
    assert status == 500 and soap_fault(body)[1] == code


def test_http_registers_lists_deletes_and_shows_the_sender_used(doors):
    assert doors.api("Senders/Register", {"name": "ACME"})[1]["data"]["state"] == "pending"
    status, out = doors.api("Senders/List")
    assert [s["name"] for s in out["data"]] == ["ACME"]
    sent = doors.api("Sms/Send", {"recipients": RU, "text": "x", "sender": "ACME"})[1]
    assert sent["data"]["messages"][0]["sender"] == "SharedRU"
    ops(doors).approve(LOGIN, "ACME")
    sent = doors.api("Sms/Send", {"recipients": UK, "text": "x", "sender": "ACME"})[1]
    message = sent["data"]["messages"][0]
    assert message["sender"] == "ACME"
    status = doors.api("Sms/GetStatus", {"messageIds": message["messageId"]})[1]
    assert status["data"][0]["sender"] == "ACME"
    assert doors.api("Senders/Delete", {"name": "ACME"})[1]["code"] == 0
    assert doors.api("Senders/Delete", {"name": "ACME"})[1]["code"] == 2
    for bad, code in (("WAY-TOO-LONG-1", 1), ("a\tb", 1), ("", 11)):
        status, out = doors.api("Senders/Register", {"name": bad})
        assert (status, out["code"]) == (400, code), out


def test_http_refuse_and_fallback_per_account_policy(doors):
    doors.container.use_cases.accounts.configure(LOGIN, sender_policy="refuse")
    out = doors.api("Sms/Send", {"recipients": RU, "text": "x", "sender": "Pending"})[1]
    assert out["code"] == 99 and out["data"]["messages"][0]["statusCode"] == 23


def test_smsc_honours_and_resolves_its_sender_parameter(doors):
    ops(doors).approve(LOGIN, "ivan", ["375"])
    sent = smsc(doors, "send", {"phones": RU, "mes": "hi", "id": "a1", "sender": "ivan"})
    assert "id" in sent, sent
    full = smsc(doors, "status", {"phone": RU, "id": "a1", "all": "1"})
    assert full["sender_id"] == "SharedRU"
    smsc(doors, "send", {"phones": BY, "mes": "hi", "id": "b1", "sender": "ivan"})
    full = smsc(doors, "status", {"phone": BY, "id": "b1", "all": "1"})
    assert full["sender_id"] == "ivan"
    doors.container.use_cases.accounts.configure(LOGIN, sender_policy="refuse")
    refused = smsc(doors, "send", {"phones": RU, "mes": "x", "sender": "ivan"})
    assert refused == {"error": "8"}
    status, body = doors.smsc_http("send.php", {"phones": RU, "mes": "y", "sender": "x" * 12})
    assert body.decode().startswith("ERROR = 6")


def test_a_mailing_resolves_its_sender_per_recipient(doors):
    mailings_uc = doors.container.use_cases.mailings
    ops(doors).approve(LOGIN, "Promo", ["375"])
    mid = mailings_uc.create(CreateMailing(ME, "m", "Hello", sender="Promo",
                                           phones=(RU, BY, UK))).mailing.id
    started = mailings_uc.start(ME, mid)
    assert started.balance == Decimal("98")  # UK is refused, free
    sent = {m.recipient: (m.sender, m.status.canonical_name)
            for m in doors.container.use_cases.history.get_messages(ME, mailing_id=mid).items}
    assert sent == {RU: ("SharedRU", "QUEUED"), BY: ("Promo", "QUEUED"),
                    UK: ("Promo", "BANNED")}


def test_a_mailing_without_a_sender_wants_the_default(doors):
    doors.container.use_cases.accounts.configure(LOGIN, default_sender="Ops",
                                                 approve_default_sender=True)
    mailings_uc = doors.container.use_cases.mailings
    mid = mailings_uc.create(CreateMailing(ME, "m", "Hello", phones=(UK,))).mailing.id
    mailings_uc.start(ME, mid)
    (m,) = doors.container.use_cases.history.get_messages(ME, mailing_id=mid).items
    assert (m.sender, m.status.canonical_name) == ("Ops", "QUEUED")


def test_the_operator_cannot_approve_for_an_unknown_login_or_twice(doors):
    with pytest.raises(errors.NotFound):
        ops(doors).approve("nobody", "ACME")
    ops(doors).approve(LOGIN, "ACME", ["7,375"])
    with pytest.raises(errors.ConstraintViolation):
        ops(doors).approve(LOGIN, "ACME", ["375,7"])
    with pytest.raises(errors.ValidationError):
        ops(doors).approve(LOGIN, "ACME", ["7,abc"])


def test_the_upgrade_approves_every_sender_already_in_use(database_url):
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0011")
        now = datetime(2026, 11, 1, tzinfo=timezone.utc)
        with engine.begin() as conn:
            old = table("accounts", *(column(c.name, c.type) for c in accounts.c
                                       if c.name != "sender_policy"))  # the 0011 columns
            a = conn.execute(insert(old).values(
                login="old", password_hash="x", balance=Decimal("1"), currency="RUB",
                allowed_ips="", default_sender="OldDefault", created_at=now, blocked=False,
                paused=False, callback_url_trusted=True).returning(old.c.id)).scalar_one()
            row = dict(account_id=a, recipient=RU, text="x", encoding="GSM7", segments=1,
                       cost=Decimal("1"), status="DELIVERED", created_at=now, updated_at=now,
                       valid_until=now + timedelta(days=1))
            conn.execute(insert(messages), [
                {**row, "sender": "Used"}, {**row, "sender": "Used"},
                {**row, "sender": "OldDefault"}, {**row, "sender": None}])
            conn.execute(insert(mailings).values(
                account_id=a, name="m", text="x", sender="MailCo", state="DONE", defaults="{}",
                targets="{}", recipients=0, total_cost=Decimal("0"), created_at=now))
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(select(senders.c.name, senders.c.state, senders.c.prefixes)
                                .order_by(senders.c.name)).all()
            policy = conn.execute(select(accounts.c.sender_policy)).scalar_one()
        assert [tuple(r) for r in rows] == [("MailCo", "approved", ""),
                                            ("OldDefault", "approved", ""),
                                            ("Used", "approved", "")]
        assert policy == "fallback"
    finally:
        engine.dispose()


def test_oms_messages_want_the_default_sender_and_fall_back_like_any_other(doors):
    doors.oms_send([RU], "no default yet")
    doors.container.use_cases.accounts.configure(LOGIN, default_sender="Ops",
                                                 approve_default_sender=True)
    doors.oms_send([RU], "with the operator's default")
    assert history_senders(doors) == ["SharedRU", "Ops"]
