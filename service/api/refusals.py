"""A request refused before any door reads it (gunicorn's parser, the worker's framing), answered
in the shape of the door its path names: never gunicorn's HTML error page.

The server (``service.server.worker``) calls :func:`refusal` with the raw request target, the
HTTP status it chose and why; each door's own renderer shapes the body: a typed SOAP fault on
``/soap``, a SOAP fault on ``/oms`` and ``/sys/soap.php``, smsc's error 1 on ``/sys/*.php``, and
the ``{code, data, message}`` envelope elsewhere.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from lxml import etree

from ..domain.errors import ValidationError
from .ns import SOAP11_ENV


def _path_and_query(target: str) -> tuple[str, str]:
    path, _, query = target.partition("?")
    if "://" in path:  # absolute-form: http://host/path
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    path = path.rstrip("/") or "/"
    return path, query


def refusal(target: str, message: str) -> tuple[str, bytes]:
    """(Content-Type, body) of the error answering a request to ``target`` refused unread."""
    path, query = _path_and_query(target)
    if path == "/soap":
        from .soap.faults import typed_fault
        fault = typed_fault(ValidationError(message, field="request"))
        soap = SOAP11_ENV
        env = etree.Element(f"{{{soap}}}Envelope", nsmap={"soap11env": soap})
        f = etree.SubElement(etree.SubElement(env, f"{{{soap}}}Body"), f"{{{soap}}}Fault")
        etree.SubElement(f, "faultcode").text = "soap11env:" + fault.faultcode
        etree.SubElement(f, "faultstring").text = fault.faultstring
        etree.SubElement(f, "detail").append(fault.detail)
        return "text/xml; charset=utf-8", etree.tostring(env, xml_declaration=True,
                                                         encoding="UTF-8")
    if path == "/oms":
        from .oms.envelope import EnvelopeError, fault as oms_fault
        return "text/xml; charset=utf-8", oms_fault(EnvelopeError(message))
    if path == "/sys/soap.php":
        from .smsc.app import _fault
        return "text/xml; charset=utf-8", _fault(message)
    if path in ("/sys/send.php", "/sys/status.php", "/sys/balance.php", "/sys/get.php"):
        from .smsc.http import _error
        fmt = dict(parse_qsl(query, encoding="latin-1")).get("fmt", "0")
        fmt = fmt if fmt in ("0", "1", "2", "3") else "0"
        ctype = {"2": "text/xml", "3": "application/json"}.get(fmt, "text/plain")
        return ctype + "; charset=utf-8", _error(1, fmt, None).encode()
    body = {"code": 1, "data": {"field": "request"}, "message": message}
    return "application/json", json.dumps(body).encode()


def target_of(raw: bytes) -> str:
    """The request target of a request's raw first line ("" if there is none)."""
    line = raw.lstrip(b"\r\n").split(b"\n", 1)[0]
    parts = line.split(b" ")
    return parts[1].decode("latin-1") if len(parts) >= 2 else ""
