"""An operator imports a tariff with the CLI and assigns it; a live gateway prices a client's
SOAP (zeep) and HTTP (requests) sends with it."""

from __future__ import annotations

from decimal import Decimal

import requests

from tests.e2e.conftest import soap_service


def test_a_tariff_imported_by_the_cli_prices_live_sends(server, tmp_path):
    service = soap_service(server, "tariffed", "50")
    price_list = tmp_path / "e2e.csv"
    price_list.write_text("prefix,price\n7,0.30\n7999,0.25\n")
    r = server.admin("tariff", "import", "e2e-vip", str(price_list), "--default-price", "4")
    assert r.returncode == 0, r.stderr
    r = server.admin("account", "set", "tariffed", "--tariff", "e2e-vip")
    assert r.returncode == 0 and "tariff:         e2e-vip" in r.stdout, r.stderr

    assert service.GetSmsCost(recipients=["+79991234567", "+442071838750"], text="Hi").cost \
        == Decimal("4.25")
    result = service.SendSms(recipients=["+79991234567"], text="Hi")
    assert result.totalCost == Decimal("0.25") and result.balance == Decimal("49.75")
    r = requests.post(f"{server.base_url}/api/Sms/Send", auth=("tariffed", "pw"), timeout=30,
                      data={"recipients": "+79001234567", "text": "Hi"})
    assert r.json()["data"]["totalCost"] == "0.3000"

    bad = tmp_path / "bad.csv"
    bad.write_text("7,0.30\n7,1\nabc,2\n")
    r = server.admin("tariff", "import", "e2e-vip", str(bad))
    assert r.returncode == 1 and "line 2:" in r.stderr and "line 3:" in r.stderr
    assert service.SendSms(recipients=["+79991234567"], text="Hi").totalCost == Decimal("0.25")
    r = server.admin("tariff", "delete", "e2e-vip")
    assert r.returncode == 1 and "in use by tariffed" in r.stderr
