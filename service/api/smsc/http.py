"""The smsc HTTP API: ``/sys/send.php``, ``/sys/status.php``, ``/sys/balance.php`` and
``/sys/get.php?get_answers=1`` (the inbound messages).

The same parameters as SOAP, by GET or form POST, answered in ``fmt`` 0 (text), 1 (numbers),
2 (XML) or 3 (JSON), in ``charset`` utf-8, windows-1251 or koi8-r. Error replies follow
smsc's per-format shapes exactly (reference B.4).
"""

from __future__ import annotations

import json
from typing import Callable
from urllib.parse import parse_qsl, urlencode

from lxml import etree

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from ...domain.errors import ValidationError
from ..client_ip import ClientIpResolver
from ..reading import RequestRefused, check_values, read_body, read_request
from .adapter import SmscAdapter

CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "windows-1251": "cp1251", "cp1251": "cp1251",
            "koi8-r": "koi8_r", "koi8r": "koi8_r"}
DESCRIPTIONS = {1: "parameters error", 2: "invalid login or password", 3: "no money",
                4: "IP address temporarily blocked", 5: "invalid date format",
                6: "message is prohibited", 7: "invalid phone number format",
                8: "message to the number cannot be delivered",
                9: "too many identical requests"}
WITH_ID = {3, 6, 7, 8}  # smsc repeats the id in these errors
OPERATIONS = {"/sys/send.php": "send_sms2", "/sys/status.php": "get_status2",
              "/sys/balance.php": "get_balance", "/sys/get.php": "get_answers"}
ANSWER_FIELDS = ("id", "received", "phone", "message", "to_phone", "sent")  # smsc's order


def _params(environ, max_bytes: int) -> tuple[dict[str, str], str]:
    """Query and form parameters, decoded in the client's ``charset``. The body is read whole
    through the shared reading layer (chunked too); too large is RequestRefused, never a
    truncated request."""
    raw = environ.get("QUERY_STRING", "")
    form: list[tuple[str, str]] = []
    if environ.get("REQUEST_METHOD") == "POST":
        if Request(environ).mimetype == "multipart/form-data":
            form = _multipart(environ, max_bytes)
        else:
            body = read_body(environ, max_bytes).decode("latin-1")
            raw = f"{raw}&{body}" if raw else body
    # Bytes first, then the client's charset: smsc clients send cp1251 or koi8-r too.
    pairs = parse_qsl(raw, keep_blank_values=True, encoding="latin-1")
    first = {k: v for k, v in pairs}
    first.update(form)
    charset = CHARSETS.get((first.get("charset") or "utf-8").lower(), "utf-8")
    decoded = {}
    for k, v in pairs:
        try:
            decoded[k] = v.encode("latin-1").decode(charset)
        except UnicodeDecodeError:  # not text in the client's charset: error 1, never U+FFFD
            raise RequestRefused(ValidationError(f"{k} is not {charset} text", field=k),
                                 400) from None
    decoded.update(form)  # multipart parts are UTF-8 (werkzeug decodes them)
    return decoded, charset


def _multipart(environ, max_bytes: int) -> list[tuple[str, str]]:
    request = read_request(environ, max_bytes)
    try:
        return list(request.form.items(multi=True))
    except HTTPException as exc:
        raise RequestRefused(ValidationError(f"the form could not be read: {exc.description}",
                                             field="body"), 400) from exc


def _query_format(environ) -> tuple[str, str]:
    """fmt and charset from the query string alone, to answer a request whose body failed."""
    first = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True,
                           encoding="latin-1"))
    fmt = first.get("fmt", "0")
    return (fmt if fmt in ("0", "1", "2", "3") else "0",
            CHARSETS.get((first.get("charset") or "utf-8").lower(), "utf-8"))


def _error(code: int, fmt: str, message_id: str | None) -> str:
    desc = DESCRIPTIONS.get(code, "error")
    with_id = message_id if code in WITH_ID and message_id else None
    if fmt == "1":
        return f"{with_id or 0},-{code}"
    if fmt == "2":
        extra = f"<id>{with_id}</id>" if with_id else ""
        return f"<result><error>{desc}</error><error_code>{code}</error_code>{extra}</result>"
    if fmt == "3":
        body = {"error": desc, "error_code": code}
        if with_id:
            body["id"] = with_id
        return json.dumps(body, ensure_ascii=False)
    return f"ERROR = {code} ({desc})" + (f", ID - {with_id}" if with_id else "")


def _xml(fields: dict[str, str]) -> str:
    root = etree.Element("result")
    for k, v in fields.items():
        etree.SubElement(root, k).text = v
    return etree.tostring(root, encoding="unicode")


def _send(result: dict[str, str], fmt: str, cost_mode: str) -> str:
    if "id" not in result:  # cost=1: the price only
        if fmt == "1":
            return f"{result['cost']},{result['cnt']}"
        if fmt in ("2", "3"):
            return _xml(result) if fmt == "2" else json.dumps(result)
        return f"{result['cost']} ({result['cnt']} SMS)"
    shown = {"id": result["id"], "cnt": result["cnt"]}
    if cost_mode in ("2", "3"):
        shown["cost"] = result["cost"]
    if cost_mode == "3":
        shown["balance"] = result["balance"]
    if fmt == "1":
        return ",".join(shown.values())
    if fmt == "2":
        return _xml(shown)
    if fmt == "3":
        return json.dumps(shown)
    text = f"OK - {shown['cnt']} SMS, ID - {shown['id']}"
    if "cost" in shown:
        text += f", COST - {shown['cost']}"
    if "balance" in shown:
        text += f", BALANCE - {shown['balance']}"
    return text


def _status(results: list[dict[str, str]], fmt: str, many: bool) -> str:
    if fmt == "3":
        return json.dumps(results if many else results[0], ensure_ascii=False)
    if fmt == "2":
        return "".join(_xml(r) for r in results)
    if fmt == "1":
        return "\n".join(f"{r['status']},{r.get('last_timestamp', 0)},{r.get('err', 0)}"
                         for r in results)
    return "\n".join(f"Status = {r['status']}, check_time = {r.get('last_date', '')}, "
                     f"err = {r.get('err', 0)}" for r in results)


def _answers(results: list[dict[str, str]], fmt: str) -> str:
    """get_answers: a JSON list (fmt 3: ``id`` a number, as smsc writes it), a ``<result>``
    per message (fmt 2, as status does), or a line per message: values (fmt 1) or
    ``name = value`` pairs (fmt 0)."""
    if fmt == "3":
        return json.dumps([{**r, "id": int(r["id"])} for r in results], ensure_ascii=False)
    if fmt == "2":
        return "".join(_xml(r) for r in results)
    if fmt == "1":
        return "\n".join(",".join(r[k] for k in ANSWER_FIELDS) for r in results)
    return "\n".join(", ".join(f"{k} = {r[k]}" for k in ANSWER_FIELDS) for r in results)


def smsc_http_app(adapter: SmscAdapter, client_ip: ClientIpResolver, max_bytes: int,
                  now: Callable):
    def app(environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "POST", "HEAD"):
            # smsc reads GET and POST only; PUT, TRACE... would otherwise run as a GET
            fmt, charset = _query_format(environ)
            return _reply(start_response, _error(1, fmt, None), fmt, charset,
                          status="405 Method Not Allowed", extra=[("Allow", "GET, POST")])
        try:
            params, charset = _params(environ, max_bytes)
        except RequestRefused:  # smsc answers any bad parameter so: error 1
            fmt, charset = _query_format(environ)
            return _reply(start_response, _error(1, fmt, None), fmt, charset)
        fmt = params.get("fmt", "0")
        if fmt not in ("0", "1", "2", "3"):
            fmt = "0"
        try:
            check_values(params)  # NUL (PostgreSQL cannot store it): before authentication
        except ValidationError:
            return _reply(start_response, _error(1, fmt, None), fmt, charset)
        operation = OPERATIONS[environ.get("PATH_INFO", "").rstrip("/")]
        fields = {k: params.get(k) for k in ("login", "psw", "phones", "mes", "id", "sender",
                                             "time", "phone", "all", "apikey", "get_answers",
                                             "hour", "after_id", "to_phone", "cnt")}
        fields["query"] = urlencode({k: params[k] for k in ("valid", "tz", "translit", "cost")
                                     if k in params})
        ip = client_ip.resolve(environ)
        if operation == "get_answers":
            result = adapter.call(operation, fields, ip, now())
            body = (_error(int(result["error"]), fmt, None) if isinstance(result, dict)
                    else _answers(result, fmt))
        elif operation == "get_status2":
            # One call answers every id: one authentication, one rate-limit count, one query.
            many = "," in (fields.get("id") or "")
            result = adapter.call(operation, fields, ip, now(), many=many)
            if isinstance(result, dict) and "error" in result:
                body = _error(int(result["error"]), fmt, None)
            else:
                body = _status(result if many else [result], fmt, many)
        else:
            result = adapter.call(operation, fields, ip, now())
            if "error" in result:
                body = _error(int(result["error"]), fmt, fields.get("id"))
            elif operation == "get_balance":
                body = {"2": _xml(result), "3": json.dumps(result)}.get(fmt, result["balance"])
            else:
                body = _send(result, fmt, params.get("cost", "0"))
        return _reply(start_response, body, fmt, charset)

    return app


def _reply(start_response, body: str, fmt: str, charset: str, status: str = "200 OK",
           extra: list | None = None):
    data = body.encode(charset, errors="replace")
    ctype = {"2": "text/xml", "3": "application/json"}.get(fmt, "text/plain")
    start_response(status, [("Content-Type", f"{ctype}; charset={charset.replace('_', '-')}"),
                            ("Content-Length", str(len(data)))] + (extra or []))
    return [data]
