"""SOAP faults for the doors that write their own envelopes (/oms and /sys/soap.php; /soap's
are spyne's): SOAP 1.1 ``faultcode``/``faultstring``, or SOAP 1.2 ``Code``/``Reason``."""

from __future__ import annotations

from lxml import etree

from .ns import SOAP11_ENV, XML


def soap_fault(message: str, soap_ns: str = SOAP11_ENV, *, client: bool = True) -> bytes:
    """The fault envelope in ``soap_ns``'s SOAP version; ``client`` blames the request
    (soap:Client, soap:Sender), else us (soap:Server, soap:Receiver)."""
    env = etree.Element(f"{{{soap_ns}}}Envelope", nsmap={"soap": soap_ns})
    fault = etree.SubElement(etree.SubElement(env, f"{{{soap_ns}}}Body"), f"{{{soap_ns}}}Fault")
    if soap_ns == SOAP11_ENV:
        etree.SubElement(fault, "faultcode").text = "soap:Client" if client else "soap:Server"
        etree.SubElement(fault, "faultstring").text = message
    else:
        code = etree.SubElement(fault, f"{{{soap_ns}}}Code")
        etree.SubElement(code, f"{{{soap_ns}}}Value").text = ("soap:Sender" if client
                                                               else "soap:Receiver")
        text = etree.SubElement(etree.SubElement(fault, f"{{{soap_ns}}}Reason"),
                                f"{{{soap_ns}}}Text")
        text.set(f"{{{XML}}}lang", "en")
        text.text = message
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")
