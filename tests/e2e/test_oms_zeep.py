"""OMS through zeep against /oms?wsdl, delivered by a real worker, visible in the native API."""

from __future__ import annotations

import subprocess
import sys
import time

import requests
import zeep
from lxml import etree

from tests.e2e.conftest import ROOT, soap_service

OMS = "http://schemas.microsoft.com/office/Outlook/2006/OMS"


def test_outlook_flow_service_info_user_info_and_delivery(server):
    native = soap_service(server, "outlook", "10")
    assert server.admin("account", "set", "outlook", "--default-sender", "ACME").returncode == 0
    oms = zeep.Client(server.base_url + "/oms?wsdl").service
    info = etree.fromstring(oms.GetServiceInfo().encode())
    assert info.findtext("{%s/serviceInfo}serviceUri" % OMS) == server.base_url + "/oms"
    user = etree.fromstring(oms.GetUserInfo(xmsUser=(
        f'<xmsUser xmlns="{OMS}"><userId>outlook</userId><password>pw</password></xmsUser>'
    )).encode())
    assert user.findtext(f"{{{OMS}}}replyPhone") == "ACME"
    data = (f'<xmsData xmlns="{OMS}"><user><userId>outlook</userId><password>pw</password></user>'
            f"<xmsHead><to><recipient>+79991234567</recipient></to></xmsHead>"
            f'<xmsBody format="SMS"><content>From Outlook</content></xmsBody></xmsData>')
    response = etree.fromstring(oms.DeliverXms(xmsData=data).encode())
    assert response[0].get("code") == "ok"
    [message] = native.GetMessages().messages
    assert message.text == "From Outlook"
    worker = subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], cwd=ROOT,
                              env={**server.env, "SMSGW_SIMULATOR_RECEIPT_DELAY_MS": "200"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, status = time.monotonic() + 30, None
        while time.monotonic() < deadline and status != "DELIVERED":
            status = native.GetStatus(messageIds=[message.messageId])[0].statusName
            time.sleep(0.2)  # a poll: the worker process delivers, and tells us nothing
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert status == "DELIVERED"


def test_the_served_oms_wsdl_is_the_committed_contract(server):
    served = requests.get(server.base_url + "/oms?wsdl").content
    committed = (ROOT / "wsdl" / "oms.wsdl").read_bytes().replace(
        b"http://127.0.0.1:8080/oms", (server.base_url + "/oms").encode())
    assert served == committed
