"""The /oms endpoint as a WSGI app: SOAP 1.1 and 1.2 on one URL (the WSDL is served by the router)."""

from __future__ import annotations

import logging

from ..client_ip import ClientIpResolver
from .adapter import OmsAdapter
from .envelope import CONTENT_TYPES, EnvelopeError, fault, read_call, response
from .namespaces import SOAP11

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
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > max_request_bytes:
            return reply(start_response, "413 Payload Too Large", SOAP11, fault(EnvelopeError(
                f"the request body must be 0..{max_request_bytes} bytes")))
        body = environ["wsgi.input"].read(length)
        try:
            call = read_call(body, environ.get("HTTP_SOAPACTION"))
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
