"""The OMS endpoint in-process: golden request/response pairs as Outlook sends them (SOAP 1.1
and 1.2, escaped inner documents), per-recipient errors, limits, balance, auth and bad input."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree

from service.app.access.auth import Credentials
from service.app.sending.status_query import GetStatus
from service.bootstrap import build_container, build_wsgi_app
from service.config import Settings
from service.persistence.migrate import upgrade

DATA = Path(__file__).resolve().parents[1] / "data" / "oms"
OMS = "http://schemas.microsoft.com/office/Outlook/2006/OMS"
SOAP11, SOAP12 = "http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope"


def canonical(xml: bytes | str) -> bytes:
    data = xml.encode() if isinstance(xml, str) else xml
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(data, parser), method="c14n")


@pytest.fixture
def oms(tmp_path):
    container = build_container(Settings(database_url=f"sqlite:///{tmp_path / 'o.db'}"))
    upgrade(container.engine)
    container.use_cases.accounts.create("alice", "pw", Decimal("10"))
    container.use_cases.accounts.configure("alice", default_sender="ACME")
    app = build_wsgi_app(container)

    def call(body: bytes | str, soap12: bool = False, method: str = "POST", query: str = ""):
        body = body.encode() if isinstance(body, str) else body
        env = {"REQUEST_METHOD": method, "PATH_INFO": "/oms", "QUERY_STRING": query,
               "CONTENT_TYPE": "application/soap+xml; charset=utf-8" if soap12
               else "text/xml; charset=utf-8", "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": "127.0.0.1",
               "SERVER_NAME": "t", "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
        seen = {}
        out = b"".join(app(env, lambda s, h: seen.update(status=s, headers=dict(h))))
        return seen["status"], seen["headers"], out

    call.container = container
    return call


def result_of(body: bytes) -> str:
    """The OMS document inside a response envelope."""
    root = etree.fromstring(body)
    return root.find(".//{%s}*" % OMS)[0].text


def envelope(operation: str, param: str | None, document: str | None, soap12: bool = False) -> str:
    ns = SOAP12 if soap12 else SOAP11
    inner = f"<{param}>{escape(document)}</{param}>" if param and document is not None else ""
    return (f'<s:Envelope xmlns:s="{ns}"><s:Body><{operation} xmlns="{OMS}">{inner}'
            f"</{operation}></s:Body></s:Envelope>")


def xms_data(recipients, contents, user="alice", password="pw", service="SMS_SENDER",
             fmt="SMS", scheduled="", item_id=None):
    to = "".join(f"<recipient>{r}</recipient>" for r in recipients)
    body = "".join(f"<content>{escape(c)}</content>" for c in contents)
    when = f"<scheduled>{scheduled}</scheduled>" if scheduled else ""
    ident = f' id="{item_id}"' if item_id is not None else ""
    return (f'<xmsData xmlns="{OMS}"{ident}><user><userId>{user}</userId><password>{password}'
            f"</password></user><xmsHead>{when}<requiredService>{service}</requiredService>"
            f'<to>{to}</to></xmsHead><xmsBody format="{fmt}">{body}</xmsBody></xmsData>')


def deliver(oms, document: str, soap12: bool = False) -> etree._Element:
    status, _headers, body = oms(envelope("DeliverXms", "xmsData", document, soap12), soap12)
    assert status.startswith("200"), body
    return etree.fromstring(result_of(body).encode())


def errors(response) -> list[tuple[str, str | None, str | None]]:
    return [(e.get("code"), e.findtext(f"{{{OMS}}}content"), e.findtext(f"{{{OMS}}}recipientList"))
            for e in response.findall(f"{{{OMS}}}error")]


def history(oms):
    return oms.container.use_cases.history.get_messages(Credentials("alice", "pw")).items


@pytest.mark.parametrize("name,soap12", [
    ("get_service_info", False), ("get_user_info", False),
    ("get_user_info_wrong_password", True), ("deliver_xms", True),
])
def test_golden_pairs(oms, name, soap12):
    suffix = "soap12" if soap12 else "soap11"
    status, headers, body = oms((DATA / f"{name}.{suffix}.request.xml").read_bytes(), soap12)
    assert status.startswith("200")
    assert headers["Content-Type"].startswith("application/soap+xml" if soap12 else "text/xml")
    assert etree.fromstring(body).tag == f"{{{SOAP12 if soap12 else SOAP11}}}Envelope"
    assert canonical(result_of(body)) == canonical((DATA / f"{name}.response.xml").read_bytes())


def test_each_content_is_a_separate_sms_to_every_recipient_visible_in_the_native_api(oms):
    (DATA / "deliver_xms.soap12.request.xml").read_bytes()
    oms((DATA / "deliver_xms.soap12.request.xml").read_bytes(), True)
    sent = history(oms)
    assert sorted((m.recipient, m.text) for m in sent) == [
        ("+79991234567", "part 1"), ("+79991234567", "part 2"),
        ("+79991234568", "part 1"), ("+79991234568", "part 2")]
    assert all(m.sender == "ACME" and m.scheduled_at is None for m in sent)  # 2009 means now
    views = oms.container.use_cases.statuses.get_status(
        GetStatus(Credentials("alice", "pw"), [m.id for m in sent]))
    assert {v.status_name for v in views} == {"QUEUED"}


def test_bad_numbers_are_listed_and_the_others_still_sent(oms):
    response = deliver(oms, xms_data(["+79991234567", "123", "abc"], ["hi"]))
    assert errors(response) == [("invalidRecipient", "invalid or blocked numbers", "123;abc")]
    assert [m.recipient for m in history(oms) if m.status.canonical_name == "QUEUED"] == ["+79991234567"]


def test_a_future_schedule_is_kept_and_one_too_far_ahead_is_refused(oms):
    from datetime import datetime, timedelta, timezone
    when = (datetime.now(timezone.utc) + timedelta(days=10)).replace(microsecond=0)
    deliver(oms, xms_data(["+79991234567"], ["later"], scheduled=when.strftime("%Y-%m-%dT%H:%M:%SZ")))
    assert history(oms)[0].scheduled_at == when
    [(code, text, _)] = errors(deliver(oms, xms_data(["+79991234567"], ["x"],
                                                      scheduled="2099-01-01T10:00:00Z")))
    assert code == "other" and "days ahead" in text


@pytest.mark.parametrize("kwargs,content", [
    (dict(recipients=[f"+799912345{n:02d}" for n in range(51)], contents=["x"]), "recipients"),
    (dict(recipients=["+79991234567"], contents=["a"] * 21), "messages"),
    (dict(recipients=["+79991234567"], contents=["x" * 1001]), "characters"),
    (dict(recipients=[], contents=["x"]), "no recipient"),
    (dict(recipients=["+79991234567"], contents=[]), "no SMS content"),
])
def test_limits_of_service_info_are_enforced_with_other(oms, kwargs, content):
    [(code, text, _)] = errors(deliver(oms, xms_data(**kwargs)))
    assert code == "other" and content in text
    assert history(oms) == []


def test_low_balance_names_the_balance_and_the_price(oms):
    [(code, text, _)] = errors(deliver(oms, xms_data(["+79991234567", "+79991234568"],
                                                      ["ж" * 700])))   # 11 parts x 2 = 22.00
    assert code == "lowBalance" and "balance 10" in text and "price 22" in text
    assert history(oms) == []


@pytest.mark.parametrize("user,password,code", [
    ("alice", "wrong", "invalidUser"), ("nobody", "pw", "invalidUser"),
])
def test_authentication_failures(oms, user, password, code):
    assert errors(deliver(oms, xms_data(["+79991234567"], ["x"], user, password)))[0][0] == code


def test_blocked_accounts_and_foreign_ips_are_refused(oms):
    accounts = oms.container.use_cases.accounts
    accounts.configure("alice", allowed_ips=["10.0.0.0/8"])
    assert errors(deliver(oms, xms_data(["+79991234567"], ["x"])))[0][0] == "unregisteredUser"
    accounts.configure("alice", allowed_ips=[], blocked=True)
    assert errors(deliver(oms, xms_data(["+79991234567"], ["x"])))[0][0] == "expiredUser"
    status, _h, body = oms(envelope("GetUserInfo", "xmsUser",
                                    f'<xmsUser xmlns="{OMS}"><userId>alice</userId>'
                                    "<password>pw</password></xmsUser>"))
    assert b"expiredUser" in result_of(body).encode()


def test_mms_is_an_unregistered_service(oms):
    assert errors(deliver(oms, xms_data(["+79991234567"], ["x"], service="MMS_SENDER"))) == [
        ("unregisteredService", "MMS", None)]


@pytest.mark.parametrize("document,reason", [
    ("<xmsData", "malformed"),
    ("<xmsData xmlns='urn:other'/>", "namespace"),
    (f'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]><xmsData xmlns="{OMS}"/>', "DTD"),
    (f'<xmsData xmlns="{OMS}"><user/></xmsData>', "needs"),
    ("", "missing"),
    (xms_data(["+79991234567"], ["x"], scheduled="tomorrow"), "dateTime"),
])
def test_malformed_inner_documents_answer_other_never_a_500(oms, document, reason):
    [(code, text, _)] = errors(deliver(oms, document))
    assert code == "other" and reason in text


def test_a_batch_answers_one_response_per_item_linked_by_id(oms):
    batch = (f'<xmsBatch xmlns="{OMS}">' + xms_data(["+79991234567"], ["one"], item_id="a1")
             + xms_data(["+79991234568"], ["two"], password="bad", item_id="b2")
             + f'<other xmlns="{OMS}"/></xmsBatch>')
    status, _h, body = oms(envelope("DeliverXmsBatch", "packageXml", batch))
    responses = etree.fromstring(result_of(body).encode())
    assert responses.tag == f"{{{OMS}}}xmsResponses"
    assert [(r.get("id"), r[0].get("code")) for r in responses] == [
        ("a1", "ok"), ("b2", "invalidUser"), ("2", "other")]


def test_send_xms_is_the_legacy_name_of_deliver_xms(oms):
    status, _h, body = oms(envelope("SendXms", "xmsData", xms_data(["+79991234567"], ["x"])))
    assert b"SendXmsResult" in body and b"ok" in result_of(body).encode()


@pytest.mark.parametrize("body", [b"<garbage", b"", b"<a/>", envelope("Nope", None, None).encode(),
                                  b'<!DOCTYPE x [<!ENTITY a "b">]><x/>'])
def test_a_bad_envelope_is_a_soap_fault(oms, body):
    status, headers, out = oms(body)
    assert status.startswith("500") and b"Fault" in out and headers["Content-Type"].startswith("text/xml")


def test_a_soap12_fault_uses_soap12(oms):
    status, headers, out = oms(envelope("Nope", None, None, soap12=True), soap12=True)
    assert b"soap:Sender" in out and headers["Content-Type"].startswith("application/soap+xml")


def test_the_wsdl_is_the_committed_contract_and_get_is_not_a_call(oms):
    status, _h, body = oms(b"", method="GET", query="wsdl")
    committed = (Path(__file__).resolve().parents[2] / "wsdl" / "oms.wsdl").read_bytes()
    assert status.startswith("200") and body == committed
    assert oms(b"", method="GET")[0].startswith("405")
