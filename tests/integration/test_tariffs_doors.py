"""Every door that prices uses the account's own tariff (app/pricing/tariffs.py), on both
stores: native SOAP SendSms/GetSmsCost, HTTP Sms/Send and Sms/GetCost, smsc's send/cost
(SOAP and HTTP), OMS, and mailings (inline and as a background task). Plus the CLI."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import select

from service.cli import main
from service.persistence.tables import messages
from tests.integration.doors import LOGIN, TNS, Doors, smsc_soap_result

RU, UK = "+79991234567", "+442071838750"
CSV = b"prefix,price\n7,0.20\n79991,0.15\n"


@pytest.fixture
def doors(database_url):
    d = Doors(database_url, task_threshold=2)
    tariffs = d.container.use_cases.tariffs
    tariffs.import_csv("vip", CSV, default_price="3.00")
    tariffs.assign(LOGIN, "vip")
    yield d
    d.close()


def balance(doors) -> Decimal:
    return doors.container.use_cases.accounts.show(LOGIN).balance


def last_costs(doors, n: int) -> list[Decimal]:
    with doors.container.engine.connect() as conn:
        rows = conn.execute(select(messages.c.cost).order_by(messages.c.id.desc()).limit(n))
        return [r.cost for r in rows][::-1]


def soap_value(body: bytes, name: str) -> str:
    found = etree.fromstring(body).find(f".//{{{TNS}}}{name}")
    assert found is not None, body
    return found.text or ""


def test_native_soap_send_and_cost(doors):
    inner = f"<t:recipients>{RU}</t:recipients><t:recipients>{UK}</t:recipients><t:text>Hi</t:text>"
    status, body = doors.soap("GetSmsCost", inner)
    assert status == 200 and Decimal(soap_value(body, "cost")) == Decimal("3.15")
    status, body = doors.soap("SendSms", inner)
    assert status == 200 and Decimal(soap_value(body, "totalCost")) == Decimal("3.15")
    assert balance(doors) == Decimal("96.85")


def test_http_send_and_get_cost(doors):
    status, body = doors.api("Sms/GetCost", {"recipients": "+79001234567", "text": "Hi"})
    assert status == 200 and Decimal(str(body["data"]["cost"])) == Decimal("0.20")
    status, body = doors.api("Sms/Send", {"recipients": [RU, UK], "text": "Hi"})
    assert status == 200 and Decimal(str(body["data"]["totalCost"])) == Decimal("3.15")
    assert [Decimal(str(m["cost"])) for m in body["data"]["messages"]] == [
        Decimal("0.15"), Decimal("3.00")]


def test_smsc_cost_and_send_over_http_and_soap(doors):
    status, body = doors.smsc_http("send.php", {"phones": RU, "mes": "Hi", "cost": "1",
                                                "fmt": "3"})
    assert status == 200 and json.loads(body)["cost"] == "0.15"
    status, body = doors.smsc_http("send.php", {"phones": UK, "mes": "Hi", "cost": "2",
                                                "fmt": "3"})
    assert status == 200 and json.loads(body)["cost"] == "3.00"
    status, body = doors.smsc_soap("cost", {"phones": "+79001234567", "mes": "Hi"})
    assert status == 200 and smsc_soap_result(body)["cost"] == "0.20"
    status, body = doors.smsc_soap("send", {"phones": RU, "mes": "Hi"})
    assert status == 200 and smsc_soap_result(body)["cost"] == "0.15"
    assert balance(doors) == Decimal("100") - Decimal("3.15")  # cost=1 only prices


def test_oms_sends_are_priced_by_the_tariff(doors):
    reply = doors.oms_send([RU, UK], "Hi")
    assert reply.find(".//{*}error").get("code") == "ok"
    assert last_costs(doors, 2) == [Decimal("0.15"), Decimal("3.00")]
    assert balance(doors) == Decimal("96.85")


def test_mailings_inline_and_in_the_background(doors):
    status, body = doors.api("Mailing/Create", {"name": "m", "text": "Hi", "phones": [RU, UK]})
    assert status == 200, body
    status, body = doors.api("Mailing/Start", {"mailingId": body["data"]["id"]})
    assert status == 200 and body["code"] == 0, body
    assert last_costs(doors, 2) == [Decimal("0.15"), Decimal("3.00")]
    # above the task threshold (2): started by a background task, priced the same way
    phones = [RU, UK, "+79001234567"]
    status, body = doors.api("Mailing/Create", {"name": "big", "text": "Hi", "phones": phones})
    status, body = doors.api("Mailing/Start", {"mailingId": body["data"]["id"]})
    assert body["code"] == 100, body
    assert doors.container.use_cases.tasks.run_next("w1") is True
    assert sorted(last_costs(doors, 3)) == [Decimal("0.15"), Decimal("0.20"), Decimal("3.00")]
    assert balance(doors) == Decimal("100") - Decimal("3.15") - Decimal("3.35")


def test_back_on_the_default_tariff_the_default_prices_again(doors):
    doors.container.use_cases.tariffs.assign(LOGIN, "")
    status, body = doors.api("Sms/GetCost", {"recipients": [RU, UK], "text": "Hi"})
    assert Decimal(str(body["data"]["cost"])) == Decimal("2.00")  # SMSGW_DEFAULT_PRICE 1.00


def test_the_cli_imports_shows_assigns_and_refuses(database_url, tmp_path, monkeypatch, capsys):
    d = Doors(database_url)
    try:
        monkeypatch.setenv("SMSGW_DATABASE_URL", database_url)
        good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
        good.write_bytes(CSV)
        bad.write_bytes(b"7,0.20\nx,1\n7,2\n8,-1\n")
        assert main(["tariff", "import", "vip", str(good), "--default-price", "3"]) == 0
        assert "2 prices in RUB, default 3.0000, version 1" in capsys.readouterr().out
        assert main(["tariff", "import", "vip", str(bad)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "line 2:" in err and "line 3:" in err and "line 4:" in err
        assert main(["account", "set", LOGIN, "--tariff", "vip"]) == 0
        assert "tariff:         vip" in capsys.readouterr().out
        assert main(["tariff", "delete", "vip"]) == 1
        assert f"in use by {LOGIN}" in capsys.readouterr().err
        assert main(["tariff", "import", "eu", str(good), "--currency", "EUR"]) == 0
        assert main(["account", "set", LOGIN, "--tariff", "eu"]) == 1
        assert "must share a currency" in capsys.readouterr().err
        capsys.readouterr()
        assert main(["tariff", "list"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("eu\tEUR") and "\nvip\tRUB\tdefault 3.0000\t2 prices" in out
        assert main(["tariff", "show", "vip"]) == 0
        out = capsys.readouterr().out
        assert f"accounts: {LOGIN}" in out and "79991,0.1500" in out
        assert main(["account", "set", LOGIN, "--tariff", ""]) == 0
        assert "tariff:         default" in capsys.readouterr().out
        assert main(["tariff", "delete", "vip"]) == 0
        assert main(["tariff", "show", "vip"]) == 1
    finally:
        d.close()


def test_smsgw_tariff_may_name_a_stored_tariff(database_url):
    d = Doors(database_url, tariff="retail")
    try:
        status, body = d.api("Sms/GetCost", {"recipients": RU, "text": "Hi"})
        assert status != 200 or body["code"] != 0  # named but not imported: refused, not free
        d.container.use_cases.tariffs.import_csv("retail", b"7,0.70\n")
        status, body = d.api("Sms/GetCost", {"recipients": RU, "text": "Hi"})
        assert Decimal(str(body["data"]["cost"])) == Decimal("0.70")
    finally:
        d.close()


def test_a_reimport_racing_quotes_never_mixes_two_price_lists(database_url):
    """Quotes while the tariff flips between two lists: each quote is wholly one list or the
    other (default price and prefix price of the same import)."""
    import threading

    from service.app.access.auth import Credentials
    from service.app.pricing.tariffs import TariffResolver
    from service.app.sending.sending import QuoteSms
    from tests.integration.doors import PASSWORD

    d = Doors(database_url, rate_query_per_minute=0, rate_manage_per_minute=0)
    try:
        uc = d.container.use_cases
        lists = {"a": (b"7,0.10\n", "2.00"), "b": (b"7,0.30\n", "4.00")}
        uc.tariffs.import_csv("flip", lists["a"][0], default_price=lists["a"][1])
        uc.tariffs.assign(LOGIN, "flip")
        resolver = uc.sending._pricing
        done = threading.Event()
        errors: list[BaseException] = []

        def flip():
            try:
                for n in range(30):
                    data, default = lists["b" if n % 2 == 0 else "a"]
                    uc.tariffs.import_csv("flip", data, default_price=default)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                done.set()

        thread = threading.Thread(target=flip)
        thread.start()
        seen = set()
        creds = Credentials(LOGIN, PASSWORD, "127.0.0.1")
        while not done.is_set():
            resolver._cache.clear()  # every quote loads the list, to race the import
            seen.add(uc.sending.quote(QuoteSms(creds, [RU, UK], "Hi")).cost)
        thread.join()
        assert not errors
        assert seen <= {Decimal("2.10"), Decimal("4.30")}, seen
    finally:
        d.close()
