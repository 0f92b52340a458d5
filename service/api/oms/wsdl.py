"""The OMS WSDL (ASMX style: document/literal, string in, string out, SOAP 1.1 and 1.2).

Built with lxml from the operation table, so it is the same bytes in every process; the
address comes from configuration.
"""

from __future__ import annotations

from lxml import etree
from lxml.builder import ElementMaker

from ..ns import OMS, SOAP_HTTP, WSDL, WSDL_SOAP11, WSDL_SOAP12, XSD
from .contract import OPERATIONS

_W = ElementMaker(namespace=WSDL, nsmap={"wsdl": WSDL, "s": XSD, "soap": WSDL_SOAP11,
                                         "soap12": WSDL_SOAP12, "tns": OMS})
_S = ElementMaker(namespace=XSD)
_SOAP = {"soap": ElementMaker(namespace=WSDL_SOAP11), "soap12": ElementMaker(namespace=WSDL_SOAP12)}

_DOCS = {
    "GetServiceInfo": "Returns the serviceInfo document: provider, limits, supported services.",
    "GetUserInfo": "Takes an xmsUser document (userId, password); returns userInfo.",
    "DeliverXms": "Takes an xmsData document; sends each SMS content to every recipient; "
                  "returns xmsResponse.",
    "SendXms": "The legacy name of DeliverXms; the same behaviour.",
    "DeliverXmsBatch": "Takes an xmsBatch of xmsData items; returns xmsResponses, one per item.",
}


def _string_element(name: str):
    return _S.element(name=name, minOccurs="0", maxOccurs="1", type="s:string")


def _types():
    elements = []
    for request, param, response, result in OPERATIONS.values():
        inner = [_string_element(param)] if param else []
        elements.append(_S.element(_S.complexType(_S.sequence(*inner)), name=request))
        elements.append(_S.element(_S.complexType(_S.sequence(_string_element(result))),
                                   name=response))
    return _W.types(_S.schema(*elements, elementFormDefault="qualified", targetNamespace=OMS))


def _binding(prefix: str, name: str):
    soap = _SOAP[prefix]
    operations = [
        _W.operation(soap.operation(soapAction=f"{OMS}/{op}", style="document"),
                     _W.input(soap.body(use="literal")), _W.output(soap.body(use="literal")),
                     name=op)
        for op in OPERATIONS]
    return _W.binding(soap.binding(transport=SOAP_HTTP),
                      *operations, name=name, type="tns:OMSSoap")


def render_oms_wsdl(address: str) -> bytes:
    messages, port_ops = [], []
    for op, (request, _param, response, _result) in OPERATIONS.items():
        messages.append(_W.message(_W.part(name="parameters", element=f"tns:{request}"),
                                   name=f"{op}SoapIn"))
        messages.append(_W.message(_W.part(name="parameters", element=f"tns:{response}"),
                                   name=f"{op}SoapOut"))
        port_ops.append(_W.operation(_W.documentation(_DOCS[op]),
                                     _W.input(message=f"tns:{op}SoapIn"),
                                     _W.output(message=f"tns:{op}SoapOut"), name=op))
    root = _W.definitions(
        _types(), *messages, _W.portType(*port_ops, name="OMSSoap"),
        _binding("soap", "OMSSoap"), _binding("soap12", "OMSSoap12"),
        _W.service(_W.port(_SOAP["soap"].address(location=address), name="OMSSoap",
                           binding="tns:OMSSoap"),
                   _W.port(_SOAP["soap12"].address(location=address), name="OMSSoap12",
                           binding="tns:OMSSoap12"), name="OMS"),
        targetNamespace=OMS)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"
