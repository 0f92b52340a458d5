"""Fix spyne's WSDL once, at startup, so every worker serves the same clean bytes.

- the address comes from configuration, never from a request's Host header
- no ``parameterOrder`` (it names parts that do not exist and breaks Axis 1.4)
- no unused namespace declarations; a SOAP 1.2 one makes gSOAP speak SOAP 1.2
- message parts are named ``parameters`` (.NET then generates wrapped methods)
- global types, elements and messages sorted by name: spyne's order varies per process
- one ``wsdl:service``: spyne writes one per ServiceBase class, all with a port to the same
  binding, and stub generators would then build one client class per service
"""

from __future__ import annotations

import inspect

from lxml import etree

from ..ns import WSDL, XSD


def _sort_children(parent, key_tags: tuple[str, ...]) -> None:
    movable = [c for c in parent if c.tag in key_tags]
    for c in movable:
        parent.remove(c)
    movable.sort(key=lambda c: (key_tags.index(c.tag), c.get("name") or ""))
    for c in movable:
        parent.append(c)


def clean_wsdl(raw: bytes, service_name: str = "SmsgwService") -> bytes:
    root = etree.fromstring(raw)
    services = root.findall(f"{{{WSDL}}}service")
    if len(services) > 1:
        keep = next((sv for sv in services if sv.get("name") == service_name), services[0])
        for sv in services:
            if sv is not keep:
                root.remove(sv)
    for doc in root.iter(f"{{{WSDL}}}documentation"):
        doc.text = inspect.cleandoc(doc.text or "")
    for op in root.iter(f"{{{WSDL}}}operation"):
        op.attrib.pop("parameterOrder", None)
    for message in root.iter(f"{{{WSDL}}}message"):
        for part in message.iter(f"{{{WSDL}}}part"):
            if not message.get("name", "").endswith("Fault"):
                part.set("name", "parameters")
    for schema in root.iter(f"{{{XSD}}}schema"):
        _sort_children(schema, (f"{{{XSD}}}import", f"{{{XSD}}}simpleType",
                                f"{{{XSD}}}complexType", f"{{{XSD}}}element"))
    _sort_children(root, (f"{{{WSDL}}}documentation", f"{{{WSDL}}}types", f"{{{WSDL}}}message",
                          f"{{{WSDL}}}service", f"{{{WSDL}}}portType", f"{{{WSDL}}}binding"))
    # QName-valued attributes (type="tns:x") don't count as uses, so keep those prefixes;
    # every other unused declaration, the SOAP 1.2 ones included, goes.
    etree.cleanup_namespaces(root, keep_ns_prefixes=["xs", "tns"])
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"
