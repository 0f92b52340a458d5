"""A hostile corpus against every front door, as data: each case is the exact bytes sent on the
wire, the door that must answer, and (by that door) what its own error looks like.

Used by tests/e2e/test_hostile_corpus.py (real gunicorn, SQLite and PostgreSQL) and
bench/hostile_corpus_bench.py (per-class latency against a normal request). Issue 10 asked for
every door to answer each class with its own error, with nothing stored or debited.

The gateway the corpus expects (see ``ACCOUNTS``): ``alice`` with a real password (hostile
payloads behind valid credentials), ``rapid`` whose send rate is 2 a minute, ``mallory`` whose
password an attacker guesses, and an API key of alice's (``{APIKEY}`` in a case's bytes).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from lxml import etree

from tests.wsgi_doors import (OMS, SMSC, SOAP11, SOAP12, TNS, multipart_related, oms_send,
                              oms_user_info, smsc_soap)

PASSWORD = "Al1ce-Secret-pw-93"      # alice's real password: must never reach a log
WRONG = "Gue55ed-Wrong-pw-71"        # a wrong one: must never reach a log either
RAPID_PASSWORD = "Rap1d-pw-44"
MALLORY_PASSWORD = "Mall0ry-pw-58"
SECRETS = (PASSWORD, WRONG, RAPID_PASSWORD, MALLORY_PASSWORD)
ACCOUNTS = (("alice", PASSWORD, "100"), ("rapid", RAPID_PASSWORD, "100"),
            ("mallory", MALLORY_PASSWORD, "100"))
APIKEY = "{APIKEY}"  # replaced by the runner with alice's real key
LIMIT = 64 * 1024    # SMSGW_MAX_REQUEST_BYTES of the corpus gateway
TIMEOUTS = {"SMSGW_HEADER_TIMEOUT_SECONDS": "2", "SMSGW_BODY_TIMEOUT_SECONDS": "2"}
GATEWAY_ENV = {"SMSGW_MAX_REQUEST_BYTES": str(LIMIT), "SMSGW_LOG_LEVEL": "debug", **TIMEOUTS}
PHONE = "+79991234567"


@dataclass(frozen=True)
class Case:
    """One hostile request. ``raw`` is the whole request (head and body) as sent.

    - ``door``: whose error must answer (soap, oms, smsc_soap, smsc_http, api, router, health,
      wsdl, openapi) or ``server`` for a request refused before any door (framing, head too
      large, stalled): then a bare 4xx with no HTML, or the documented drop.
    - ``stall``: after ``raw``, send nothing more for this long (the answer is 408 or a drop).
    - ``half_close``: after ``raw``, close the sending side (a client gone mid-body).
    - ``ok``: the request is legitimate (baseline, rate-limit warm-up): success is expected.
    - ``repeat``: sent this many times in a row (brute force, rate limits).
    - ``fmt``: the smsc HTTP format asked for (its error shape depends on it).
    """

    cls: str
    name: str
    door: str
    raw: bytes
    stall: float = 0.0
    half_close: bool = False
    ok: bool = False
    repeat: int = 1
    fmt: str = "0"
    storage: bool = False  # also run on PostgreSQL
    allow_drop: bool = False
    expect: str = ""  # a regular expression the answer's body must match (which error)

    def wire(self, apikey: str) -> bytes:
        return self.raw.replace(APIKEY.encode(), apikey.encode())


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode("utf-8", "surrogatepass")).decode()


ALICE = basic("alice", PASSWORD)


def request(method: str, target: str | bytes, body: bytes | str = b"", headers=(),
            *, length: bool | None = None, version: str = "HTTP/1.1", host: bool = True,
            chunked: bool = False) -> bytes:
    """The bytes of one request: ``headers`` as (name, value) pairs, duplicates kept."""
    body = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    target = target.encode() if isinstance(target, str) else target
    lines = [method.encode() + b" " + target + b" " + version.encode()]
    if host:
        lines.append(b"Host: 127.0.0.1")
    for name, value in headers:
        value = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
        lines.append(name.encode() + b": " + value)
    if chunked:
        lines.append(b"Transfer-Encoding: chunked")
        pieces = [body[i:i + 4096] for i in range(0, len(body), 4096)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    elif length or (length is None and (body or method in ("POST", "PUT", "PATCH"))):
        lines.append(b"Content-Length: " + str(len(body)).encode())
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


# --------------------------------------------------------------------------- door requests

def soap_body(op: str = "SendSms", text: str = "Hi", ns: str = SOAP11, prolog: str = "",
              recipients: list[str] | None = None, extra: str = "") -> str:
    if op == "SendSms":
        rec = "".join(f"<t:recipients>{r}</t:recipients>" for r in (recipients or [PHONE]))
        inner = f"<t:SendSms>{rec}<t:text>{text}</t:text>{extra}</t:SendSms>"
    elif op == "GetBalance":
        inner = "<t:GetBalance/>"
    else:
        inner = op
    return (f'{prolog}<s:Envelope xmlns:s="{ns}" xmlns:t="{TNS}"><s:Body>{inner}</s:Body>'
            "</s:Envelope>")


def soap(body: str | bytes, ctype: str = "text/xml; charset=utf-8", auth: str | None = ALICE,
         action: str | None = '""', method: str = "POST", headers=(), **kw) -> bytes:
    h = [("Content-Type", ctype)] if ctype else []
    if action is not None:
        h.append(("SOAPAction", action))
    if auth:
        h.append(("Authorization", auth))
    return request(method, "/soap", body, h + list(headers), **kw)


def oms(body: str | bytes, ctype: str = "text/xml; charset=utf-8", method: str = "POST",
        headers=(), **kw) -> bytes:
    h = [("Content-Type", ctype)] if ctype else []
    return request(method, "/oms", body, h + list(headers), **kw)


def oms12(body: str | bytes, **kw) -> bytes:
    return oms(body, ctype="application/soap+xml; charset=utf-8", **kw)


def smsc_send(mes: str = "Hi", login: str = "alice", psw: str = PASSWORD, prolog: str = "",
              phones: str = PHONE, raw_fields: dict | None = None) -> str:
    return smsc_soap("send", {"login": login, "psw": psw, "phones": phones}, prolog,
                     raw={"mes": mes, **(raw_fields or {})})


def smsc_post(body: str | bytes, ctype: str = "text/xml; charset=utf-8", method: str = "POST",
              headers=(), **kw) -> bytes:
    h = [("Content-Type", ctype)] if ctype else []
    return request(method, "/sys/soap.php", body, h + list(headers), **kw)


def qs(params) -> str:
    items = params.items() if isinstance(params, dict) else params
    return "&".join(f"{_q(k)}={_q(v)}" for k, v in items)


def _q(value) -> str:
    return quote(str(value).encode("utf-8", "surrogatepass"), safe="")


def smsc_http(script: str, params=None, *, raw_query: str | bytes | None = None,
              method: str = "GET", body: bytes | str = b"", headers=(), auth: bool = True,
              **kw) -> bytes:
    p = {"login": "alice", "psw": PASSWORD} if auth else {}
    p.update(params or {})
    query = raw_query if raw_query is not None else qs(p)
    query = query.encode() if isinstance(query, str) else query
    target = f"/sys/{script}.php".encode() + (b"?" + query if query else b"")
    h = list(headers)
    if body and not any(k.lower() == "content-type" for k, _ in h):
        h.append(("Content-Type", "application/x-www-form-urlencoded"))
    return request(method, target, body, h, **kw)


def api(path: str, params=None, *, how: str = "form", auth: str | None = ALICE,
        method: str | None = None, raw_body: bytes | str | None = None, ctype: str | None = None,
        raw_query: str | bytes | None = None, headers=(), **kw) -> bytes:
    h = [("Authorization", auth)] if auth else []
    target = f"/api/{path}".encode()
    body: bytes | str = b""
    if how == "query":
        method = method or "GET"
        query = raw_query if raw_query is not None else qs(params or {})
        query = query.encode() if isinstance(query, str) else query
        target += b"?" + query if query else b""
    elif how == "json":
        method = method or "POST"
        body = raw_body if raw_body is not None else json.dumps(params or {})
        h.append(("Content-Type", ctype or "application/json"))
    else:
        method = method or "POST"
        body = raw_body if raw_body is not None else qs(params or {})
        h.append(("Content-Type", ctype or "application/x-www-form-urlencoded"))
    return request(method, target, body, h + list(headers), **kw)


def send_everywhere(text: str = "Hi", login: str = "alice", password: str = PASSWORD,
                    phones: list[str] | None = None) -> list[tuple[str, bytes, str]]:
    """The same SendSms on all seven door variants: (door, bytes, fmt)."""
    phones = phones or [PHONE]
    soap_rec = phones
    auth = basic(login, password) if login is not None else None
    return [
        ("soap", soap(soap_body(text=text, recipients=soap_rec), auth=auth), "0"),
        ("oms", oms(oms_send(text, user=login, password=password).replace(
            f"<recipient>{PHONE}</recipient>".replace("<", "&lt;").replace(">", "&gt;"),
            "".join(f"&lt;recipient&gt;{p}&lt;/recipient&gt;" for p in phones))), "0"),
        ("oms", oms12(oms_send(text, ns=SOAP12, user=login, password=password)), "0"),
        ("smsc_soap", smsc_post(smsc_send(text, login=login, psw=password,
                                          phones=",".join(phones))), "0"),
        ("smsc_http", smsc_http("send", {"login": login, "psw": password,
                                         "phones": ",".join(phones), "mes": text, "fmt": "3"},
                                auth=False), "3"),
        ("api", api("Sms/Send", {"recipients": ",".join(phones), "text": text},
                    auth=auth), "0"),
        ("api", api("Sms/Send", {"recipients": phones, "text": text}, how="json", auth=auth), "0"),
        ("api", api("Sms/Send", {"recipients": ",".join(phones), "text": text}, how="query",
                    auth=auth), "0"),
    ]


# --------------------------------------------------------------------------- the classes

CASES: list[Case] = []


def add(cls: str, name: str, door: str, raw: bytes, **kw) -> None:
    CASES.append(Case(cls, name, door, raw, **kw))


def baseline() -> None:
    add("baseline", "soap GetBalance", "soap", soap(soap_body("GetBalance")), ok=True)
    add("baseline", "smsc balance", "smsc_http", smsc_http("balance", {"fmt": "3"}), ok=True,
        fmt="3")
    add("baseline", "api GetBalance", "api", api("Account/GetBalance", how="query"), ok=True)
    add("baseline", "oms GetUserInfo", "oms", oms(oms_user_info("alice", PASSWORD)), ok=True)
    add("baseline", "health", "health", request("GET", "/health"), ok=True)
    add("baseline", "wsdl", "wsdl", request("GET", "/soap?wsdl"), ok=True)
    add("baseline", "openapi", "openapi", request("GET", "/api/openapi.json"), ok=True)


XML_DOORS = (
    ("soap", lambda prolog, text: soap(soap_body(text=text, prolog=prolog))),
    ("oms", lambda prolog, text: oms(oms_send(text, prolog=prolog, password=PASSWORD))),
    ("smsc_soap", lambda prolog, text: smsc_post(smsc_send(text, prolog=prolog))),
)

DOCTYPES = {
    "internal entity": ('<!DOCTYPE r [<!ENTITY e "expanded">]>', "&e;"),
    "external entity": ('<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "&e;"),
    "external dtd": ('<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">', "Hi"),
    "parameter entity": ('<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p">%p;]>', "Hi"),
    "billion laughs": ('<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;'
                       '&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d '
                       '"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;'
                       '&d;&d;">]>', "&e;"),
    "quadratic blowup": ('<!DOCTYPE r [<!ENTITY a "' + "x" * 20000 + '">]>', "&a;" * 200),
    "doctype no subset": ("<!DOCTYPE r>", "Hi"),
    "undeclared entity": ("", "&undeclared;"),
    "xinclude": ("", '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                 'href="file:///etc/passwd" parse="text"/>'),
    "doctype after pi": ('<?xml version="1.0"?><?pi x?><!DOCTYPE r [<!ENTITY e "x">]>', "&e;"),
    "utf16 doctype": (None, None),
}


def xml_entities() -> None:
    for door, build in XML_DOORS:
        for name, (prolog, text) in DOCTYPES.items():
            if prolog is None:  # a DOCTYPE in UTF-16, declared so
                raw = build("", "Hi")
                head, _, body = raw.partition(b"\r\n\r\n")
                doc = ('<?xml version="1.0" encoding="utf-16"?><!DOCTYPE r [<!ENTITY e "x">]>'
                       + body.decode().replace(">Hi<", ">&e;<")).encode("utf-16")
                head = re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % len(doc), head)
                head = head.replace(b"charset=utf-8", b"charset=utf-16")
                add("xml_entities", name, door, head + b"\r\n\r\n" + doc, storage=True)
                continue
            add("xml_entities", name, door, build(prolog, text), storage=True)
        # SOAP with attachments: refused up front (415), whatever the root part holds.
        plain = {"soap": soap_body(text="&e;", prolog='<!DOCTYPE r [<!ENTITY e "x">]>'),
                 "oms": oms_send("&e;", prolog='<!DOCTYPE r [<!ENTITY e "x">]>',
                                 password=PASSWORD),
                 "smsc_soap": smsc_send("&e;", prolog='<!DOCTYPE r [<!ENTITY e "x">]>')}[door]
        for label, cid, root_type in (("swa doctype", "<root>", "text/xml"),
                                      ("swa no content-id", None, "text/xml"),
                                      ("swa xop", "<root>", "application/xop+xml"),
                                      ("swa soap12", "<root>", "application/soap+xml")):
            body, ctype = multipart_related(plain.encode(), cid, root_type)
            add("xml_entities", label, door, _retype(build("", "Hi"), ctype, body), storage=True)
        body, ctype = multipart_related(
            (DOCTYPES["billion laughs"][0] + "<r>&e;</r>").encode())
        add("xml_entities", "swa billion laughs", door, _retype(build("", "Hi"), ctype, body))
        body = (b'--B\r\nContent-Disposition: form-data; name="x"\r\n\r\n'
                + plain.encode() + b"\r\n--B--\r\n")
        add("xml_entities", "multipart form-data", door,
            _retype(build("", "Hi"), "multipart/form-data; boundary=B", body), storage=True)
    # /api never reads XML; a DOCTYPE in a form field is just text, but an XML body is refused
    add("xml_entities", "xml body", "api", api("Sms/Send", raw_body=soap_body(
        text="&e;", prolog='<!DOCTYPE r [<!ENTITY e "x">]>'), ctype="text/xml"), storage=True)
    body, ctype = multipart_related(b"<r/>")
    add("xml_entities", "multipart related", "api", api("Sms/Send", raw_body=body, ctype=ctype))


MARK = "ZZMARKZZ"


def fix_length(raw: bytes) -> bytes:
    """The request with its Content-Length made true again after its body was edited."""
    head, _, body = raw.partition(b"\r\n\r\n")
    return re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % len(body), head) \
        + b"\r\n\r\n" + body


def marked(build, junk: bytes) -> bytes:
    """A door's send whose text is ``junk`` bytes, exactly (any encoding, valid or not)."""
    return fix_length(build("", MARK).replace(MARK.encode(), junk))


def _retype(raw: bytes, ctype: str, body: bytes) -> bytes:
    """The same request with another Content-Type and body."""
    head = raw.partition(b"\r\n\r\n")[0]
    head = re.sub(rb"Content-Type: [^\r]*", b"Content-Type: " + ctype.encode(), head)
    head = re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % len(body), head)
    return head + b"\r\n\r\n" + body


DOOR_POSTS = (  # a valid small request per door path, to frame bodies around
    ("soap", lambda: soap(soap_body("GetBalance"))),
    ("oms", lambda: oms(oms_user_info("alice", PASSWORD))),
    ("smsc_soap", lambda: smsc_post(smsc_soap("balance", {"login": "alice", "psw": PASSWORD}))),
    ("smsc_http", lambda: smsc_http("send", method="POST", auth=False,
                                    body=qs({"login": "alice", "psw": PASSWORD,
                                             "phones": "x", "mes": "x" * 10}))),
    ("smsc_http", lambda: smsc_http("status", method="POST", auth=False,
                                    body=qs({"login": "alice", "psw": PASSWORD, "id": "1",
                                             "phone": PHONE}))),
    ("smsc_http", lambda: smsc_http("balance", method="POST", auth=False,
                                    body=qs({"login": "alice", "psw": PASSWORD}))),
    ("api", lambda: api("Sms/Send", {"recipients": "x", "text": "x"})),
    ("api", lambda: api("Sms/Send", {"recipients": ["x"], "text": "x"}, how="json")),
)


def _path_of(raw: bytes) -> str:
    return raw.split(b" ", 2)[1].decode("latin-1")


def body_framing() -> None:
    for door, build in DOOR_POSTS:
        raw = build()
        head, _, body = raw.partition(b"\r\n\r\n")
        bare = re.sub(rb"\r\nContent-Length: \d+", b"", head)
        path = _path_of(raw)
        big = body + b" " * (LIMIT + 10)
        add("body", f"{path} oversized declared, not sent", door,
            re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % (LIMIT * 100), head)
            + b"\r\n\r\n")
        add("body", f"{path} oversized sent", door,
            re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % len(big), head)
            + b"\r\n\r\n" + big)
        chunks = b"".join(b"1000\r\n" + b" " * 4096 + b"\r\n" for _ in range(LIMIT // 4096 + 2))
        add("body", f"{path} oversized chunked", door,
            bare + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + b"%x\r\n%s\r\n" % (len(body), body)
            + chunks + b"0\r\n\r\n")
        add("body", f"{path} chunked one byte pieces", door,
            bare + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"".join(b"1\r\n%c\r\n" % c for c in body) + b"0\r\n\r\n", ok=True)
        add("body", f"{path} chunked with extensions and trailer", door,
            bare + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + b"%x;ext=1\r\n%s\r\n" % (
                len(body), body) + b"0\r\nX-Trailer: 1\r\n\r\n", ok=True)
        add("body", f"{path} bad chunk size", "server",
            bare + b"\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + body + b"\r\n0\r\n\r\n")
        add("body", f"{path} chunk longer than said", "server",
            bare + b"\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n" + body + b"\r\n0\r\n\r\n")
        add("body", f"{path} partial body then half-close", door,
            re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % (len(body) + 100), head)
            + b"\r\n\r\n" + body, half_close=True, allow_drop=True)
        add("body", f"{path} stalled body", "server",
            re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % (len(body) + 100), head)
            + b"\r\n\r\n" + body[:10], stall=4.0, allow_drop=True)
        add("body", f"{path} stalled chunked body", "server",
            bare + b"\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", stall=4.0,
            allow_drop=True)
        add("body", f"{path} content-length shorter than body", door,
            re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % (len(body) // 2), head)
            + b"\r\n\r\n" + body)
        add("body", f"{path} empty body", door, re.sub(rb"Content-Length: \d+",
                                                          b"Content-Length: 0", head) + b"\r\n\r\n")
        for label, junk in (("whitespace", b" \r\n\t " * 10), ("bom", b"\xef\xbb\xbf"),
                            ("utf16 bom only", b"\xff\xfe"), ("nul bytes", b"\x00" * 64),
                            ("binary", bytes(range(256)))):
            add("body", f"{path} body of only {label}", door,
                re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % len(junk), head)
                + b"\r\n\r\n" + junk)
    add("body", "stalled head", "server", b"POST /soap HTTP/1.1\r\nHost: x\r\nContent-", stall=4.0,
        allow_drop=True)
    add("body", "stalled request line", "server", b"GET /hea", stall=4.0, allow_drop=True)
    add("body", "connect and say nothing", "server", b"", stall=4.0, allow_drop=True)


OTHER_METHODS = ("PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "PROPFIND", "FOO", "HEAD")
PATHS = (("soap", "/soap"), ("oms", "/oms"), ("smsc_soap", "/sys/soap.php"),
         ("smsc_http", "/sys/send.php?login=alice&psw=" + PASSWORD),
         ("smsc_http", "/sys/status.php?login=alice&psw=" + PASSWORD + "&id=1&phone=" + PHONE),
         ("smsc_http", "/sys/balance.php?login=alice&psw=" + PASSWORD),
         ("api", "/api/Sms/Send"), ("router", "/nowhere"))


def methods() -> None:
    for door, path in PATHS:
        for method in OTHER_METHODS:
            body = b"" if method in ("HEAD", "OPTIONS", "TRACE", "DELETE") else b"<x/>"
            headers = [("Authorization", ALICE)] if door in ("soap", "api") else []
            add("methods", f"{method} {path.split('?')[0]}", door,
                request(method, path, body, headers + [("Content-Type", "text/xml")]))
        add("methods", f"CONNECT {path.split('?')[0]}", "server",
            request("CONNECT", "127.0.0.1:5432", b""))
        add("methods", f"GET {path.split('?')[0]} ?wsdl-like", door if door != "smsc_http"
            else "smsc_http", request("GET", path.split("?")[0] + "?WSDL&x=1",
                                      headers=[("Authorization", ALICE)]))
    for path, door in (("/health", "health"), ("/api/openapi.json", "openapi")):
        for method in ("POST", "PUT", "DELETE", "TRACE", "OPTIONS"):
            add("methods", f"{method} {path}", door, request(method, path, b"{}"))
    add("methods", "lowercase method", "server", request("get", "/health"))
    add("methods", "absolute-form target", "health", request("GET", "http://evil.example/health"))
    add("methods", "asterisk target", "server", request("OPTIONS", "*"))


def headers_class() -> None:
    raw = soap(soap_body("GetBalance"))
    head, _, body = raw.partition(b"\r\n\r\n")
    n = len(body)
    for door, build in DOOR_POSTS[:4] + DOOR_POSTS[6:7]:
        raw = build()
        head, _, body = raw.partition(b"\r\n\r\n")
        path = _path_of(raw)
        cl = b"Content-Length: %d" % len(body)
        add("headers", f"{path} two different content-lengths", "server",
            head.replace(cl, cl + b"\r\nContent-Length: %d" % (len(body) + 5)) + b"\r\n\r\n"
            + body + b"12345")
        add("headers", f"{path} two equal content-lengths", "server",
            head.replace(cl, cl + b"\r\n" + cl) + b"\r\n\r\n" + body)
        add("headers", f"{path} content-length list", "server",
            head.replace(cl, cl + b", %d" % len(body)) + b"\r\n\r\n" + body)
        add("headers", f"{path} content-length and chunked", "server",
            head + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + b"%x\r\n%s\r\n0\r\n\r\n" % (
                len(body), body))
        add("headers", f"{path} transfer-encoding gzip", "server",
            head.replace(cl, b"Transfer-Encoding: gzip") + b"\r\n\r\n" + body)
        add("headers", f"{path} chunked twice", "server",
            head.replace(cl, b"Transfer-Encoding: chunked, chunked") + b"\r\n\r\n"
            + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        add("headers", f"{path} negative content-length", "server",
            head.replace(cl, b"Content-Length: -1") + b"\r\n\r\n" + body)
        add("headers", f"{path} content-length +5", "server",
            head.replace(cl, b"Content-Length: +%d" % len(body)) + b"\r\n\r\n" + body)
        add("headers", f"{path} content-length hex", "server",
            head.replace(cl, b"Content-Length: 0x10") + b"\r\n\r\n" + body)
        add("headers", f"{path} content-length 30 digits", "server",
            head.replace(cl, b"Content-Length: " + b"9" * 30) + b"\r\n\r\n" + body)
        add("headers", f"{path} huge header", "server",
            head + b"\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n" + body)
        add("headers", f"{path} header over gunicorn field limit", "server",
            head + b"\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n" + body)
        add("headers", f"{path} 150 headers", "server",
            head + b"".join(b"\r\nX-H%d: v" % i for i in range(150)) + b"\r\n\r\n" + body)
        add("headers", f"{path} header with bare CR", "server",
            head + b"\r\nX-Inject: a\rSet-Cookie: x=1\r\n\r\n" + body)
        add("headers", f"{path} header with NUL", "server",
            head + b"\r\nX-Nul: a\x00b\r\n\r\n" + body)
        add("headers", f"{path} obs-fold header", "server",
            head + b"\r\nX-Fold: a\r\n b\r\n\r\n" + body)
        add("headers", f"{path} space before colon", "server",
            head + b"\r\nX-Space : a\r\n\r\n" + body)
        add("headers", f"{path} non-ascii header value", door,
            head + b"\r\nX-Latin: \xe9\xff\xfe\r\n\r\n" + body, ok=True)
        add("headers", f"{path} content-type garbage", door,
            re.sub(rb"Content-Type: [^\r]*", b"Content-Type: ;;;=\x7f/\"", head) + b"\r\n\r\n"
            + body)
        add("headers", f"{path} two content-types", door,
            head + b"\r\nContent-Type: application/json\r\n\r\n" + body)
        add("headers", f"{path} http/1.0 no host", door,
            head.replace(b"HTTP/1.1", b"HTTP/1.0").replace(b"Host: 127.0.0.1\r\n", b"")
            + b"\r\n\r\n" + body, ok=True)
        add("headers", f"{path} http/2.0 version", "server",
            head.replace(b"HTTP/1.1", b"HTTP/2.0") + b"\r\n\r\n" + body)
        add("headers", f"{path} http/1.1 two hosts", "server",
            head + b"\r\nHost: evil.example\r\n\r\n" + body)
        add("headers", f"{path} expect 100-continue", door,
            head + b"\r\nExpect: 100-continue\r\n\r\n" + body, ok=True)
        add("headers", f"{path} expect garbage", door,
            head + b"\r\nExpect: 417-nonsense\r\n\r\n" + body, ok=True)
    for door, path in PATHS[:7]:
        for label, value in (("ipv6", "::1"), ("garbage", "not-an-ip, 999.1.1.1"),
                             ("many hops", ", ".join(f"10.0.{i // 256}.{i % 256}"
                                                     for i in range(500))),
                             ("nul", "1.2.3.4\x00"), ("unicode", "١.٢.٣.٤")):
            add("spoofing", f"{path.split('?')[0]} x-forwarded-for {label}",
                door, ok=door == "smsc_http", raw=request("GET" if door == "smsc_http" else "POST", path, b"<x/>" if
                              door != "smsc_http" else b"",
                              [("X-Forwarded-For", value), ("X-Real-IP", value),
                               ("Forwarded", f'for="{value}"'),
                               ("Content-Type", "text/xml")]))


def encoding() -> None:
    bad = ("%zz", "%", "%C0%AF", "%ED%A0%80", "%FF%FE", "%00", "%E2%82")
    for pct in bad[:2]:  # not an escape at all: kept as the literal text (WHATWG, werkzeug)
        add("encoding", f"smsc query literal {pct}", "smsc_http", smsc_http(
            "send", raw_query=f"login=alice&psw={PASSWORD}&phones=x&mes=a{pct}"), ok=True)
        add("encoding", f"api query literal {pct}", "api",
            api("Sms/Send", how="query", raw_query=f"recipients=x&text=a{pct}"), ok=True)
        add("encoding", f"api form literal {pct}", "api",
            api("Sms/Send", raw_body=f"recipients=x&text=a{pct}"), ok=True)
    for pct in bad:
        add("encoding", f"smsc query login {pct}", "smsc_http",
            smsc_http("balance", raw_query=f"login=alice{pct}&psw={PASSWORD}"))
        add("encoding", f"smsc query mes {pct}", "smsc_http",
            smsc_http("send", raw_query=f"login=alice&psw={PASSWORD}&phones="
                      f"{PHONE if pct not in bad[:2] else 'x'}&mes=a{pct}"), storage=True)
        add("encoding", f"smsc form psw {pct}", "smsc_http",
            smsc_http("balance", method="POST", auth=False, body=f"login=alice&psw=x{pct}"))
        add("encoding", f"api query {pct}", "api",
            api("Sms/Send", how="query", raw_query=f"recipients={PHONE if pct not in bad[:2] else 'x'}"
                f"&text=a{pct}"), storage=True)
        add("encoding", f"api form {pct}", "api",
            api("Sms/Send", raw_body=f"recipients={PHONE if pct not in bad[:2] else 'x'}"
                f"&text=a{pct}"), storage=True)
        add("encoding", f"api path {pct}", "api", request("GET", f"/api/Sms{pct}/Send"))
        add("encoding", f"router path {pct}", "router", request("GET", f"/sys/{pct}soap.php"))
    raw_bytes = (b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\x80")
    for i, junk in enumerate(raw_bytes):
        add("encoding", f"raw non-utf8 query {i}", "smsc_http",
            smsc_http("balance", raw_query=b"login=alice" + junk + b"&psw=" + PASSWORD.encode()))
        add("encoding", f"raw non-utf8 api query {i}", "api",
            api("Account/GetBalance", how="query", raw_query=b"x=" + junk))
        add("encoding", f"raw non-utf8 path {i}", "server",
            request("GET", b"/api/Sms/Send" + junk))
        add("encoding", f"raw non-utf8 api form {i}", "api",
            api("Sms/Send", raw_body=b"recipients=" + PHONE.encode() + b"&text=" + junk),
            storage=True)
    add("encoding", "invalid utf-8 json", "api",
        api("Sms/Send", raw_body=b'{"recipients":["' + PHONE.encode() + b'"],"text":"\xff\xfe"}',
            how="json"), storage=True)
    for door, build in XML_DOORS:
        raw = build("", "Hi")
        add("encoding", "invalid utf-8 in xml", door, marked(build, b"\xff\xc0"), storage=True)
        add("encoding", "overlong utf-8 in xml", door, marked(build, b"\xc0\xbc"), storage=True)
        add("encoding", "cesu surrogate in xml", door, marked(build, b"\xed\xa0\x80"),
            storage=True)
        bare = raw.replace(b"; charset=utf-8", b"")  # the document's declaration decides
        add("encoding", "xml declares ebcdic", door, fix_length(
            bare.replace(b"\r\n\r\n<", b'\r\n\r\n<?xml version="1.0" encoding="ebcdic-cp-us"?><')),
            storage=True)
        add("encoding", "xml declares unknown encoding", door, fix_length(
            bare.replace(b"\r\n\r\n<", b'\r\n\r\n<?xml version="1.0" encoding="x-nonsense"?><')),
            storage=True)
        for cs in ("UTF8", "utf-16", "utf-32", "ebcdic-cp-us", "x-unknown", "", '"utf-8',
                   "iso-2022-jp", "utf-7", "UTF-16BE"):
            add("encoding", f"charset={cs!r}", door, marked(build, b"\xff\xfe\x00").replace(
                b"charset=utf-8", b"charset=" + cs.encode()), storage=True)
    for cs in ("UTF8", "utf-16", "x-unknown", "cp1251", "KOI8-R", "latin1", "utf-32", "ebcdic"):
        add("encoding", f"smsc charset {cs}", "smsc_http",
            smsc_http("send", {"phones": PHONE, "mes": "\u0000", "charset": cs}), storage=True)
        add("encoding", f"api form charset {cs}", "api",
            api("Sms/Send", raw_body=b"recipients=x&text=%FF",
                ctype=f"application/x-www-form-urlencoded; charset={cs}"), storage=True)
    add("paths", "overlong path", "server", request("GET", "/api/" + "a" * 9000))
    add("paths", "long path under limit", "router", request("GET", "/" + "a" * 8000))
    add("paths", "long api path", "api", request("GET", "/api/" + "A/" * 3000 + "x"))
    for target, door in (("/sys/../soap", "router"), ("/sys/%2e%2e/soap", "router"),
                         ("//soap", "router"), ("/soap/", "soap"), ("/SOAP", "router"),
                         ("/soap;x=1", "router"), ("/./oms", "router"), ("/api/../soap", "api"),
                         ("/sys/send.php/../../etc/passwd", "router"),
                         ("/api/Sms/Send/../../../health", "health"),
                         ("/sys/send.php%00.html", "router"), ("/sys\\send.php", "router"),
                         ("/api/%2e%2e/%2e%2e/etc/passwd", "api")):
        add("paths", f"traversal {target}", door, request("GET", target,
                                                          headers=[("Authorization", ALICE)]),
            allow_drop=False)
    many = "&".join(f"p{i}=v" for i in range(10000))
    add("params", "10000 query params smsc", "smsc_http",
        smsc_http("balance", raw_query=f"login=alice&psw={PASSWORD}&{many}"),
        ok=True, fmt="0")
    add("params", "10000 form params smsc", "smsc_http",
        smsc_http("send", method="POST", auth=False,
                  body=f"login=alice&psw={PASSWORD}&mes=&{many}"))
    add("params", "10000 query params api", "api",
        api("Sms/Send", how="query", raw_query=f"recipients=&{many}"))
    add("params", "10000 form params api", "api", api("Sms/Send", raw_body=f"text=&{many}"))
    add("params", "10000 json keys api", "api",
        api("Sms/Send", raw_body=json.dumps({f"p{i}": i for i in range(3000)}), how="json"))
    add("params", "repeated login smsc (the last wins, as in PHP)", "smsc_http",
        smsc_http("balance", raw_query=f"login=mallory&login=alice&psw={WRONG}&psw={PASSWORD}"),
        ok=True)
    add("params", "repeated keys json", "api",
        api("Sms/Send", raw_body=f'{{"text":"a","text":"b","recipients":"{PHONE}","recipients":'
                                 f'"x"}}', how="json"), storage=True)
    add("params", "repeated text form", "api",
        api("Sms/Send", raw_body=f"recipients=x&text=a&text=b&recipients=y"), storage=True)
    add("params", "repeated fields smsc soap", "smsc_soap",
        smsc_post(smsc_send("Hi", phones="bad").replace(
            "<phones>bad</phones>", "<phones>bad</phones><phones>x</phones>")), storage=True)
    add("params", "empty query key", "api",
        api("Account/GetBalance", how="query", raw_query="=&&=x&&&"), ok=True)


def soap_tricks() -> None:
    ga = soap_body("GetBalance")
    for label, action in (("missing", None), ("wrong op", '"urn:smsgw:v1/SendSms"'),
                          ("unquoted garbage", "\x7f\x7f"), ("huge", '"' + "a" * 8000 + '"'),
                          ("other namespace", '"http://evil/x"')):
        add("soap", f"SOAPAction {label}", "soap", soap(ga, action=action), ok=True)
    add("soap", "SOAP 1.2 envelope on /soap", "soap",
        soap(soap_body(ns=SOAP12), ctype="application/soap+xml; charset=utf-8"), storage=True)
    add("soap", "SOAP 1.2 envelope as text/xml on /soap", "soap",
        soap(soap_body(ns=SOAP12)), storage=True)
    add("soap", "SOAP 1.1 envelope as soap+xml on /soap", "soap",
        soap(soap_body("GetBalance"), ctype="application/soap+xml"), ok=True)
    add("soap", "SOAP 1.2 on smsc", "smsc_soap",
        smsc_post(smsc_send().replace(SOAP11, SOAP12)), storage=True)
    add("soap", "unknown operation", "soap", soap(soap_body("<t:DropTables/>")))
    add("soap", "two operations (the second is ignored)", "soap",
        soap(soap_body("<t:GetBalance/><t:SendSms><t:recipients>" + PHONE
                       + "</t:recipients><t:text>x</t:text></t:SendSms>")), ok=True,
        storage=True)
    add("soap", "no body element", "soap",
        soap(f'<s:Envelope xmlns:s="{SOAP11}"><s:Header/></s:Envelope>'))
    add("soap", "not an envelope", "soap", soap("<html><body>hi</body></html>"))
    add("soap", "json body", "soap", soap('{"a": 1}', ctype="application/json"))
    add("soap", "mustUnderstand header", "soap",
        soap(soap_body().replace("<s:Body>", '<s:Header><x:Y xmlns:x="urn:x" s:mustUnderstand='
                                             '"1"/></s:Header><s:Body>')), storage=True)
    add("soap", "text as element children", "soap",
        soap(soap_body(text="<t:b>bold</t:b>")), storage=True)
    add("soap", "deep nesting", "soap",
        soap(soap_body(text="<a>" * 5000 + "</a>" * 5000)), storage=True)
    add("soap", "100k attributes", "soap",
        soap(soap_body().replace("<t:SendSms>", "<t:SendSms " + " ".join(
            f"a{i}='1'" for i in range(5000)) + ">")), storage=True)
    add("soap", "oms unknown op", "oms",
        oms(f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><Nope xmlns="{OMS}"/></s:Body>'
            "</s:Envelope>"))
    add("soap", "oms xmsData not xml", "oms",
        oms(f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><DeliverXms xmlns="{OMS}"><xmsData>'
            "not xml &lt;</xmsData></DeliverXms></s:Body></s:Envelope>"))
    add("soap", "oms xmsData with doctype", "oms",
        oms(oms_send("Hi", password=PASSWORD).replace(
            "&lt;xmsData", "&lt;!DOCTYPE r [&lt;!ENTITY e \"x\"&gt;]&gt;&lt;xmsData", 1)
            .replace(">Hi<", ">&amp;e;<")), storage=True)
    add("soap", "oms 1.2 envelope as text/xml", "oms",
        fix_length(oms(oms_send(MARK, ns=SOAP12, password=PASSWORD)).replace(
            MARK.encode(), b"\x00")))
    add("soap", "smsc unknown op", "smsc_soap",
        smsc_post(smsc_soap("drop", {"login": "alice", "psw": PASSWORD})))
    add("soap", "smsc foreign namespace", "smsc_soap",
        smsc_post(smsc_send().replace(SMSC, "urn:evil")))


def auth() -> None:
    bad_auth = {
        "basic no colon": "Basic " + base64.b64encode(b"alice").decode(),
        "basic invalid base64": "Basic !!!not-base64!!!",
        "basic empty": "Basic ",
        "basic padding only": "Basic ====",
        "basic non-utf8": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "basic nul login": "Basic " + base64.b64encode(b"alice\x00:" + PASSWORD.encode()).decode(),
        "basic huge": "Basic " + base64.b64encode(b"a" * 5000 + b":" + b"b" * 1000).decode(),
        "basic trailing space login": basic("alice ", PASSWORD),
        "basic unicode login": basic("\u0430lice", PASSWORD),
        "basic colon in login": basic("ali:ce", PASSWORD),
        "bearer garbage": "Bearer \x7f\x01garbage",
        "bearer empty": "Bearer",
        "bearer spaces": "Bearer a b c",
        "bearer huge": "Bearer " + "k" * 7000,
        "bearer non-ascii": "Bearer ключ",
        "digest": 'Digest username="alice", realm="x", nonce="1", uri="/", response="0"',
        "negotiate": "Negotiate YII=",
        "scheme only": "Basic",
        "unknown login": basic("nobody-here", WRONG),
        "wrong password": basic("mallory", WRONG),
        "empty credentials": basic("", ""),
    }
    for label, value in bad_auth.items():
        add("auth", f"soap {label}", "soap", soap(soap_body(), auth=value), storage=True)
        add("auth", f"api form {label}", "api",
            api("Sms/Send", {"recipients": PHONE, "text": "x"}, auth=value), storage=True)
        add("auth", f"api query {label}", "api", api("Account/GetBalance", how="query",
                                                     auth=value))
    add("auth", "soap two authorization headers", "soap",
        soap(soap_body(), headers=[("Authorization", basic("mallory", WRONG))]), storage=True)
    for label, key in (("empty", ""), ("short", "x"), ("nul", "k\x00ey"), ("huge", "k" * 9000),
                       ("unicode", "ключ"), ("sql", "' OR 1=1 --"), ("prefix of real",
                                                                     APIKEY[:3]),
                       ("real plus junk", APIKEY + "x"), ("lone surrogate", "\\ud800")):
        add("auth", f"api apikey param {label}", "api",
            api("Sms/Send", {"apikey": key, "recipients": PHONE, "text": "x"}, auth=None),
            storage=True)
        add("auth", f"api apikey json {label}", "api",
            api("Sms/Send", raw_body='{"apikey": "%s", "recipients": ["%s"], "text": "x"}' % (
                key.replace("\x00", "\\u0000").replace('"', '\\"'), PHONE), how="json",
                auth=None), storage=True)
        add("auth", f"smsc apikey {label}", "smsc_http",
            smsc_http("send", {"apikey": key, "phones": PHONE, "mes": "x"}, auth=False),
            storage=True)
    logins = {"unknown": ("nobody-here", WRONG), "wrong password": ("mallory", WRONG),
              "trailing space": ("alice ", PASSWORD), "leading space": (" alice", PASSWORD),
              "password spaces": ("alice", f" {PASSWORD} "), "tab": ("alice\t", PASSWORD),
              "newline": ("alice\n", PASSWORD), "nul login": ("alice\x00", PASSWORD),
              "nul password": ("alice", PASSWORD + "\x00"), "control": ("al\x01ice", PASSWORD),
              "huge login": ("a" * 20000, PASSWORD), "huge password": ("alice", "p" * 20000),
              "uppercase": ("ALICE", PASSWORD), "unicode digits": ("²", "²"),
              "fullwidth": ("ａｌｉｃｅ", PASSWORD), "empty": ("", ""),
              "surrogate-ish": ("\udcff", PASSWORD)}
    for label, (login, password) in logins.items():
        for door, raw, fmt in send_everywhere("x", login=login, password=password):
            add("auth", f"{door} login {label}", door, raw, fmt=fmt, storage=True)


EDGE_TIMES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0000-00-00T00:00:00",
              "2026-02-30T00:00:00Z", "2026-01-01T25:00:00Z", "2026-01-01", "99999-01-01T00:00Z",
              "2026-01-01T00:00:00+99:00", "NaN", "1e400", "-1", "２０２６-01-01T00:00:00Z")


def edge_values() -> None:
    for t in EDGE_TIMES:
        add("edge", f"api scheduledAt {t}", "api",
            api("Sms/Send", {"recipients": PHONE, "text": "x", "scheduledAt": t}), storage=True)
        add("edge", f"soap scheduledAt {t}", "soap",
            soap(soap_body(extra=f"<t:scheduledAt>{t}</t:scheduledAt>")), storage=True)
        add("edge", f"oms scheduled {t}", "oms",
            oms(oms_send("x", password=PASSWORD).replace(
                "&lt;xmsHead&gt;", f"&lt;xmsHead&gt;&lt;scheduled&gt;{t}&lt;/scheduled&gt;")),
            storage=True)
    for t in ("099999999999999999", "0²", "²", "99.99.9999 99:99", "-1", "0" * 5000, "1" * 5000,
              "\u0000", "01.01.0001 00:00", "31.12.9999 23:59", "+1", "1e9", "٣"):
        add("edge", f"smsc time {t[:20]}", "smsc_http",
            smsc_http("send", {"phones": PHONE, "mes": "x", "time": t}), storage=True)
        add("edge", f"smsc soap time {t[:20]}", "smsc_soap",
            smsc_post(smsc_send("x", raw_fields={"time": t.replace("\u0000", "")})),
            storage=True)
    for i in ("²", "0²", "-1", "1" * 5000, "1e3", " 1", "0x1", "١", "9" * 30, "", ","):
        add("edge", f"smsc status id {i[:20]}", "smsc_http",
            smsc_http("status", {"id": i, "phone": PHONE}))
        add("edge", f"smsc soap status id {i[:20]}", "smsc_soap",
            smsc_post(smsc_soap("status", {"login": "alice", "psw": PASSWORD, "id": i,
                                           "phone": PHONE})))
        add("edge", f"api GetStatus id {i[:20]}", "api",
            api("Sms/GetStatus", {"messageIds": i}, how="query"))
    for page in ("1000000000000000000", "-1", "0", "1e3", "9" * 5000, "²", "NaN"):
        add("edge", f"api page {page[:20]}", "api",
            api("Messages/List", {"page": page}, how="query"))
        add("edge", f"api pageSize {page[:20]}", "api",
            api("Messages/List", {"pageSize": page}, how="query"))
    deep = "[" * 100000 + "]" * 100000
    add("edge", "json nested 100000 deep body", "api",
        api("Sms/Send", raw_body='{"recipients":' + deep + ',"text":"x"}', how="json"))
    add("edge", "json nested 100000 deep form field", "api",
        api("Sms/Send", {"recipients": deep, "text": "x"}))
    add("edge", "json nested objects", "api",
        api("Sms/Send", raw_body='{"a":' * 20000 + "1" + "}" * 20000, how="json"))
    add("edge", "integer of 5000 digits", "api",
        api("Sms/Send", raw_body='{"recipients":["%s"],"text":"x","validityMinutes":%s}' % (
            PHONE, "9" * 5000), how="json"), storage=True)
    add("edge", "float 1e400", "api",
        api("Sms/Send", raw_body='{"recipients":["%s"],"text":"x","validityMinutes":1e400}'
            % PHONE, how="json"), storage=True)
    for lit in ("NaN", "Infinity", "-Infinity", "true", "null", "[]", "{}", '"x"'):
        add("edge", f"validityMinutes {lit}", "api",
            api("Sms/Send", raw_body='{"recipients":["%s"],"text":"x","validityMinutes":%s}'
                % (PHONE, lit), how="json"), storage=True)
    for label, body in (("phone object", {"phone": {"a": 1}}),
                        ("groupIds strings", {"phone": PHONE, "groupIds": ["x"]}),
                        ("fields list", {"phone": PHONE, "fields": [1, 2]}),
                        ("phone list", {"phone": [PHONE]}),
                        ("phone number", {"phone": 79991234567}),
                        ("groupIds huge ints", {"phone": PHONE, "groupIds": [10 ** 30]}),
                        ("fields nested", {"phone": PHONE, "fields": {"a": {"b": [1]}}}),
                        ("name 100k", {"phone": PHONE, "name": "n" * 60000})):
        add("edge", f"Contacts/Create {label}", "api",
            api("Contacts/Create", body, how="json"), storage=True)
    add("edge", "json top-level array", "api", api("Sms/Send", raw_body="[1,2]", how="json"))
    add("edge", "json top-level string", "api", api("Sms/Send", raw_body='"x"', how="json"))
    add("edge", "json truncated", "api", api("Sms/Send", raw_body='{"text":', how="json"))
    add("edge", "json with bom", "api",
        api("Sms/Send", raw_body=b"\xef\xbb\xbf{}", how="json"))
    add("edge", "json utf-16", "api",
        api("Sms/Send", raw_body='{"text":"x"}'.encode("utf-16"), how="json"))
    add("edge", "recipients 10000 soap", "soap",
        soap(soap_body(recipients=[f"+7999{i:07d}" for i in range(3000)])), storage=True)
    add("edge", "long text", "api", api("Sms/Send", {"recipients": PHONE, "text": "x" * 60000}),
        storage=True)
    add("edge", "sender 1000 chars", "api",
        api("Sms/Send", {"recipients": PHONE, "text": "x", "sender": "s" * 1000}), storage=True)
    add("edge", "recipient with letters", "api",
        api("Sms/Send", {"recipients": "+7999abc", "text": "x"}), storage=True)
    add("edge", "recipient 1000 digits", "api",
        api("Sms/Send", {"recipients": "+" + "7" * 1000, "text": "x"}), storage=True)
    add("edge", "empty text", "api", api("Sms/Send", {"recipients": PHONE, "text": ""}),
        storage=True)
    add("edge", "validity negative", "api",
        api("Sms/Send", {"recipients": PHONE, "text": "x", "validityMinutes": "-5"}),
        storage=True)
    add("edge", "format unknown", "api", api("Account/GetBalance", {"format": "yaml"},
                                             how="query"))
    add("edge", "smsc fmt 9", "smsc_http", smsc_http("balance", {"fmt": "9", "psw": WRONG}))
    add("edge", "smsc cost 9", "smsc_http",
        smsc_http("send", {"phones": "bad", "mes": "x", "cost": "²"}), storage=True)
    add("edge", "smsc valid huge", "smsc_http",
        smsc_http("send", {"phones": PHONE, "mes": "x", "valid": "9" * 400}), storage=True)
    add("edge", "smsc tz huge", "smsc_http",
        smsc_http("send", {"phones": PHONE, "mes": "x", "tz": "9" * 400}), storage=True)
    add("edge", "smsc translit unicode", "smsc_http",
        smsc_http("send", {"phones": "x", "mes": "x", "translit": "²"}), storage=True)
    add("edge", "smsc mes huge", "smsc_http",
        smsc_http("send", {"phones": PHONE, "mes": "y" * 40000}, method="POST"), storage=True)


def amplification() -> None:
    ids = ",".join(str(i) for i in range(1, 3001))
    phones = ",".join([PHONE] * 3000)
    add("amplification", "status.php 3000 ids", "smsc_http",
        smsc_http("status", method="POST", auth=False,
                  body=qs({"login": "alice", "psw": PASSWORD, "id": ids, "phone": phones})))
    add("amplification", "status.php 20000 commas", "smsc_http",
        smsc_http("status", method="POST", auth=False,
                  body=qs({"login": "alice", "psw": PASSWORD, "id": "," * 20000,
                           "phone": PHONE})))
    add("amplification", "smsc soap status 3000 ids", "smsc_soap",
        smsc_post(smsc_soap("status", {"login": "alice", "psw": PASSWORD, "id": ids,
                                       "phone": PHONE})))
    add("amplification", "api GetStatus 3000 ids", "api",
        api("Sms/GetStatus", {"messageIds": ids}))
    add("amplification", "soap GetStatus 3000 ids", "soap",
        soap(soap_body("<t:GetStatus>" + "".join(f"<t:messageIds>{i}</t:messageIds>"
                                                 for i in range(1, 3001)) + "</t:GetStatus>")))
    many = [f"+7999{i:07d}" for i in range(5000)]
    for door, raw, fmt in send_everywhere("x", phones=many):
        add("amplification", f"{door} 5000 recipients", door, raw, fmt=fmt, storage=True)
    add("amplification", "smsc 5000 phones to poor text", "smsc_http",
        smsc_http("send", {"phones": ";".join(many), "mes": "x" * 2000}, method="POST"),
        storage=True)


def nul_control() -> None:
    for label, text in (("nul", "a\x00b"), ("lone surrogate", "\udcff"), ("escape", "\x1b[31m"),
                        ("bell", "\x07"), ("del", "\x7f"), ("u+fffe", "\ufffe")):
        for field in ("recipient", "sender", "clientRef"):
            value = {"recipient": PHONE + text, "sender": "S" + text, "clientRef": "r" + text}
            params = {"recipients": PHONE, "text": "x", **({
                "recipient": {"recipients": value["recipient"]}, "sender": {
                    "sender": value["sender"]}, "clientRef": {"clientRef": value["clientRef"]}}[
                field])}
            add("nul", f"api form {field} {label}", "api",
                api("Sms/Send", raw_body=qs(params).encode("utf-8", "surrogatepass")),
                storage=True, ok=False)
            add("nul", f"api json {field} {label}", "api",
                api("Sms/Send", raw_body=json.dumps(params), how="json"), storage=True)
        add("nul", f"smsc phones {label}", "smsc_http",
            smsc_http("send", {"phones": PHONE + text, "mes": "x"}), storage=True)
        add("nul", f"smsc sender {label}", "smsc_http",
            smsc_http("send", {"phones": PHONE, "mes": "x", "sender": "S" + text}), storage=True)
    add("nul", "api text nul", "api", api("Sms/Send", {"recipients": PHONE, "text": "a\x00b"}),
        storage=True)
    add("nul", "api json text nul", "api",
        api("Sms/Send", {"recipients": [PHONE], "text": "a\x00b"}, how="json"), storage=True)
    add("nul", "api json key nul", "api",
        api("Sms/Send", raw_body='{"recipients":["%s"],"text":"x","a\\u0000":1}' % PHONE,
            how="json"), storage=True)
    add("nul", "smsc mes nul", "smsc_http", smsc_http("send", {"phones": PHONE, "mes": "a\x00"}),
        storage=True)
    add("nul", "smsc param name nul", "smsc_http",
        smsc_http("balance", raw_query=f"login=alice&psw={PASSWORD}&x%00=1"))
    for door, build in XML_DOORS:
        for label, text in (("char ref nul", "&#0;"), ("char ref 1", "&#1;"),
                            ("raw nul", "a\x00b"), ("raw control", "a\x01b"),
                            ("char ref surrogate", "&#xD800;"), ("char ref fffe", "&#xFFFE;"),
                            ("char ref huge", "&#x110000;")):
            add("nul", f"xml {label}", door, build("", text), storage=True)
    add("nul", "soap recipient nul ref", "soap",
        soap(soap_body(recipients=["+7999&#0;"])), storage=True)
    add("nul", "soap sender control", "soap",
        soap(soap_body(extra="<t:sender>S\u0007</t:sender>")), storage=True)
    add("nul", "smsc nul in query path", "router", request("GET", "/sys/send.php%00"))


def limits() -> None:
    """Order matters: the rate limit first (rapid signs in), brute force last."""
    warm = api("Sms/Send", {"recipients": PHONE, "text": "r"}, auth=basic("rapid", RAPID_PASSWORD))
    add("rate_limit", "warm-up: the two sends rapid is allowed", "api", warm, ok=True, repeat=2)
    for door, raw, fmt in send_everywhere("r", login="rapid", password=RAPID_PASSWORD):
        add("rate_limit", f"{door} send over the limit", door, raw, fmt=fmt, repeat=2,
            expect=RATE_LIMITED[door])


RATE_LIMITED = {"soap": r">30</", "oms": "perDayMsgLimit", "smsc_soap": r"<error>-?9</error>",
                "smsc_http": r'"error_code": 9', "api": r'"code": 30'}


LOCKED = {"soap": r">8</", "oms": "invalidUser", "smsc_soap": r"<error>-?4</error>",
          "smsc_http": r'"error_code": 4', "api": r'"code": 8'}


def brute_force() -> None:
    """Last: the address is locked after this (logins that signed in there stay allowed)."""
    for door, raw, fmt in send_everywhere("x", login="mallory", password=WRONG):
        add("brute_force", f"{door} wrong password x6", door, raw, fmt=fmt, repeat=6)
    for door, raw, fmt in send_everywhere("x", login="mallory", password=MALLORY_PASSWORD):
        add("brute_force", f"{door} right password while locked", door, raw, fmt=fmt,
            storage=True, expect=LOCKED[door])
    for door, raw, fmt in send_everywhere("x", login="nobody-at-all", password=WRONG):
        add("brute_force", f"{door} unknown login x6", door, raw, fmt=fmt, repeat=6)


def build() -> list[Case]:
    CASES.clear()
    baseline()
    limits()  # before anything fails a login from this address
    xml_entities()
    body_framing()
    methods()
    headers_class()
    encoding()
    soap_tricks()
    auth()
    edge_values()
    amplification()
    nul_control()
    brute_force()
    return list(CASES)


# --------------------------------------------------------------------------- door shapes

XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)


def _xml(body: bytes):
    try:
        return etree.fromstring(body, XML_PARSER)
    except etree.XMLSyntaxError:
        return None


def _fault(root):
    if root is None:
        return None
    for ns in (SOAP11, SOAP12):
        fault = root.find(f".//{{{ns}}}Fault")
        if fault is not None:
            return fault
    return None


def soap_error(body: bytes) -> str | None:
    fault = _fault(_xml(body))
    if fault is None:
        return "not a SOAP fault"
    code = fault.findtext(f".//{{{TNS}}}SmsgwFault/{{{TNS}}}code")
    if not code or not code.isdigit():
        return "SOAP fault without typed detail"
    if code == "999":
        return "internal error fault"
    return None


def oms_error(body: bytes) -> str | None:
    root = _xml(body)
    if root is None:
        return "not XML"
    fault = _fault(root)
    if fault is not None:
        return None if b"internal" not in body.lower() else "internal error fault"
    inner = [el for el in root.iter() if isinstance(el.tag, str) and el.text
             and el.text.lstrip().startswith("<")]
    for el in inner:
        doc = _xml(el.text.encode())
        if doc is None:
            continue
        error = doc.find(f"{{{OMS}}}error")
        if error is not None and error.get("code") not in (None, "ok"):
            return None
    return "neither a SOAP fault nor an OMS error document"


def smsc_soap_error(body: bytes) -> str | None:
    root = _xml(body)
    if root is None:
        return "not XML"
    if _fault(root) is not None:
        return None if b"internal error" not in body else "internal error fault"
    error = [el for el in root.iter() if isinstance(el.tag, str)
             and etree.QName(el).localname == "error" and (el.text or "").strip("-").isdigit()]
    return None if error else "no smsc error in the answer"


def smsc_http_error(body: bytes, fmt: str) -> str | None:
    text = body.decode("utf-8", "replace")
    if fmt == "1":
        return None if re.fullmatch(r"\d+,-\d+", text.strip()) else f"not fmt=1 error: {text[:80]}"
    if fmt == "2":
        return None if "<error_code>" in text else f"not fmt=2 error: {text[:80]}"
    if fmt == "3":
        try:
            return None if "error_code" in json.loads(text) else "no error_code"
        except ValueError:
            return f"not JSON: {text[:80]}"
    return None if text.startswith("ERROR = ") else f"not fmt=0 error: {text[:80]}"


def api_error(body: bytes) -> str | None:
    try:
        doc = json.loads(body)
    except ValueError:
        root = _xml(body)  # format=xml
        if root is None or root.findtext("code") is None:
            return f"not an envelope: {body[:80]!r}"
        doc = {"code": int(root.findtext("code")), "data": None, "message": ""}
    if not isinstance(doc, dict) or set(doc) != {"code", "data", "message"}:
        return f"not a {{code,data,message}} envelope: {body[:80]!r}"
    if doc["code"] == 0:
        return "code 0 (accepted)"
    if doc["code"] == 999:
        return "internal error"
    return None


def door_of(target: str) -> str:
    """Which door's shape answers a request to ``target``."""
    path = target.split("?", 1)[0]
    if "://" in path:
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    path = path.rstrip("/") or "/"
    if path in ("/soap", "/oms", "/health"):
        return path[1:]
    if path == "/sys/soap.php":
        return "smsc_soap"
    if path in ("/sys/send.php", "/sys/status.php", "/sys/balance.php"):
        return "smsc_http"
    if path == "/api/openapi.json":
        return "openapi"
    return "api" if path.startswith("/api/") else "router"


def check(case: Case, status: int | None, headers: dict, body: bytes) -> str | None:
    """Why this answer is not the door's own error (None: it is)."""
    if status is None:
        return None if case.allow_drop else "no answer (connection dropped)"
    ctype = headers.get("content-type", "")
    if b"<html" in body.lower()[:500] or "text/html" in ctype:
        return "an HTML page"
    if b"Traceback" in body:
        return "a traceback"
    method = case.raw.split(b" ", 1)[0]
    if case.expect and not re.search(case.expect.encode(), body):
        return f"not the expected error /{case.expect}/"
    if case.ok or method == b"HEAD":  # legitimate (or bodiless): any answer but a failure
        return None if status < 500 else f"status {status} for a legitimate request"
    if status == 408 and not body and case.stall:
        return None  # the documented answer to a request that stalls (then the close)
    door = case.door
    if door == "server":
        if status >= 500 and status != 501:
            return f"status {status} (a request refused before any door)"
        door = door_of(_target(case).split(" ")[1] if " " in _target(case) else "")
    if status >= 500 and door in ("api", "router", "smsc_http", "health", "openapi", "wsdl"):
        return f"status {status}"
    if door == "soap":
        return soap_error(body)
    if door == "oms":
        return oms_error(body)
    if door == "smsc_soap":
        return smsc_soap_error(body)
    if door == "smsc_http":
        fmt = re.search(r"[?&]fmt=(\d)", _target(case))
        return smsc_http_error(body, fmt.group(1) if fmt else case.fmt)
    if door in ("api", "router"):
        return api_error(body)
    if door in ("health", "openapi", "wsdl"):
        return None if status < 400 else api_error(body)
    return f"unknown door {door}"


def _target(case: Case) -> str:
    line = case.raw.split(b"\r\n", 1)[0].decode("latin-1")
    return line + case.raw.partition(b"\r\n\r\n")[2][:2000].decode("latin-1")


def classes(cases: list[Case]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in cases:
        out[c.cls] = out.get(c.cls, 0) + 1
    return out


# --------------------------------------------------------------------------- the runner

def send(case: Case, host: str, port: int, apikey: str, timeout: float = 30.0):
    """Send one case on a fresh connection: (status or None if dropped, headers, body, seconds)."""
    import http.client
    import socket
    import time

    started = time.monotonic()
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        data = case.wire(apikey)
        try:
            sock.sendall(data)
            if case.half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server answered and closed before taking it all
            pass
        response = http.client.HTTPResponse(sock, method=data.split(b" ", 1)[0].decode(
            "latin-1"))
        try:
            response.begin()
            body = response.read()
        except (http.client.HTTPException, ConnectionError, socket.timeout) as exc:
            if isinstance(exc, socket.timeout):
                raise
            return None, {}, b"", time.monotonic() - started
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers, body, time.monotonic() - started
    finally:
        sock.close()


# --------------------------------------------------------------------------- the CLI

CLI_CASES: list[tuple[str, tuple[str, ...]]] = [
    ("callback url with CR/LF", ("account", "set", "alice", "--callback-url",
                                 "http://example.com/\r\nX-Injected: 1")),
    ("callback url with userinfo", ("account", "set", "alice", "--callback-url",
                                    "http://user:pw@example.com/")),
    ("callback url ftp", ("account", "set", "alice", "--callback-url", "ftp://example.com/")),
    ("callback url javascript", ("account", "set", "alice", "--callback-url", "javascript:x")),
    ("callback url file", ("account", "set", "alice", "--callback-url", "file:///etc/passwd")),
    ("callback url no host", ("account", "set", "alice", "--callback-url", "http:///x")),
    ("callback url NUL", ("account", "set", "alice", "--callback-url", "http://a\x01b/")),
    ("callback url huge", ("account", "set", "alice", "--callback-url",
                           "http://e.com/" + "a" * 5000)),
    ("topup overflow", ("account", "topup", "alice", "99999999999999999999")),
    ("topup below a cent", ("account", "topup", "alice", "0.00001")),
    ("topup exponent", ("account", "topup", "alice", "1e10")),
    ("topup negative", ("account", "topup", "alice", "-5")),
    ("topup NaN", ("account", "topup", "alice", "NaN")),
    ("topup infinity", ("account", "topup", "alice", "Infinity")),
    ("topup unicode digits", ("account", "topup", "alice", "٣")),
    ("topup unknown login", ("account", "topup", "nobody-here", "1")),
    ("create currency XYZW", ("account", "create", "newbie1", "--password", "p",
                              "--currency", "XYZW")),
    ("create login with colon", ("account", "create", "a:b", "--password", "p")),
    ("create login with space", ("account", "create", "a b", "--password", "p")),
    ("create login 65 chars", ("account", "create", "a" * 65, "--password", "p")),
    ("create login empty", ("account", "create", "", "--password", "p")),
    ("create login NUL-free control", ("account", "create", "a\x01", "--password", "p")),
    ("create login cyrillic", ("account", "create", "алиса", "--password", "p")),
    ("create balance negative", ("account", "create", "newbie3", "--password", "p",
                                 "--balance", "-1")),
    ("create balance huge", ("account", "create", "newbie4", "--password", "p",
                             "--balance", "9" * 40)),
    ("create taken login", ("account", "create", "alice", "--password", "p")),
    ("replay unknown id", ("callbacks", "replay", "999")),
    ("replay nothing", ("callbacks", "replay")),
    ("dead limit zero", ("callbacks", "dead", "--limit", "0")),
    ("dead limit huge", ("callbacks", "dead", "--limit", "99999999999")),
    ("retention negative", ("account", "set", "alice", "--retention-days", "-1")),
    ("rate below -1", ("account", "set", "alice", "--rate-send", "-2")),
    ("rate unicode digits", ("account", "set", "alice", "--rate-query", "٣")),
    ("rate huge", ("account", "set", "alice", "--rate-manage", "9" * 30)),
    ("rate underscore", ("account", "set", "alice", "--rate-send", "1_000")),
    ("allowed ips garbage", ("account", "set", "alice", "--allowed-ips", "999.1.1.1,x")),
    ("blocked not a bool", ("account", "set", "alice", "--blocked", "maybe")),
    ("apikey revoke unknown", ("account", "apikey", "revoke", "alice", "99999")),
    ("blocks lift garbage", ("blocks", "lift", "")),
    ("show unknown", ("account", "show", "nobody-here")),
]
