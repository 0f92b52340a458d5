"""SOAP 1.1 input protocol with the hardening spyne lacks.

- The body is parsed by the one hardened parser of every door (``api/xml.py``), never by
  spyne's: a DOCTYPE/DTD is refused (WS-I BP R1008) before any entity is even declared, and
  SOAP with attachments (spyne's MIME path, which parses with lxml's defaults) is never taken.
- A request the shared reading layer refused (too large, a media type we do not speak, a body
  that could not be read) arrives here as ``REFUSED`` in the environ, and leaves as the same
  typed fault as every other error.
- A header marked ``mustUnderstand="1"`` that we do not process gets a MustUnderstand fault
  (SOAP 1.1 §4.2.3); spyne would silently ignore it.
- Schema validation errors become the same typed fault as every other validation error.
"""

from __future__ import annotations

from lxml import etree
from lxml.builder import E
from spyne import Fault
from spyne.model.primitive import Boolean, DateTime, Decimal, Integer, Unicode
from spyne.protocol.soap import Soap11
from spyne.protocol.xml import SchemaValidationError

from ..xml import XmlRefused, parse_xml
from .faults import schema_error, typed_fault
from ..ns import SOAP11_ENV, WSSE, XSI

UNDERSTOOD_HEADERS = frozenset({f"{{{WSSE}}}Security"})
REFUSED = "smsgw.request_refused"  # environ key: the RequestRefused of the reading layer
_STATUS = {413: "413 Request Entity Too Large", 415: "415 Unsupported Media Type",
           400: "400 Bad Request"}


class StrictSoap11(Soap11):
    _declared: frozenset[str] | None = None

    def _declared_names(self) -> frozenset[str]:
        """Local names of every element the service's schema declares (built once)."""
        if self._declared is None:
            names = set()
            for cls in self.app.interface.classes.values():
                names.update(getattr(cls, "_type_info", {}) or {})
            self._declared = frozenset(names)
        return self._declared

    def create_in_document(self, ctx, charset=None):
        transport = ctx.transport
        refused = (getattr(transport, "req_env", None) or {}).get(REFUSED)
        if refused is not None:
            transport.resp_code = _STATUS.get(refused.status)
            raise typed_fault(refused.error)
        if getattr(transport, "req_env", None) is not None \
                and transport.get_request_method() != "POST":
            transport.resp_code = "405 Method Not Allowed"
            raise Fault("Client.RequestNotAllowed", "POST a SOAP envelope, or GET ?wsdl")
        body = b"".join(ctx.in_string)
        if not body.strip():
            raise Fault("Client.XMLSyntaxError", "the request body is empty")
        try:
            root = parse_xml(body, charset)
        except XmlRefused as exc:
            if exc.doctype:
                raise Fault("Client.DTDNotAllowed",
                            "a DOCTYPE/DTD is not allowed in SOAP messages") from exc
            raise Fault("Client.XMLSyntaxError", str(exc)) from exc
        # spyne resolves SOAP-encoding hrefs through ID attributes; without a DTD there are
        # none (rpc/encoded multirefs are not our contract), so there is nothing to resolve.
        ctx.in_document = (root, {})

    def decompose_incoming_envelope(self, ctx, message=Soap11.REQUEST):
        root = ctx.in_document[0] if isinstance(ctx.in_document, tuple) else None
        if root is not None and root.tag == f"{{{SOAP11_ENV}}}Envelope" \
                and root.find(f"{{{SOAP11_ENV}}}Body") is None:
            # spyne would read the missing Body as None and fail on it (a 500, not a fault)
            raise Fault("Client.SoapEnvelope", "the SOAP envelope has no Body")
        try:
            super().decompose_incoming_envelope(ctx, message)
        except SchemaValidationError as exc:
            raise typed_fault(schema_error(str(exc.faultstring), self._declared_names())) from exc
        self._check_headers(ctx)

    def _check_headers(self, ctx) -> None:
        for header in ctx.in_header_doc or ():
            flag = header.get(f"{{{SOAP11_ENV}}}mustUnderstand")
            if flag in ("1", "true") and header.tag not in UNDERSTOOD_HEADERS:
                raise Fault("MustUnderstand", f"header {header.tag} is not understood")


_NIL = {f"{{{XSI}}}nil": "true"}


def _text_of(field_cls):
    """The text spyne writes for a value of a primitive type without a custom format."""
    attrs = field_cls.Attributes
    if getattr(attrs, "format", None) or getattr(attrs, "str_format", None):
        return None
    if issubclass(field_cls, Boolean):
        return lambda v: "true" if v else "false"
    if issubclass(field_cls, (Integer, Decimal)):
        return str
    if issubclass(field_cls, DateTime):
        return lambda v: v.isoformat()
    if issubclass(field_cls, Unicode):
        return lambda v: v if isinstance(v, str) else None
    return None


class SmsgwSoap11Out(Soap11):
    """SOAP 1.1 output: typed faults done right, and a fast path for flat list items.

    Faults carry only the standard children and our ``<detail>``: spyne would also write a
    Fault subclass's declared members straight under ``soap:Fault`` (as nil elements), which
    breaks WS-I BP R1000 and confuses stub clients.

    spyne serialises each member of each complex value through several layers of dispatch;
    for a 100-message SendSms result that was half the request's CPU. Types listed in
    ``flat_types`` (only primitive members, no attributes) are written directly with lxml,
    to exactly the XML spyne would produce; a test holds the two to the same output.
    """

    def __init__(self, *args, flat_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._plans = {cls: self._plan(cls) for cls in flat_types}

    @staticmethod
    def _plan(cls):
        ns = cls.get_namespace()
        plan = []
        for name, field_cls in cls._type_info.items():
            text = _text_of(field_cls)
            attrs = field_cls.Attributes
            if text is None or attrs.max_occurs != 1 or attrs.sub_name or attrs.sub_ns:
                raise TypeError(f"{cls.__name__}.{name} cannot be serialised on the fast path")
            plan.append((name, f"{{{ns}}}{name}", text, attrs.min_occurs == 0))
        return tuple(plan)

    def complex_to_parent(self, ctx, cls, inst, parent, ns, name=None, add_type=False, **kw):
        # Lists hold customized copies of the declared type (``customize`` subclasses it).
        plan = self._plans.get(cls) or self._plans.get(getattr(cls, "__orig__", None))
        if plan is None or add_type or not isinstance(parent, etree._Element):
            return super().complex_to_parent(ctx, cls, inst, parent, ns, name, add_type, **kw)
        element = etree.SubElement(parent, f"{{{ns}}}{name or cls.get_type_name()}")
        for field, tag, text, optional in plan:
            value = getattr(inst, field, None)
            if value is None:
                if not optional:
                    etree.SubElement(element, tag, _NIL)
                continue
            rendered = text(value)
            if rendered is None:  # not the type the schema says: let spyne decide
                element.getparent().remove(element)
                return super().complex_to_parent(ctx, cls, inst, parent, ns, name, add_type, **kw)
            etree.SubElement(element, tag).text = rendered
        return None

    def _fault_to_parent_impl(self, ctx, cls, inst, parent, ns, subelts, **_):
        children = [e for e in subelts if e.tag != "faultactor" or (e.text or "").strip()]
        if isinstance(inst.detail, etree._Element):
            children.append(E("detail", inst.detail))
        parent.append(E(f"{{{self.ns_soap_env}}}Fault", *children))
