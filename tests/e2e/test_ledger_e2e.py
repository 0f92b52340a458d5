"""The ledger against a live server: zeep's GetTransactions and requests' Account/Transactions
show a send's debit after the opening balance, sum to the balance, and answer bad input with
each door's own error."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from zeep.exceptions import Fault

from tests.e2e.conftest import soap_service

NS = "urn:smsgw:v1"


@pytest.fixture(scope="module")
def soap(server):
    service = soap_service(server, "ledgery", "10")
    service.SendSms(recipients=["+79991234567", "+79991234568"], text="Hi")
    return service


def http(server, path, **params):
    r = requests.get(f"{server.base_url}/api/{path}", params=params, auth=("ledgery", "pw"),
                     timeout=30)
    return r, r.json()


def test_get_transactions_shows_the_send_after_the_opening_balance_and_sums_to_it(soap):
    page = soap.GetTransactions()
    assert page.total == 2 and page.currency == "RUB"
    send, opening = page.transactions
    assert (send.amount, send.balanceAfter, send.reason, send.actor) == (
        Decimal("-2.00"), Decimal("8.00"), "send", "ledgery")
    assert send.reference.startswith("message:") and send.note == "2 messages"
    assert (opening.amount, opening.reason, opening.reference) == (
        Decimal("10.00"), "opening_balance", None)
    assert sum(t.amount for t in page.transactions) == soap.GetBalance().balance
    assert send.createdAt >= opening.createdAt
    assert [t.reason for t in soap.GetTransactions(page=2, pageSize=1).transactions] == [
        "opening_balance"]


@pytest.mark.parametrize("args,code,field", [
    ({"page": 0}, "12", "page"), ({"pageSize": 1001}, "12", "pageSize"),
    ({"pageSize": 0}, "12", "pageSize"),
    ({"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"}, "12", "until")])
def test_get_transactions_refuses_bad_input_with_a_typed_fault(soap, args, code, field):
    with pytest.raises(Fault) as caught:
        soap.GetTransactions(**args)
    detail = caught.value.detail.find(f"{{{NS}}}SmsgwFault")
    assert (detail.findtext(f"{{{NS}}}code"), detail.findtext(f"{{{NS}}}field")) == (code, field)


def test_a_since_that_is_not_a_time_is_a_client_fault(server, soap):
    envelope = (f'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
                f'xmlns:t="{NS}"><soap:Body><t:GetTransactions><t:since>yesterday</t:since>'
                '</t:GetTransactions></soap:Body></soap:Envelope>')
    r = requests.post(f"{server.base_url}/soap", data=envelope.encode(), auth=("ledgery", "pw"),
                      headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=30)
    assert r.status_code == 500 and b"Client" in r.content and b"SmsgwFault" in r.content


def test_account_transactions_over_http_match_the_soap_rows(server, soap):
    r, env = http(server, "Account/Transactions")
    assert r.status_code == 200 and env["code"] == 0
    data = env["data"]
    assert data["total"] == 2 and data["currency"] == "RUB"
    send = data["transactions"][0]
    assert {k: send[k] for k in ("amount", "balanceAfter", "reason", "actor", "note")} == {
        "amount": "-2.00", "balanceAfter": "8.00", "reason": "send", "actor": "ledgery",
        "note": "2 messages"}
    assert send["reference"] == soap.GetTransactions().transactions[0].reference
    _r, balance = http(server, "Account/GetBalance")
    assert balance["data"] == {"balance": "8.0000", "currency": "RUB"}  # unchanged shape
    _r, one = http(server, "Account/Transactions", page="2", pageSize="1")
    assert [t["reason"] for t in one["data"]["transactions"]] == ["opening_balance"]


@pytest.mark.parametrize("params,status,code,field", [
    ({"page": "0"}, 400, 12, "page"), ({"pageSize": "5000"}, 400, 12, "pageSize"),
    ({"pageSize": "ten"}, 400, 1, "pageSize"), ({"since": "yesterday"}, 400, 1, "since"),
    ({"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"}, 400, 12, "until")])
def test_account_transactions_refuses_bad_input_with_its_envelope(server, soap, params, status,
                                                                  code, field):
    r, env = http(server, "Account/Transactions", **params)
    assert (r.status_code, env["code"], env["data"]) == (status, code, {"field": field})


def test_the_operator_sees_the_same_ledger_and_it_checks(server, soap):
    shown = server.admin("account", "ledger", "ledgery")
    assert shown.returncode == 0 and "send\tmessage:" in shown.stdout
    check = server.admin("ledger", "check")
    assert check.returncode == 0 and "ledger OK" in check.stdout
