"""The smsc-compatible WSDL: service ``Service``, port ``ServiceSoap``, document/literal bare,
SOAPAction = the target namespace. Children are unqualified (elementFormDefault unqualified),
which is what the JAX-WS and PHP clients generated from smsc's WSDL send."""

from __future__ import annotations

from lxml import etree
from lxml.builder import ElementMaker

from ..ns import SOAP_HTTP, WSDL, XSD
from ..ns import WSDL_SOAP11 as SOAP
from .contract import OPERATIONS


def render_smsc_wsdl(namespace: str, address: str) -> bytes:
    W = ElementMaker(namespace=WSDL, nsmap={"wsdl": WSDL, "s": XSD, "soap": SOAP, "tns": namespace})
    S = ElementMaker(namespace=XSD)
    P = ElementMaker(namespace=SOAP)

    def fields(names, all_optional=False):
        return S.sequence(*[S.element(name=n.rstrip("?"), type="s:string",
                                      minOccurs="0" if all_optional or n.endswith("?") else "1")
                            for n in names])

    elements, messages, port_ops, binding_ops = [], [], [], []
    for op, (request, req_fields, response, result, res_fields) in OPERATIONS.items():
        elements.append(S.element(S.complexType(fields(req_fields)), name=request))
        elements.append(S.element(S.complexType(S.sequence(
            S.element(name=result, type=f"tns:{result}", minOccurs="0"))), name=response))
        messages.append(W.message(W.part(name="parameters", element=f"tns:{request}"),
                                  name=f"{op}In"))
        messages.append(W.message(W.part(name="parameters", element=f"tns:{response}"),
                                  name=f"{op}Out"))
        port_ops.append(W.operation(W.input(message=f"tns:{op}In"),
                                    W.output(message=f"tns:{op}Out"), name=op))
        binding_ops.append(W.operation(P.operation(soapAction=namespace, style="document"),
                                       W.input(P.body(use="literal")),
                                       W.output(P.body(use="literal")), name=op))
    results = {spec[3]: spec[4] for spec in OPERATIONS.values()}
    types = [S.complexType(fields(names, all_optional=True), name=name)
             for name, names in results.items()]
    root = W.definitions(
        W.types(S.schema(*types, *elements, targetNamespace=namespace,
                         elementFormDefault="unqualified")),
        *messages, W.portType(*port_ops, name="ServiceSoap"),
        W.binding(P.binding(transport=SOAP_HTTP, style="document"),
                  *binding_ops, name="ServiceSoap", type="tns:ServiceSoap"),
        W.service(W.port(P.address(location=address), name="ServiceSoap",
                         binding="tns:ServiceSoap"), name="Service"),
        targetNamespace=namespace)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"
