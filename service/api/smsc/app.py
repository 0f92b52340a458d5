"""The smsc-compatible SOAP endpoint (``/sys/soap.php``): a thin lxml adapter.

spyne cannot reproduce this contract exactly (document/literal *bare* with unqualified
children, one SOAPAction for every operation, requests in several namespaces answered in
their own), so the envelope is read and written here and the work is done by SmscAdapter.
"""

from __future__ import annotations

import logging
from typing import Callable

from lxml import etree

from ..client_ip import ClientIpResolver
from ..ns import SMSC_KNOWN, SOAP11_ENV as SOAP11
from ..reading import RequestRefused, charset_of, not_multipart, read_body
from ..soap_fault import soap_fault
from ..xml import XmlRefused, parse_xml
from .adapter import SmscAdapter
from .contract import BY_REQUEST, OPERATIONS, field_names

log = logging.getLogger(__name__)


def _fault(message: str, server: bool = False) -> bytes:
    return soap_fault(message, client=not server)


def _answer(namespace: str, operation: str, result: dict[str, str]) -> bytes:
    _request, _fields, response, wrapper, order = OPERATIONS[operation]
    env = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"soap": SOAP11, "ns1": namespace})
    body = etree.SubElement(env, f"{{{SOAP11}}}Body")
    out = etree.SubElement(etree.SubElement(body, f"{{{namespace}}}{response}"), wrapper)
    for name in order:  # unqualified string fields, in the contract's order
        if name in result:
            etree.SubElement(out, name).text = result[name]
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def smsc_soap_app(adapter: SmscAdapter, client_ip: ClientIpResolver, own_namespace: str,
                  max_request_bytes: int, now: Callable):
    namespaces = set(SMSC_KNOWN) | {own_namespace}

    def reply(start_response, status: str, body: bytes):
        start_response(status, [("Content-Type", "text/xml; charset=utf-8"),
                                ("Content-Length", str(len(body)))])
        return [body]

    def app(environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return reply(start_response, "405 Method Not Allowed",
                         _fault("POST a SOAP envelope, or GET ?wsdl"))
        try:
            # Like smsc's own server, any body is read as the envelope, but never attachments.
            body = read_body(environ, max_request_bytes, not_multipart)
        except RequestRefused as exc:
            return reply(start_response, exc.status_line, _fault(exc.error.message))
        try:
            root = parse_xml(body, charset_of(environ))
        except XmlRefused as exc:
            return reply(start_response, "500 Internal Server Error",
                         _fault(f"malformed SOAP envelope: {exc}"))
        body = root.find(f"{{{SOAP11}}}Body") if root.tag == f"{{{SOAP11}}}Envelope" else None
        call = body[0] if body is not None and len(body) else None
        name = etree.QName(call) if call is not None else None
        if name is None or name.namespace not in namespaces or name.localname not in BY_REQUEST:
            return reply(start_response, "500 Internal Server Error",
                         _fault("expected a SOAP 1.1 body with send, send2, cost, cost2, status, "
                                "status2 or balance in the smsc namespace"))
        operation = BY_REQUEST[name.localname]
        wanted = field_names(OPERATIONS[operation][1])
        # Children are read by local name: qualified or not, both kinds of client work.
        fields = {etree.QName(child).localname: (child.text or "") for child in call
                  if isinstance(child.tag, str)}
        fields = {k: v for k, v in fields.items() if k in wanted}
        try:
            result = adapter.call(operation, fields, client_ip.resolve(environ), now())
        except Exception:
            log.exception("smsc %s failed", operation)
            return reply(start_response, "500 Internal Server Error",
                         _fault("internal error", server=True))
        return reply(start_response, "200 OK", _answer(name.namespace, operation, result))

    return app
