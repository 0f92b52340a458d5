"""SOAP 1.1 and 1.2 envelopes for the OMS endpoint, told apart by the envelope namespace.

Parsing is strict and safe: no DTD, no entities, no network, bounded size. Envelope-level
problems are SOAP faults in the request's own SOAP version; problems inside the carried OMS
documents are not (they answer well-formed OMS documents).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ..soap_fault import soap_fault
from ..xml import XmlRefused, parse_xml
from ..ns import OMS
from ..ns import SOAP11_ENV as SOAP11
from ..ns import SOAP12_ENV as SOAP12
from .contract import OPERATIONS

CONTENT_TYPES = {SOAP11: "text/xml; charset=utf-8", SOAP12: "application/soap+xml; charset=utf-8"}


class EnvelopeError(Exception):
    """The request is not a usable SOAP envelope; answered with a SOAP fault."""

    def __init__(self, message: str, soap_ns: str = SOAP11, *, client: bool = True) -> None:
        super().__init__(message)
        self.soap_ns = soap_ns
        self.client = client


@dataclass(frozen=True)
class OmsCall:
    operation: str
    argument: str | None
    soap_ns: str


def read_call(body: bytes, soap_action: str | None, charset: str | None = None) -> OmsCall:
    try:
        root = parse_xml(body, charset)
    except XmlRefused as exc:
        raise EnvelopeError(f"malformed SOAP envelope: {exc}") from exc
    soap_ns = etree.QName(root).namespace
    if soap_ns not in (SOAP11, SOAP12) or etree.QName(root).localname != "Envelope":
        raise EnvelopeError("expected a SOAP 1.1 or 1.2 Envelope")
    body_el = root.find(f"{{{soap_ns}}}Body")
    if body_el is None or len(body_el) == 0:
        raise EnvelopeError("the SOAP Body is empty", soap_ns)
    call = body_el[0]
    name = etree.QName(call)
    if name.namespace != OMS or name.localname not in OPERATIONS:
        action = (soap_action or "").strip('"').rsplit("/", 1)[-1]
        raise EnvelopeError(f"unknown operation {name.localname!r}"
                            + (f" (SOAPAction {action})" if action else ""), soap_ns)
    param = OPERATIONS[name.localname][1]
    argument = None
    if param:
        element = call.find(f"{{{OMS}}}{param}")
        argument = element.text if element is not None else None
    return OmsCall(name.localname, argument, soap_ns)


def response(call: OmsCall, result: str) -> bytes:
    _request, _param, wrapper, field = OPERATIONS[call.operation]
    env = etree.Element(f"{{{call.soap_ns}}}Envelope", nsmap={"soap": call.soap_ns})
    body = etree.SubElement(env, f"{{{call.soap_ns}}}Body")
    out = etree.SubElement(body, f"{{{OMS}}}{wrapper}", nsmap={None: OMS})
    etree.SubElement(out, f"{{{OMS}}}{field}").text = result
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def fault(error: EnvelopeError) -> bytes:
    return soap_fault(str(error), error.soap_ns, client=error.client)
