"""Real gunicorn: chunked requests (http.client) work on every door and are refused whole past
the limit; and after a run that provokes errors with credentials in query strings, forms,
HTTP Basic headers, JSON and SOAP bodies, no secret appears in the error or access log."""

from __future__ import annotations

import base64
import http.client
import json
import socket
from urllib.parse import urlencode, urlsplit

import pytest

from tests.e2e.conftest import start_server, stop_server
from tests.wsgi_doors import (multipart_related, oms_send, oms_user_info, smsc_soap,
                              smsc_soap_send, soap_send)

LIMIT = 64 * 1024
PASSWORD = "Pw-0f-Al1ce-xyz"  # the account's real password
WRONG = "Wr0ng-Guess-qrs"  # a wrong one a client might send
SECRETS = (PASSWORD, WRONG)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reading")
    server, proc = start_server(tmp, {"SMSGW_LOG_LEVEL": "debug",
                                      "SMSGW_MAX_REQUEST_BYTES": str(LIMIT)}, keep_stdout=True)
    created = server.admin("account", "create", "alice", "--password", PASSWORD, "--balance", "100")
    assert created.returncode == 0, created.stderr
    key = server.admin("account", "apikey", "create", "alice")
    assert key.returncode == 0, key.stderr
    server.api_key = key.stdout.strip().split()[-1]
    server.tmp, server.proc = tmp, proc
    yield server
    stop_server(proc)


def post(gateway, path: str, body: bytes, content_type: str, *, chunked: bool, query: str = "",
         headers: dict | None = None) -> tuple[int, bytes]:
    url = urlsplit(gateway.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    all_headers = {"Content-Type": content_type, **(headers or {})}
    if chunked:  # an iterable body and no Content-Length: http.client sends it chunked
        pieces = [body[i:i + 1000] for i in range(0, len(body), 1000)]
        conn.request("POST", path + (f"?{query}" if query else ""), body=iter(pieces),
                     headers=all_headers, encode_chunked=True)
    else:
        conn.request("POST", path + (f"?{query}" if query else ""), body=body,
                     headers=all_headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def basic(login: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


def xml_requests(text: str):
    return [("/soap", soap_send(text), basic("alice", PASSWORD)),
            ("/oms", oms_send(text, password=PASSWORD), {}),
            ("/sys/soap.php", smsc_soap_send(text).replace("<psw>pw</psw>",
                                                            f"<psw>{PASSWORD}</psw>"), {})]


def test_chunked_requests_work_on_every_door(gateway):
    for path, body, headers in xml_requests("chunked"):
        status, data = post(gateway, path, body.encode(), "text/xml; charset=utf-8",
                            chunked=True, headers=headers)
        assert status == 200 and b"Fault" not in data, (path, data)
        assert b'error code="ok"' in data if path == "/oms" else b"error" not in data, data
    form = urlencode({"login": "alice", "psw": PASSWORD, "phones": "+79991234568",
                      "mes": "chunked form", "fmt": "3"}).encode()
    status, data = post(gateway, "/sys/send.php", form, "application/x-www-form-urlencoded",
                        chunked=True)
    assert status == 200 and "id" in json.loads(data), data
    payload = json.dumps({"login": "alice", "password": PASSWORD, "recipients": ["+79991234569"],
                          "text": "chunked json"}).encode()
    status, data = post(gateway, "/api/Sms/Send", payload, "application/json", chunked=True)
    assert status == 200 and json.loads(data)["code"] == 0, data


def test_a_chunked_body_over_the_limit_is_each_doors_error_never_a_cut_request(gateway):
    for path, body, headers in xml_requests("x" * (LIMIT + 100)):
        status, data = post(gateway, path, body.encode(), "text/xml; charset=utf-8",
                            chunked=True, headers=headers)
        assert status == 413 and b"Fault" in data, (path, status, data[:300])
    form = urlencode({"login": "alice", "psw": PASSWORD, "phones": "+79991234567", "mes": "cut",
                      "pad": "x" * LIMIT}).encode()
    status, data = post(gateway, "/sys/send.php", form, "application/x-www-form-urlencoded",
                        chunked=True, query="fmt=3")  # the body is never read: fmt must be here
    assert json.loads(data) == {"error": "parameters error", "error_code": 1}
    payload = json.dumps({"login": "alice", "password": PASSWORD, "recipients": ["+79991234567"],
                          "text": "cut", "pad": "x" * LIMIT}).encode()
    status, data = post(gateway, "/api/Sms/Send", payload, "application/json", chunked=True)
    assert json.loads(data)["code"] == 12, data
    status, data = post(gateway, "/api/Sms/Send", urlencode(json.loads(payload)).encode(),
                        "application/x-www-form-urlencoded", chunked=True)
    assert json.loads(data)["code"] == 12, data
    history = gateway.admin("account", "show", "alice")
    assert history.returncode == 0  # the gateway is still there, and healthy:
    status, _ = post(gateway, "/sys/send.php", b"", "text/plain", chunked=False,
                     query="login=alice&psw=x&fmt=3")
    assert status == 200


def test_soap_with_attachments_is_each_xml_doors_typed_refusal_not_an_html_page(gateway):
    for path, body, headers in xml_requests("&e;"):
        hostile = '<!DOCTYPE x [<!ENTITY e "EXPANDED">]>' + body
        for content_id in ("<root>", None):  # a root part without a Content-ID too
            data, content_type = multipart_related(hostile.encode(), content_id)
            status, answer = post(gateway, path, data, content_type, chunked=True,
                                  headers=headers)
            assert status == 415 and b"Fault" in answer and b"<html" not in answer.lower()


def raw_request(gateway, line: bytes) -> bytes:
    """Send bytes gunicorn itself must refuse (an invalid request line, say)."""
    url = urlsplit(gateway.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(line)
        try:
            return sock.recv(65536)
        except OSError:
            return b""


def test_no_credential_reaches_any_log_line(gateway):
    base = gateway.base_url
    api_key = gateway.api_key
    get = lambda path, **kw: http_get(base + path, **kw)  # noqa: E731
    for password in SECRETS:
        creds = {"login": "alice", "psw": password}
        # smsc over HTTP: bad ids (unicode digits), bad times, unknown formats, wrong passwords
        for extra in ({"id": "²", "phone": "+79991234567"}, {"id": "0²", "phone": "x"},
                      {"id": "1", "phone": "+79991234567", "time": "099999999999999999"},
                      {"id": "1" * 5000, "phone": "1"}, {"id": "a\x00b", "phone": "1"}):
            get("/sys/status.php?" + urlencode({**creds, **extra}))
        get("/sys/send.php?" + urlencode({**creds, "phones": "x", "mes": "m", "time": "0²"}))
        get("/sys/balance.php?" + urlencode({**creds, "apikey": api_key}))
        post(gateway, "/sys/send.php", urlencode({**creds, "phones": "1", "mes": "m",
                                                   "pad": "x" * LIMIT}).encode(),
             "application/x-www-form-urlencoded", chunked=True)
        # HTTP API: form, JSON, query, Basic and Bearer
        post(gateway, "/api/Sms/Send", urlencode({"login": "alice", "password": password,
                                                   "recipients": "²"}).encode(),
             "application/x-www-form-urlencoded", chunked=False)
        post(gateway, "/api/Sms/Send", json.dumps({"login": "alice", "password": password,
                                                    "text": "x" * 10,
                                                    "recipients": [[[]]]}).encode(),
             "application/json", chunked=True)
        post(gateway, "/api/Sms/Send", b"{not json", "application/json", chunked=False,
             headers=basic("alice", password))
        get(f"/api/Messages/List?login=alice&password={password}&page=1000000000000000000")
        get("/api/Account/GetBalance", headers={"Authorization": f"Bearer {api_key}"})
        get(f"/api/Account/GetBalance?apikey={api_key}x")
        # SOAP doors: wrong passwords, malformed bodies holding the password, DOCTYPEs
        post(gateway, "/soap", soap_send("&e;").encode(), "text/xml", chunked=False,
             headers=basic("alice", password))
        post(gateway, "/soap", b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
             b"<s:Header><w:Security xmlns:w='x'><w:Password>" + password.encode()
             + b"</w:Password>", "text/xml", chunked=True)
        post(gateway, "/oms", oms_user_info("alice", password).encode(), "text/xml",
             chunked=False)
        post(gateway, "/oms", oms_send("<", password=password).encode(), "text/xml",
             chunked=True)
        post(gateway, "/sys/soap.php", smsc_soap("balance", {"login": "alice", "psw": password},
                                                 prolog='<!DOCTYPE x [<!ENTITY e "y">]>')
             .encode(), "text/xml", chunked=False)
        # requests gunicorn itself refuses, request line and all
        raw_request(gateway, f"GET /sys/status.php?psw={password}&x=\x01 HTTP/1.1\r\n\r\n"
                    .encode())
        raw_request(gateway, f"GET /sys/status.php?login=alice&psw={password} HTTP/9.9\r\n\r\n"
                    .encode())
        raw_request(gateway, f"GET /sys/balance.php?psw={password} HTTP/1.1\r\nHost: x\r\n"
                    f"Authorization: Basic {base64.b64encode(password.encode()).decode()}\r\n"
                    "Bad Header\r\n\r\n".encode())
    status, _ = http_get(base + "/health")
    assert status == 200  # still healthy
    gateway.proc.terminate()  # flush and close both logs before reading them
    gateway.proc.wait(timeout=15)
    error_log = (gateway.tmp / "gunicorn.log").read_text(errors="replace")
    access_log = (gateway.tmp / "gunicorn.out").read_text(errors="replace")
    assert "/sys/status.php" in access_log and "psw=[redacted]" in access_log  # logs were on
    assert "Invalid request" in error_log or "Invalid" in error_log
    for secret in (*SECRETS, api_key, api_key.split("_")[-1],
                   base64.b64encode(f"alice:{PASSWORD}".encode()).decode()):
        assert secret not in error_log, f"{secret!r} in the error log"
        assert secret not in access_log, f"{secret!r} in the access log"
    assert "Error handling request" not in error_log  # nothing escaped the app to gunicorn


def http_get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.putrequest("GET", path, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    conn.endheaders()
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data
