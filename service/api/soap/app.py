"""The native SOAP endpoint as a WSGI app: spyne, hardened, with a fixed WSDL."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from spyne import Application, Fault
from spyne.server.wsgi import WsgiApplication

from ...app.use_cases import UseCases
from ..client_ip import ClientIpResolver
from ..reading import RequestRefused, buffered_environ, read_body
from .faults import protocol_fault
from ..ns import TNS
from .protocol import REFUSED, SmsgwSoap11Out, StrictSoap11
from . import book_types as bt
from . import types as t
from .book_service import ContactBookService
from .inbox_service import InboxService
from .ledger_service import LedgerService
from .mailing_service import MailingService
from .sender_service import SenderService
from .service import SmsgwService
from .subaccount_service import AccountSettingsService, SubAccountService
from .wsdl import clean_wsdl

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Gateway:
    """What the SOAP operations reach through ``ctx.app.gateway``."""

    use_cases: UseCases
    client_ip: ClientIpResolver


class HardenedWsgiApplication(WsgiApplication):
    """Every error, spyne's own included, leaves as a typed fault; internals are logged only."""

    def handle_error(self, p_ctx, others, error, start_response):
        if isinstance(error, Fault):
            translated = protocol_fault(error)
        else:
            log.error("unhandled error in SOAP request: %r", error)
            translated = protocol_fault(Fault("Server", "internal error"))
        if translated.faultcode.startswith("Server") and p_ctx.in_error is None:
            log.error("server fault: %s", error)
        p_ctx.out_error = translated
        return super().handle_error(p_ctx, others, translated, start_response)


def build_application(gateway: Gateway | None, name: str = "smsgw") -> Application:
    out_protocol = SmsgwSoap11Out(flat_types=(t.MessageResult, t.MessageStatus, bt.MessageRecord,
                                              bt.ItemResult))
    application = Application([SmsgwService, ContactBookService, MailingService, SenderService,
                               LedgerService, SubAccountService, AccountSettingsService,
                               InboxService],
                              tns=TNS,
                              name=name,
                              in_protocol=StrictSoap11(validator="lxml"), out_protocol=out_protocol)
    application.gateway = gateway
    return application


# SOAP 1.1 is text/xml; the others reach the envelope check and get its fault. Not
# multipart/related: attachments are not part of the contract, and spyne's MIME path would
# parse the root part with lxml's default (entity-expanding) parser.
MEDIA_TYPES = ("text/xml", "application/soap+xml", "application/xml")


def read_through(spyne_app, max_request_bytes: int):
    """spyne reads ``wsgi.input`` itself (a chunked body it would cut at its limit, silently):
    give it the body the shared reading layer read whole, or the refusal to answer."""

    def app(environ, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):  # no body: spyne answers 405
            return spyne_app(buffered_environ(environ, b""), start_response)
        try:
            body = read_body(environ, max_request_bytes, MEDIA_TYPES)
        except RequestRefused as exc:
            environ = {**buffered_environ(environ, b""), REFUSED: exc,
                       "CONTENT_TYPE": "text/xml; charset=utf-8"}
        else:
            environ = buffered_environ(environ, body)
        return spyne_app(environ, start_response)

    return app


def build_wsgi(gateway: Gateway, public_soap_url: str, max_request_bytes: int):
    """Return (wsgi_app, wsdl_bytes). The WSDL is built once here, never per request."""
    # spyne logs every client fault and every unparsable request with a traceback; those are
    # the caller's mistakes, answered with a fault, not events for the operator's log.
    for name in ("spyne.application.client", "spyne.protocol.soap.soap11.invalid"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    application = build_application(gateway)
    wsgi = HardenedWsgiApplication(application, max_content_length=max_request_bytes)
    return read_through(wsgi, max_request_bytes), render_wsdl(application, public_soap_url)


def render_wsdl(application: Application, public_soap_url: str) -> bytes:
    wsgi = WsgiApplication(application)
    wsgi.doc.wsdl11.build_interface_document(public_soap_url)
    return clean_wsdl(wsgi.doc.wsdl11.get_interface_document())
