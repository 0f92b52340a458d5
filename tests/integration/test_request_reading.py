"""Every door reads its request one way (service/api/reading.py): chunked works, a body over
the limit is the door's own error and never a truncated request, strings the database cannot
store are the door's validation error before authentication, and credentials are taken
exactly as sent on every door. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.wsgi_doors import (MAX_BYTES, SOAP12, Gateway, oms_error, oms_send, oms_user_info,
                              smsc_soap, smsc_soap_result, smsc_soap_send, soap_send)

FORM = "application/x-www-form-urlencoded"
SEND_FORM = {"login": "alice", "psw": "pw", "phones": "+79991234567", "mes": "Hi"}
API_FORM = {"login": "alice", "password": "pw", "recipients": "+79991234567", "text": "Hi"}


@pytest.fixture
def gw(database_url):
    gateway = Gateway(database_url)
    yield gateway
    gateway.close()


def xml_doors():
    """(path, body of a 1-SMS send with this text, basic auth) for each XML door."""
    return [("/soap", soap_send, ("alice", "pw")), ("/oms", oms_send, None),
            ("/sys/soap.php", smsc_soap_send, None)]


# --- chunked bodies and the size limit ------------------------------------------------------

@pytest.mark.parametrize("path,make,basic", xml_doors())
def test_a_chunked_xml_request_works_on_every_xml_door(gw, path, make, basic):
    reply = gw.call(path, make("Hi"), chunked=True, basic=basic)
    assert reply.code == 200, reply.text
    assert gw.stored_texts() == ["Hi"]


@pytest.mark.parametrize("path,body,content_type", [
    ("/sys/send.php", urlencode(SEND_FORM), FORM),
    ("/api/Sms/Send", urlencode(API_FORM), FORM),
    ("/api/Sms/Send", json.dumps(API_FORM), "application/json"),
])
def test_a_chunked_form_or_json_request_works(gw, path, body, content_type):
    reply = gw.call(path, body, chunked=True, content_type=content_type)
    assert reply.code == 200, reply.text
    assert gw.stored_texts() == ["Hi"]


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("path,make,basic", xml_doors())
def test_an_xml_body_over_the_limit_is_the_doors_fault_not_a_cut_request(gw, path, make, basic,
                                                                         chunked):
    body = make("x" * (MAX_BYTES + 10))
    reply = gw.call(path, body, chunked=chunked, basic=basic)
    assert reply.code == 413 and reply.soap_fault() is not None, reply.text
    if path == "/soap":
        assert reply.typed_code() == 12 and reply.typed_field() == "body"
    assert gw.untouched()


@pytest.mark.parametrize("path,make,basic", xml_doors())
def test_a_body_exactly_at_the_limit_is_read_whole(gw, path, make, basic):
    body = make("Hi").encode()
    body += b" " * (MAX_BYTES - len(body))  # trailing whitespace after the envelope is fine
    for chunked in (False, True):
        assert gw.call(path, body, chunked=chunked, basic=basic).code in (200,)
    assert len(gw.stored_texts()) in (1, 2)  # smsc refuses the identical second send (error 9)


@pytest.mark.parametrize("chunked", [False, True])
def test_an_smsc_form_over_the_limit_is_error_1_not_a_truncated_send(gw, chunked):
    # Before: the body was cut at the limit and "mes=Hi&pad=..." still sent an SMS.
    body = urlencode({**SEND_FORM, "pad": "x" * MAX_BYTES})
    reply = gw.call("/sys/send.php", body, content_type=FORM, chunked=chunked, query="fmt=3")
    assert reply.code == 200 and reply.json() == {"error": "parameters error", "error_code": 1}
    assert gw.untouched()


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("content_type", [FORM, "application/json"])
def test_an_api_body_over_the_limit_is_a_constraint_violation(gw, chunked, content_type):
    body = json.dumps({**API_FORM, "pad": "x" * MAX_BYTES}) if "json" in content_type \
        else urlencode({**API_FORM, "pad": "x" * MAX_BYTES})
    reply = gw.call("/api/Sms/Send", body, content_type=content_type, chunked=chunked)
    assert reply.json()["code"] == 12, reply.text
    assert gw.untouched()


def test_a_body_shorter_than_its_content_length_is_refused_not_guessed(gw):
    body = soap_send("Hi").encode()
    for path in ("/soap", "/oms", "/sys/soap.php"):
        reply = gw.call(path, body[: len(body) // 2], basic=("alice", "pw"),
                        content_length=len(body))
        assert reply.code == 400 and reply.soap_fault() is not None, reply.text
    assert gw.untouched()


@pytest.mark.parametrize("path,make,basic", xml_doors())
def test_the_http_charset_decides_how_xml_is_read_on_every_xml_door(gw, path, make, basic):
    body = make("Привет").encode("cp1251")  # no XML declaration: only the header says so
    reply = gw.call(path, body, content_type="text/xml; charset=windows-1251", basic=basic)
    assert reply.code == 200, reply.text
    for content_type in ("text/xml; charset=utf-16", "text/xml; charset=no-such-charset"):
        reply = gw.call(path, make("Hi").encode(), content_type=content_type, basic=basic)
        assert reply.code == 500 and reply.soap_fault() is not None, reply.text
    assert gw.stored_texts() == ["Привет"]


# --- media types ----------------------------------------------------------------------------

def test_soap_and_oms_refuse_a_media_type_they_do_not_speak(gw):
    for content_type in (FORM, "application/json", "text/plain", "multipart/form-data; b=x",
                         None):
        reply = gw.call("/soap", soap_send(), content_type=content_type, basic=("alice", "pw"))
        assert reply.code == 415 and reply.typed_code() == 1, reply.text
        assert reply.typed_field() == "Content-Type"
        reply = gw.call("/oms", oms_send(), content_type=content_type)
        assert reply.code == 415 and reply.soap_fault() is not None
    assert gw.untouched()


def test_the_api_refuses_a_body_it_would_not_read_instead_of_ignoring_it(gw):
    for content_type in ("text/plain", "application/xml", "multipart/related; boundary=x"):
        for chunked in (False, True):
            reply = gw.call("/api/Sms/Send", json.dumps(API_FORM), content_type=content_type,
                            chunked=chunked, query=urlencode(API_FORM))
            envelope = reply.json()
            assert envelope["code"] == 1 and envelope["data"] == {"field": "Content-Type"}
    reply = gw.call("/api/Sms/Send", b"", content_type="text/plain", query=urlencode(API_FORM))
    assert reply.json()["code"] == 0  # no body: nothing to refuse, the query is the request
    assert gw.stored_texts() == ["Hi"]


def test_oms_answers_a_refusal_in_the_soap_version_asked_for(gw):
    reply = gw.call("/oms", oms_send(ns=SOAP12) + " " * MAX_BYTES,
                    content_type="application/soap+xml; charset=utf-8")
    assert reply.code == 413 and reply.headers["Content-Type"].startswith("application/soap+xml")
    assert reply.soap_fault().tag == f"{{{SOAP12}}}Fault"


def test_the_smsc_http_door_reads_multipart_form_data_too(gw):
    boundary = "b0undary"
    body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                   for k, v in SEND_FORM.items()) + f"--{boundary}--\r\n"
    reply = gw.call("/sys/send.php", body, content_type=f"multipart/form-data; boundary={boundary}",
                    query="fmt=3")
    assert "id" in reply.json(), reply.text
    assert gw.stored_texts() == ["Hi"]


# --- strings PostgreSQL cannot store: the door's validation error, before authentication ---

def test_a_nul_in_any_smsc_http_parameter_is_error_1(gw):
    for field in ("login", "psw", "mes", "phones", "sender", "apikey", "a\x00"):
        params = urlencode({**SEND_FORM, "fmt": "3", field: "a\x00b"})
        for reply in (gw.call("/sys/send.php", query=params, method="GET"),
                      gw.call("/sys/send.php", params, content_type=FORM)):
            assert reply.json() == {"error": "parameters error", "error_code": 1}, reply.text
    assert gw.untouched()


def test_a_nul_in_the_smsc_login_is_not_a_login_failure(gw):
    reply = gw.call("/sys/balance.php", method="GET", query="login=al%00ice&psw=pw&fmt=3")
    assert reply.json()["error_code"] == 1  # not 2: it never reached authentication


def test_a_nul_in_any_api_parameter_names_the_field(gw):
    for field in ("login", "password", "text", "recipients", "sender"):
        values = {**API_FORM, field: "a\x00b"}
        for reply in (gw.call("/api/Sms/Send", urlencode(values), content_type=FORM),
                      gw.call("/api/Sms/Send", method="GET", query=urlencode(values)),
                      gw.call("/api/Sms/Send", json.dumps(values),
                              content_type="application/json")):
            envelope = reply.json()
            assert envelope["code"] == 1 and envelope["data"] == {"field": field}, envelope
    assert gw.untouched()


def test_nul_or_a_lone_surrogate_anywhere_in_json_names_the_field(gw):
    for value in ('"a\\ud800b"', '["+79991234567", "\\u0000"]', '{"x": ["\\udfff"]}',
                  '{"\\u0000": 1}'):
        # Built as text: json.dumps would escape what is under test. recipients is left out
        # of the base object, since a repeated key is refused on its own (as the body's).
        base = {k: v for k, v in API_FORM.items() if k != "recipients"}
        body = json.dumps(base)[:-1] + f', "recipients": {value}}}'
        reply = gw.call("/api/Sms/Send", body, content_type="application/json")
        assert reply.json()["code"] == 1 and reply.json()["data"] == {"field": "recipients"}
    assert gw.untouched()


@pytest.mark.parametrize("login,password,field", [("al\x00ice", "pw", "login"),
                                                  ("alice", "p\x00w", "password")])
def test_a_nul_in_http_basic_is_a_validation_error_on_soap_and_api(gw, login, password, field):
    reply = gw.call("/soap", soap_send(), basic=(login, password))
    assert reply.typed_code() == 1 and reply.typed_field() == field, reply.text
    reply = gw.call("/api/Account/GetBalance", method="GET", basic=(login, password))
    assert reply.json()["code"] == 1 and reply.json()["data"] == {"field": field}
    assert gw.untouched()


def test_a_nul_character_reference_in_xml_credentials_is_a_fault_on_every_xml_door(gw):
    replies = [
        gw.call("/sys/soap.php", smsc_soap("balance", {}, raw={"login": "al&#0;ice", "psw": "pw"})),
        gw.call("/oms", oms_user_info("alice", "pw").replace("alice", "al&amp;#0;ice")),
        gw.call("/oms", oms_user_info("alice", "pw").replace("<s:Body>", "<s:Body>&#0;")),
    ]
    assert replies[0].code == 500 and replies[0].soap_fault() is not None
    assert oms_error(replies[1]) == "invalidUser"  # the inner document is not well-formed
    assert replies[2].code == 500 and replies[2].soap_fault() is not None


# --- credentials: the same rules on every door (nothing trimmed anywhere) --------------------

def signs_in(gw: Gateway, login: str, password: str) -> dict[str, bool]:
    """Whether these credentials are accepted, door by door (a balance query or its like)."""
    wsse = (f'<s:Header><w:Security xmlns:w="http://docs.oasis-open.org/wss/2004/01/'
            f'oasis-200401-wss-wssecurity-secext-1.0.xsd"><w:UsernameToken><w:Username>{login}'
            f"</w:Username><w:Password>{password}</w:Password></w:UsernameToken></w:Security>"
            "</s:Header>")
    balance = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
               'xmlns:t="urn:smsgw:v1">{h}<s:Body><t:GetBalance/></s:Body></s:Envelope>')
    query = urlencode({"login": login, "psw": password, "fmt": "3"})
    api = urlencode({"login": login, "password": password})
    return {
        "soap basic": gw.call("/soap", balance.format(h=""), basic=(login, password)).code == 200,
        "soap ws-security": gw.call("/soap", balance.format(h=wsse)).code == 200,
        "oms": oms_error(gw.call("/oms", oms_user_info(login, password))) == "ok",
        "smsc soap": "balance" in smsc_soap_result(gw.call("/sys/soap.php", smsc_soap(
            "balance", {"login": login, "psw": password}))),
        "smsc http": "balance" in gw.call("/sys/balance.php", method="GET", query=query).json(),
        "api form": gw.call("/api/Account/GetBalance", api, content_type=FORM).json()["code"] == 0,
        "api basic": gw.call("/api/Account/GetBalance", method="GET",
                             basic=(login, password)).json()["code"] == 0,
    }


def test_a_password_with_spaces_works_exactly_as_set_on_every_door(gw):
    assert all(signs_in(gw, "bob", " pw ").values())


def test_trimmed_or_padded_credentials_fail_on_every_door(gw):
    # Before: OMS trimmed the user id and password, so "alice " signed in there only.
    for login, password in [("bob", "pw"), ("bob", " pw"), ("alice ", "pw"), (" alice", "pw"),
                            ("alice", "pw "), ("alice", " pw"), ("alice\t", "pw")]:
        accepted = signs_in(gw, login, password)
        assert not any(accepted.values()), (login, password, accepted)
    assert all(signs_in(gw, "alice", "pw").values())
