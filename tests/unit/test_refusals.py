"""A request gunicorn refuses before any door (bad framing, a line or header too long) is
answered in the shape of the door its path names, never gunicorn's HTML page, and the answer
never echoes the request line (credentials in its query string)."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from service.api.refusals import refusal, target_of
from service.server.worker import door_answer

SOAP11 = "{http://schemas.xmlsoap.org/soap/envelope/}"
TNS = "{urn:smsgw:v1}"


def test_soap_gets_a_typed_fault():
    ctype, body = refusal("/soap?x=1", "the request cannot be read: Bad Request")
    root = etree.fromstring(body)
    assert ctype.startswith("text/xml")
    assert root.findtext(f"{SOAP11}Body/{SOAP11}Fault/detail/{TNS}SmsgwFault/{TNS}code") == "1"


@pytest.mark.parametrize("path", ["/oms", "/sys/soap.php"])
def test_the_other_xml_doors_get_a_soap_fault(path):
    _ctype, body = refusal(path, "no")
    assert etree.fromstring(body).find(f"{SOAP11}Body/{SOAP11}Fault") is not None


@pytest.mark.parametrize("query,expected", [
    ("login=a&psw=secret", b"ERROR = 1 (parameters error)"),
    ("fmt=1", b"0,-1"), ("fmt=3&psw=secret", b'{"error": "parameters error", "error_code": 1}')])
def test_smsc_http_gets_error_1_in_the_format_asked(query, expected):
    assert refusal(f"/sys/send.php?{query}", "no")[1] == expected


@pytest.mark.parametrize("target", ["/api/Sms/Send", "/nowhere", "*", "", "http://h/x?psw=s"])
def test_everything_else_gets_the_envelope(target):
    ctype, body = refusal(target, "the request cannot be read: URI Too Long")
    assert ctype == "application/json"
    assert json.loads(body) == {"code": 1, "data": {"field": "request"},
                                "message": "the request cannot be read: URI Too Long"}


def test_the_answer_is_a_closing_http_response_without_the_request_line():
    raw = door_answer(target_of(b"GET /sys/balance.php?login=a&psw=s3cret HTTP/1.1\r\n"),
                      "414 URI Too Long", "the request cannot be read: URI Too Long")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414 URI Too Long\r\nConnection: close\r\n")
    assert f"Content-Length: {len(body)}".encode() in head
    assert b"s3cret" not in raw and b"<html" not in raw


def test_target_of_a_line_without_a_target_is_empty():
    assert target_of(b"GARBAGE") == "" and target_of(b"\r\nGET /x HTTP/1.1") == "/x"
