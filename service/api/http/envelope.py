"""The HTTP API's envelope ``{code, data, message}`` (seed 004), in JSON or XML, and its one
translation table from domain errors to codes and HTTP statuses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from ...app.errors import SaveConflict
from ...domain import errors as e
from ..errors import Entry, translate

# code -> HTTP status; the envelope is in the body whatever the status.
HTTP_STATUS = {0: 200, 98: 200, 100: 200, 99: 422, 1: 400, 11: 400, 12: 400, 4: 404, 5: 404,
               6: 406, 2: 404, 8: 401, 9: 403, 14: 403, 15: 402, 30: 429, 3: 500, 10: 503,
               999: 500}
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 402: "Payment Required",
           403: "Forbidden", 404: "Not Found", 406: "Not Acceptable", 422: "Unprocessable Entity",
           429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}


@dataclass(frozen=True)
class ErrorAnswer:
    """The envelope of a domain error: its code and data, and a Retry-After if there is one."""

    code: int
    data: Any = None
    retry_after: int | None = None


def _with_field(error: e.SmsgwError) -> ErrorAnswer:
    return ErrorAnswer(error.code, {"field": error.field} if error.field else None)


def _retry_later(error: e.RateLimited | e.TooManyAttempts) -> ErrorAnswer:
    return ErrorAnswer(error.code, None, error.retry_after)


# The HTTP API's one translation table: domain errors to envelopes (HTTP_STATUS gives the status).
HTTP_ERRORS: dict[type[e.SmsgwError], Entry[ErrorAnswer]] = {
    e.IpNotAllowed: ErrorAnswer(9),    # an access refusal, not a failed login: 403, no Basic prompt
    e.TooManyAttempts: _retry_later,
    e.QuotaExceeded: lambda error: ErrorAnswer(error.code, {
        "field": error.field, "limit": error.limit, "used": error.used}, error.retry_after),
    e.RateLimited: _retry_later,
    # concurrent writers won; nothing was saved, so a retry is safe at once
    SaveConflict: lambda error: ErrorAnswer(error.code, None, 1),
    e.InsufficientFunds: lambda error: ErrorAnswer(
        error.code, {"required": error.required, "balance": error.balance}),
    e.SmsgwError: _with_field,
}


def error_answer(error: e.SmsgwError) -> ErrorAnswer:
    """The envelope code, data and Retry-After of a domain error."""
    return translate(HTTP_ERRORS, error)


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _xml(parent, name: str, value) -> None:
    el = etree.SubElement(parent, name)
    if isinstance(value, dict):
        for k, v in value.items():
            _xml(el, k, v)
    elif isinstance(value, list):
        for item in value:
            _xml(el, "item", item)
    elif value is not None:
        el.text = value if isinstance(value, str) else (
            json.dumps(value) if isinstance(value, bool) else str(_plain(value))
            if isinstance(value, (Decimal, datetime, date)) else str(value))


def render(code: int, data, message: str, fmt: str) -> tuple[str, bytes, str]:
    """(HTTP status line, body, content type)."""
    status = HTTP_STATUS.get(code, 500)
    envelope = {"code": code, "data": data, "message": message}
    if fmt == "xml":
        root = etree.Element("response")
        for k, v in envelope.items():
            _xml(root, k, v)
        body = etree.tostring(root, xml_declaration=True, encoding="utf-8")
        ctype = "application/xml; charset=utf-8"
    else:
        body = json.dumps(envelope, default=_plain, ensure_ascii=False).encode()
        ctype = "application/json; charset=utf-8"
    return f"{status} {REASONS[status]}", body, ctype
