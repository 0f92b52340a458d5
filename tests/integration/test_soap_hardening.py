"""Malformed, hostile and oversized SOAP input: every case is a typed fault, never a 500 page,
and a rejected request stores nothing and debits nothing. Runs the WSGI app in-process."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import func, select

from service.bootstrap import build_container, build_wsgi_app
from service.config import Settings
from service.persistence.migrate import upgrade
from service.persistence.tables import messages

NS = {"s": "http://schemas.xmlsoap.org/soap/envelope/", "t": "urn:smsgw:v1"}
ENVELOPE = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:t="urn:smsgw:v1">{header}<s:Body>{body}</s:Body></s:Envelope>')
SEND = "<t:SendSms><t:recipients>+79991234567</t:recipients><t:text>Hi</t:text>{extra}</t:SendSms>"


class Reply:
    def __init__(self, status: str, headers: list, body: bytes) -> None:
        self.status, self.headers, self.body = status, dict(headers), body
        self.code = int(status.split()[0])

    @property
    def xml(self):
        return etree.fromstring(self.body)

    def fault(self) -> dict:
        fault = self.xml.find(".//s:Fault", NS)
        assert fault is not None, self.body
        detail = fault.find("detail")
        typed = detail[0] if detail is not None and len(detail) else None
        return {
            "faultcode": fault.findtext("faultcode"),
            "code": int(typed.findtext("t:code", namespaces=NS)) if typed is not None else None,
            "field": typed.findtext("t:field", namespaces=NS) if typed is not None else None,
        }


@pytest.fixture
def gw(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}", max_request_bytes=64 * 1024)
    container = build_container(settings)
    upgrade(container.engine)
    container.use_cases.accounts.create("alice", "pw", Decimal("10"))
    app = build_wsgi_app(container)

    def call(body: bytes | str, *, auth=("alice", "pw"), method="POST", query="",
             content_type="text/xml; charset=utf-8") -> Reply:
        body = body.encode() if isinstance(body, str) else body
        env = {"REQUEST_METHOD": method, "PATH_INFO": "/soap", "QUERY_STRING": query,
               "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "t",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
        if auth:
            env["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
        seen = {}
        out = b"".join(app(env, lambda s, h: seen.update(status=s, headers=h)))
        return Reply(seen["status"], seen["headers"], out)

    def untouched() -> bool:
        with container.engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(messages)).scalar_one()
        return count == 0 and container.use_cases.accounts.show("alice").balance == Decimal("10")

    call.untouched = untouched
    return call


def send(extra="", header=""):
    return ENVELOPE.format(header=header, body=SEND.format(extra=extra))


def assert_client_fault(reply: Reply, code: int, field: str | None = None):
    assert reply.code == 500 and reply.headers["Content-Type"].startswith("text/xml")
    fault = reply.fault()
    assert fault["faultcode"].split(":")[-1].startswith(("Client", "MustUnderstand")), fault
    assert fault["code"] == code, fault
    if field is not None:
        assert fault["field"] == field, fault
    return fault


def test_a_good_request_still_works(gw):
    reply = gw(send())
    assert reply.code == 200 and reply.xml.findtext(".//t:code", namespaces=NS) == "0"


@pytest.mark.parametrize("body", [b"<garbage", b"", b"\xff\xfe\x00junk", b"just text",
                                  b"<a><b></a>", b"<root/>"])
def test_malformed_xml_is_a_typed_client_fault(gw, body):
    assert_client_fault(gw(body), 1)
    assert gw.untouched()


@pytest.mark.parametrize("prolog", [
    '<!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file:///etc/hostname">]>',
    '<!DOCTYPE s:Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE s:Envelope SYSTEM "http://127.0.0.1:9/evil.dtd">',
])
def test_any_dtd_is_refused_before_it_can_matter(gw, prolog):
    reply = gw('<?xml version="1.0"?>' + prolog + send())
    fault = assert_client_fault(reply, 1)
    assert fault["faultcode"].endswith("Client.DTDNotAllowed")
    assert gw.untouched()


@pytest.mark.parametrize("extra,field", [
    ("<t:validityMinutes>abc</t:validityMinutes>", "validityMinutes"),
    ("<t:validityMinutes>99999999999</t:validityMinutes>", "validityMinutes"),
    ("<t:scheduledAt>tomorrow</t:scheduledAt>", "scheduledAt"),
    ("<t:unknown>1</t:unknown>", "unknown"),
])
def test_wrong_types_and_unknown_elements_name_the_field(gw, extra, field):
    assert_client_fault(gw(send(extra)), 1, field)
    assert gw.untouched()


def test_wrong_type_in_a_list_names_the_field(gw):
    body = ENVELOPE.format(header="", body="<t:GetStatus><t:messageIds>x</t:messageIds></t:GetStatus>")
    assert_client_fault(gw(body), 1, "messageIds")


@pytest.mark.parametrize("body,field", [
    ("<t:SendSms><t:text>Hi</t:text></t:SendSms>", "recipients"),
    ("<t:SendSms><t:recipients>+79991234567</t:recipients></t:SendSms>", "text"),
    ("<t:GetStatus/>", "messageIds"),
])
def test_missing_fields_are_code_11_naming_the_field(gw, body, field):
    assert_client_fault(gw(ENVELOPE.format(header="", body=body)), 11, field)
    assert gw.untouched()


def test_empty_values_are_caught_by_the_use_case(gw):
    empty_text = ENVELOPE.format(header="", body="<t:SendSms><t:recipients>+79991234567</t:recipients><t:text/></t:SendSms>")
    assert_client_fault(gw(empty_text), 11, "text")
    empty_recipient = ENVELOPE.format(header="", body="<t:SendSms><t:recipients> ; </t:recipients><t:text>x</t:text></t:SendSms>")
    assert_client_fault(gw(empty_recipient), 11, "recipients")
    assert gw.untouched()


def test_scheduled_in_the_past_means_now_and_too_far_ahead_is_refused(gw):
    past = gw(send("<t:scheduledAt>2001-01-01T00:00:00Z</t:scheduledAt>"))
    assert past.code == 200 and past.xml.findtext(".//t:statusName", namespaces=NS) == "QUEUED"
    far = gw(send("<t:scheduledAt>2999-01-01T00:00:00Z</t:scheduledAt>"))
    assert_client_fault(far, 12, "scheduledAt")


def test_an_unknown_must_understand_header_gets_a_must_understand_fault(gw):
    header = ('<s:Header><x:Tx xmlns:x="urn:other" s:mustUnderstand="1">1</x:Tx></s:Header>')
    reply = gw(send(header=header))
    assert reply.fault()["faultcode"].endswith(":MustUnderstand")
    assert gw.untouched()


def test_an_unknown_optional_header_is_ignored(gw):
    header = '<s:Header><x:Trace xmlns:x="urn:other">1</x:Trace></s:Header>'
    assert gw(send(header=header)).code == 200


def test_ws_security_with_must_understand_is_understood(gw):
    header = ('<s:Header><w:Security s:mustUnderstand="1" xmlns:w="http://docs.oasis-open.org/wss/'
              '2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><w:UsernameToken>'
              '<w:Username>alice</w:Username><w:Password>pw</w:Password></w:UsernameToken>'
              '</w:Security></s:Header>')
    assert gw(send(header=header), auth=None).code == 200


def test_an_oversized_body_is_refused_with_a_fault(gw):
    huge = send("<t:clientRef>" + "x" * 70_000 + "</t:clientRef>")
    reply = gw(huge)
    # The same constraint (code 12, field body) as /api's, with the HTTP status that says so.
    assert reply.code == 413 and reply.fault()["code"] == 12 and reply.fault()["field"] == "body"
    assert gw.untouched()


def test_thousands_of_attributes_are_rejected_quickly(gw):
    attrs = " ".join(f'a{i}="1"' for i in range(3000))
    body = ENVELOPE.format(header="", body=f"<t:GetBalance {attrs}/>")
    assert_client_fault(gw(body), 1)


def test_deep_nesting_is_a_client_fault(gw):
    body = ENVELOPE.format(header="", body="<t:GetBalance>" + "<a>" * 300 + "</a>" * 300 + "</t:GetBalance>")
    assert gw(body).fault()["code"] == 1


def test_an_unknown_operation_is_a_client_fault(gw):
    assert_client_fault(gw(ENVELOPE.format(header="", body="<t:Nope/>")), 1)


def test_a_soap_12_envelope_is_a_client_fault_not_a_crash(gw):
    body = ('<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:t="urn:smsgw:v1">'
            '<e:Body><t:GetBalance/></e:Body></e:Envelope>')
    assert_client_fault(gw(body, content_type="application/soap+xml"), 1)


def test_get_without_wsdl_is_a_fault_not_a_page(gw):
    reply = gw(b"", method="GET")
    assert reply.code == 405 and reply.fault()["code"] == 1


def test_the_wsdl_is_public(gw):
    reply = gw(b"", method="GET", query="wsdl", auth=None)
    assert reply.code == 200 and b"wsdl:definitions" in reply.body
