"""Existing smsc clients, with only the host changed: zeep and suds stubs from the WSDL, and
the smsc documentation's PHP SoapClient usage."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import Decimal

import pytest
import zeep

from tests.e2e.conftest import ROOT


@pytest.fixture(scope="module")
def alex(server):
    created = server.admin("account", "create", "alex", "--password", "123", "--balance", "50")
    assert created.returncode == 0, created.stderr
    return server.base_url + "/sys/soap.php?wsdl"


def test_a_zeep_stub_sends_and_reads_status_and_balance(server, alex):
    service = zeep.Client(alex).service
    sent = service.send_sms(login="alex", psw="123", phones="79991234567", mes="Hello world!",
                            id="z-1", sender="ivan", time="0")
    assert (sent.id, sent.cnt, sent.cost, sent.error) == ("z-1", "1", "1.00", None)
    status = service.get_status(login="alex", psw="123", phone="79991234567", id="z-1", all="1")
    assert (status.status, status.phone, status.message) == ("-1", "+79991234567", "Hello world!")
    assert Decimal(service.get_balance(login="alex", psw="123").balance) < Decimal("50")


def test_a_suds_stub_works_too(server, alex):
    from suds.client import Client
    client = Client(alex, cache=None)
    result = client.service.get_sms_cost(login="alex", psw="123", phones="79991234567",
                                         mes="x" * 161)
    assert (result.cost, result.cnt) == ("2.00", "2")


def test_the_documented_php_soapclient_usage(server, alex):
    php = shutil.which("php")
    has_soap = php and "soap" in subprocess.run([php, "-m"], capture_output=True, text=True).stdout.split()
    if not has_soap:
        if os.environ.get("SMSGW_REQUIRE_INTEROP") == "1":
            pytest.fail("php with the soap extension is required here")
        pytest.skip("php-soap is not installed (.ci/run installs it)")
    out = subprocess.run([php, str(ROOT / "tests" / "e2e" / "interop" / "smsc_client.php"), alex],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["cnt"] == "1" and result["error"] is None and result["id"].isdigit()
    assert result["wrong_password_error"] == "2"
    assert Decimal(result["get_balance"]) == Decimal(result["balance"])
