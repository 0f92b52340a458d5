"""SOAP 1.1 input protocol with the hardening spyne lacks.

- A DOCTYPE/DTD is refused (WS-I BP R1008), before any entity can matter.
- A header marked ``mustUnderstand="1"`` that we do not process gets a MustUnderstand fault
  (SOAP 1.1 §4.2.3); spyne would silently ignore it.
- Schema validation errors become the same typed fault as every other validation error.
"""

from __future__ import annotations

from lxml import etree
from lxml.builder import E
from spyne import Fault
from spyne.protocol.soap import Soap11
from spyne.protocol.xml import SchemaValidationError

from .faults import schema_error, typed_fault
from .namespaces import SOAP11_ENV, WSSE

UNDERSTOOD_HEADERS = frozenset({f"{{{WSSE}}}Security"})


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
        try:
            super().create_in_document(ctx, charset)
        except StopIteration as exc:  # spyne reads the first chunk of an empty body with next()
            raise Fault("Client.XMLSyntaxError", "the request body is empty") from exc
        except (UnicodeDecodeError, LookupError) as exc:
            raise Fault("Client.XMLSyntaxError",
                        f"the request body is not valid text in charset {charset}") from exc
        docinfo = ctx.in_document[0].getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise Fault("Client.DTDNotAllowed", "a DOCTYPE/DTD is not allowed in SOAP messages")

    def decompose_incoming_envelope(self, ctx, message=Soap11.REQUEST):
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


class TypedFaultSoap11(Soap11):
    """SOAP 1.1 output whose faults carry only the standard children and our ``<detail>``.

    spyne would also write a Fault subclass's declared members straight under ``soap:Fault``
    (as nil elements), which breaks WS-I BP R1000 and confuses stub clients.
    """

    def _fault_to_parent_impl(self, ctx, cls, inst, parent, ns, subelts, **_):
        children = [e for e in subelts if e.tag != "faultactor" or (e.text or "").strip()]
        if isinstance(inst.detail, etree._Element):
            children.append(E("detail", inst.detail))
        parent.append(E(f"{{{self.ns_soap_env}}}Fault", *children))
