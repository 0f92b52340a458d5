"""What the hostile corpus (tests/hostile_corpus.py) found, each pinned where it was fixed:
a body whose framing the server's stream refuses, a SOAP envelope without a Body, smsc's
HTTP API under other methods, and percent-encoded parameters that are not UTF-8. Each is the
door's own error with nothing stored. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest

from tests.wsgi_doors import SOAP11, Gateway, Reply, oms_error, oms_send, smsc_soap_send, soap_send

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def gw(database_url):
    gateway = Gateway(database_url)
    yield gateway
    gateway.close()


class BrokenChunks(io.RawIOBase):
    """What gunicorn's chunked reader does on a malformed chunk size: raise its own error,
    which is none of werkzeug's."""

    def readable(self):
        return True

    def readinto(self, _buffer):
        raise type("InvalidChunkSize", (Exception,), {})("invalid chunk size")


def call_chunked_broken(gw, path: str, content_type: str, query: str = "") -> Reply:
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": query,
           "wsgi.input": BrokenChunks(), "wsgi.input_terminated": True,
           "HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_TYPE": content_type,
           "REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "t", "SERVER_PORT": "80",
           "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1"}
    seen: dict = {}
    out = b"".join(gw.app(env, lambda s, h, *exc: seen.update(status=s, headers=dict(h))))
    return Reply(seen["status"], seen["headers"], out)


@pytest.mark.parametrize("path,content_type", [
    ("/soap", "text/xml"), ("/oms", "text/xml"), ("/sys/soap.php", "text/xml"),
    ("/sys/send.php", FORM), ("/api/Sms/Send", FORM), ("/api/Sms/Send", "application/json")])
def test_a_body_the_servers_stream_refuses_is_the_doors_error_not_a_500(gw, path, content_type):
    reply = call_chunked_broken(gw, path, content_type)
    assert reply.code != 500 or path in ("/oms", "/sys/soap.php"), reply.text
    if path in ("/soap", "/oms", "/sys/soap.php"):
        assert reply.soap_fault() is not None, reply.text
        assert b"internal error" not in reply.body
    elif path.startswith("/sys/"):
        assert reply.text == "ERROR = 1 (parameters error)"
    else:
        assert reply.json()["code"] == 1, reply.text
    assert gw.untouched()


def test_a_soap_envelope_without_a_body_is_a_typed_fault(gw):
    reply = gw.call("/soap", f'<s:Envelope xmlns:s="{SOAP11}"><s:Header/></s:Envelope>',
                    basic=("alice", "pw"))
    assert reply.code == 500 and reply.typed_code() == 1, reply.text
    assert "no Body" in reply.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "PROPFIND"])
@pytest.mark.parametrize("script", ["send", "status", "balance"])
def test_smsc_http_answers_other_methods_with_error_1_and_does_nothing(gw, method, script):
    query = urlencode({"login": "alice", "psw": "pw", "phones": "+79991234567", "mes": "Hi",
                       "id": "1", "phone": "+79991234567", "fmt": "3"})
    reply = gw.call(f"/sys/{script}.php", b"", method=method, query=query)
    assert reply.code == 405 and reply.headers["Allow"] == "GET, POST"
    assert reply.json() == {"error": "parameters error", "error_code": 1}
    assert gw.untouched()


BAD_UTF8 = ["%FF%FE", "%C0%AF", "%ED%A0%80", "%E2%82"]


@pytest.mark.parametrize("bad", BAD_UTF8)
def test_api_parameters_that_are_not_utf8_are_refused_not_replaced(gw, bad):
    form = gw.call("/api/Sms/Send", f"recipients=%2B79991234567&text=a{bad}",
                   content_type=FORM, basic=("alice", "pw"))
    query = gw.call("/api/Sms/Send", b"", method="GET", content_type=None,
                    query=f"recipients=%2B79991234567&text=a{bad}", basic=("alice", "pw"))
    for reply in (form, query):
        assert reply.json()["code"] == 1, reply.text
    assert form.json()["data"] == {"field": "body"}
    assert query.json()["data"] == {"field": "query"}
    assert gw.untouched()


@pytest.mark.parametrize("bad", BAD_UTF8)
def test_smsc_parameters_that_are_not_text_in_their_charset_are_error_1(gw, bad):
    query = f"login=alice&psw=pw&phones=%2B79991234567&mes=a{bad}"
    assert gw.call("/sys/send.php", b"", method="GET", query=query).text == \
        "ERROR = 1 (parameters error)"
    assert gw.call("/sys/send.php", query, content_type=FORM).text == \
        "ERROR = 1 (parameters error)"
    assert gw.untouched()


def test_an_escape_that_is_no_escape_stays_literal_text(gw):
    reply = gw.call("/api/Sms/Send", "recipients=%2B79991234567&text=100%25+or+50%zz",
                    content_type=FORM, basic=("alice", "pw"))
    assert reply.json()["code"] == 0, reply.text
    assert gw.stored_texts() == ["100% or 50%zz"]


def test_cp1251_text_still_reaches_smsc_in_its_charset(gw):
    query = "login=alice&psw=pw&phones=%2B79991234567&mes=%CF%F0%E8%E2%E5%F2&charset=windows-1251"
    assert gw.call("/sys/send.php", b"", method="GET", query=query).text.startswith("OK")
    assert gw.stored_texts() == ["Привет"]


def test_oms_send_untouched_by_these_fixes(gw):
    reply = gw.call("/oms", oms_send("Hi"))
    assert oms_error(reply) == "ok"
    assert gw.call("/sys/soap.php", smsc_soap_send("Hi")).code == 200
    assert gw.call("/soap", soap_send("Hi"), basic=("alice", "pw")).code == 200


@pytest.mark.parametrize("value", ["٣", "1_000", " 5", "+5", "0x10"])
def test_the_cli_takes_rates_in_ascii_digits_only(gw, database_url, monkeypatch, capsys, value):
    from service.cli import main
    monkeypatch.setenv("SMSGW_DATABASE_URL", database_url)
    with pytest.raises(SystemExit) as exited:
        main(["account", "set", "alice", "--rate-query", value])
    assert exited.value.code != 0
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert gw.container.use_cases.accounts.show("alice").settings.rate_query is None
