"""The /oms endpoint as a WSGI app: SOAP 1.1 and 1.2 on one URL (the WSDL is served by the router)."""

from __future__ import annotations

import logging

from ..client_ip import ClientIpResolver
from ..reading import RequestRefused, charset_of, read_body
from .adapter import OmsAdapter
from .envelope import CONTENT_TYPES, EnvelopeError, fault, read_call, response
from ..ns import SOAP11_ENV as SOAP11
from ..ns import SOAP12_ENV as SOAP12

# SOAP 1.1 (text/xml) and SOAP 1.2 (application/soap+xml); never multipart/related.
MEDIA_TYPES = ("text/xml", "application/soap+xml")

log = logging.getLogger(__name__)


def oms_app(adapter: OmsAdapter, client_ip: ClientIpResolver, max_request_bytes: int):
    handlers = {
        "GetServiceInfo": lambda arg, ip: adapter.get_service_info(),
        "GetUserInfo": adapter.get_user_info,
        "DeliverXms": adapter.deliver_xms,
        "SendXms": adapter.deliver_xms,
        "DeliverXmsBatch": adapter.deliver_batch,
    }

    def reply(start_response, status: str, soap_ns: str, body: bytes):
        start_response(status, [("Content-Type", CONTENT_TYPES[soap_ns]),
                                ("Content-Length", str(len(body)))])
        return [body]

    def app(environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return reply(start_response, "405 Method Not Allowed", SOAP11,
                         fault(EnvelopeError("POST a SOAP envelope, or GET ?wsdl")))
        try:
            body = read_body(environ, max_request_bytes, MEDIA_TYPES)
        except RequestRefused as exc:  # answered in the SOAP version the client asked for
            soap_ns = SOAP12 if "soap+xml" in environ.get("CONTENT_TYPE", "") else SOAP11
            return reply(start_response, exc.status_line, soap_ns,
                         fault(EnvelopeError(exc.error.message, soap_ns)))
        try:
            call = read_call(body, environ.get("HTTP_SOAPACTION"), charset_of(environ))
        except EnvelopeError as exc:
            return reply(start_response, "500 Internal Server Error", exc.soap_ns, fault(exc))
        try:
            result = handlers[call.operation](call.argument, client_ip.resolve(environ))
        except Exception:  # the adapter answers OMS errors itself; this is a bug of ours
            log.exception("OMS %s failed", call.operation)
            return reply(start_response, "500 Internal Server Error", call.soap_ns,
                         fault(EnvelopeError("internal error", call.soap_ns, client=False)))
        return reply(start_response, "200 OK", call.soap_ns, response(call, result))

    return app
