"""wsdl/smsgw.wsdl is the contract stubs are generated from: the served WSDL must equal it,
byte for byte, in every process, and keep the hygiene that makes stubs clean."""

from __future__ import annotations

import os
import subprocess
import sys

from lxml import etree

from service.api.soap.app import build_application, render_wsdl
from tests.wsdl_contract import COMMITTED_BASE, WSDL_FILE, committed_wsdl_for

W = "http://schemas.xmlsoap.org/wsdl/"
XS = "http://www.w3.org/2001/XMLSchema"
RENDER = ("from service.api.soap.app import build_application, render_wsdl;"
          "import sys; sys.stdout.buffer.write(render_wsdl(build_application(None), "
          "'http://127.0.0.1:8080/soap'))")


def built() -> bytes:
    return render_wsdl(build_application(None), COMMITTED_BASE + "/soap")


def test_the_built_wsdl_equals_the_committed_file():
    assert built() == WSDL_FILE.read_bytes(), (
        "the WSDL changed: if that is deliberate, regenerate wsdl/smsgw.wsdl and say so")


def test_the_wsdl_is_the_same_in_every_process():
    outputs = {subprocess.run([sys.executable, "-c", RENDER], capture_output=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
               for seed in (1, 2, 3)}
    assert outputs == {WSDL_FILE.read_bytes()}


def test_the_address_comes_from_configuration():
    text = render_wsdl(build_application(None), "https://sms.example.com/soap")
    assert b'location="https://sms.example.com/soap"' in text
    assert committed_wsdl_for("https://sms.example.com") == text


def test_stub_hygiene():
    root = etree.fromstring(WSDL_FILE.read_bytes())
    services = root.findall(f"{{{W}}}service")
    assert [s.get("name") for s in services] == ["SmsgwService"]  # one client class, not three
    assert len(services[0].findall(f"{{{W}}}port")) == 1
    assert not [op for op in root.iter(f"{{{W}}}operation") if "parameterOrder" in op.attrib]
    assert "soap12" not in WSDL_FILE.read_text()
    assert 'type="xs:integer"' not in WSDL_FILE.read_text()
    for message in root.iter(f"{{{W}}}message"):
        if not message.get("name").endswith("Fault"):
            assert [p.get("name") for p in message] == ["parameters"], message.get("name")
    port_type = root.find(f"{{{W}}}portType")
    for op in port_type.findall(f"{{{W}}}operation"):
        assert (op.findtext(f"{{{W}}}documentation") or "").strip(), op.get("name")
        assert {f.get("name") for f in op.findall(f"{{{W}}}fault")} == {
            "SmsgwFault", "InsufficientFundsFault"}


def test_lists_are_plain_repeated_elements_not_wrapper_types():
    root = etree.fromstring(WSDL_FILE.read_bytes())
    names = {t.get("name") for t in root.iter(f"{{{XS}}}complexType")}
    assert not [n for n in names if "Array" in n]
    def element(type_name, field):
        t = root.find(f".//{{{XS}}}complexType[@name='{type_name}']")
        return t.find(f".//{{{XS}}}element[@name='{field}']")
    assert element("SendSms", "recipients").get("maxOccurs") == "unbounded"
    assert element("GetStatus", "messageIds").get("maxOccurs") == "unbounded"
    assert element("SendSmsResult", "messages").get("maxOccurs") == "unbounded"
    assert element("GetStatusResponse", "statuses").get("maxOccurs") == "unbounded"
    assert element("MessageResult", "messageId").get("type") == "xs:long"


def test_the_oms_wsdl_equals_its_committed_file_in_every_process():
    from service.api.oms.wsdl import render_oms_wsdl
    committed = (WSDL_FILE.parent / "oms.wsdl").read_bytes()
    assert render_oms_wsdl("http://127.0.0.1:8080/oms") == committed
    code = ("from service.api.oms.wsdl import render_oms_wsdl; import sys; "
            "sys.stdout.buffer.write(render_oms_wsdl('http://127.0.0.1:8080/oms'))")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
               for seed in (1, 2)}
    assert outputs == {committed}
    root = etree.fromstring(committed)
    assert sorted(op.get("name") for op in root.find(f"{{{W}}}portType")) == [
        "DeliverXms", "DeliverXmsBatch", "GetServiceInfo", "GetUserInfo", "SendXms"]
    assert len(root.findall(f"{{{W}}}binding")) == 2  # SOAP 1.1 and SOAP 1.2 on one URL
