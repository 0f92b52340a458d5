"""Sub-clients on a live server with real clients: a parent (zeep) creates a sub-client and
funds it, the sub-client sends (requests), the parent reads its messages and totals; a
parent-mode sub-client stops at its cap; a sub-client's parent operations are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
import zeep
from zeep.exceptions import Fault
from zeep.transports import Transport

from tests.e2e.conftest import soap_service

NS = "urn:smsgw:v1"


def code_of(fault: Fault) -> str:
    return fault.detail.find(f".//{{{NS}}}code").text


@pytest.fixture(scope="module")
def parent(server):
    return soap_service(server, "holding", "50")


def api(server, who, secret, method, **params):
    r = requests.post(f"{server.base_url}/api/{method}", data=params, auth=(who, secret),
                      timeout=10)
    return r.status_code, r.json()


def zeep_as(server, login, password):
    session = requests.Session()
    session.auth = (login, password)
    return zeep.Client(server.wsdl_url, transport=Transport(session=session)).service


def test_a_parent_creates_and_funds_a_sub_client_that_then_sends(server, parent):
    sub = parent.CreateSubAccount(login="branch", password="pw-branch", balanceMode="own")
    assert (sub.login, sub.balanceMode, sub.balance) == ("branch", "own", Decimal("0"))
    moved = parent.TransferFunds(subAccount="branch", amount=Decimal("10.5"))
    assert (moved.balance, moved.subAccountBalance) == (Decimal("39.5"), Decimal("10.5"))
    status, body = api(server, "branch", "pw-branch", "Sms/Send", recipients="+79991234567",
                       text="from the branch")
    assert status == 200 and Decimal(body["data"]["balance"]) == Decimal("9.5")
    page = parent.GetMessages(subAccount="branch")
    assert [m.text for m in page.messages] == ["from the branch"]
    assert [m.text for m in (parent.GetMessages().messages or [])] == []
    stats = {s.login: (s.messages, s.cost) for s in parent.GetSubAccountStats()}
    assert stats["branch"] == (1, Decimal("1"))
    back = parent.WithdrawFunds(subAccount="branch", amount=Decimal("9.5"))
    assert (back.balance, back.subAccountBalance) == (Decimal("49"), Decimal("0"))
    ledger = parent.GetTransactions(subAccount="branch").transactions
    assert [t.reason for t in ledger] == ["transfer_out", "send", "transfer_in"]
    assert sum(Decimal(t.amount) for t in ledger) == 0   # the ledger sums to its balance
    mine = parent.GetTransactions().transactions
    assert [t.reason for t in mine][:2] == ["transfer_in", "transfer_out"]
    with pytest.raises(Fault) as exc:
        parent.TransferFunds(subAccount="branch", amount=Decimal("-1"))
    assert code_of(exc.value) == "12"
    with pytest.raises(Fault) as exc:
        parent.TransferFunds(subAccount="branch", amount=Decimal("1000"))
    assert code_of(exc.value) == "15"


def test_a_parent_mode_sub_client_spends_the_parents_balance_up_to_its_cap(server, parent):
    status, body = api(server, "holding", "pw", "SubAccounts/Create", login="till",
                       password="pw-till", balanceMode="parent", dailyCap="2")
    assert status == 200 and body["data"]["dailyCap"] == "2"
    till = zeep_as(server, "till", "pw-till")
    before = parent.GetBalance().balance
    assert till.SendSms(recipients=["+79991234567", "+79991234568"], text="hi").code == 0
    assert parent.GetBalance().balance == before - 2
    with pytest.raises(Fault) as exc:
        till.SendSms(recipients=["+79991234567"], text="one more")
    assert code_of(exc.value) == "15" and "daily spending cap" in exc.value.message
    assert till.GetBalance().balance == Decimal("0")  # never the parent's


def test_a_sub_client_cannot_use_parent_operations_and_sets_its_own_settings(server, parent):
    parent.CreateSubAccount(login="desk", password="pw-desk")
    desk = zeep_as(server, "desk", "pw-desk")
    for call in (lambda: desk.GetSubAccounts(),
                 lambda: desk.CreateSubAccount(login="desk2", password="x"),
                 lambda: desk.GetMessages(subAccount="branch")):
        with pytest.raises(Fault) as exc:
            call()
        assert code_of(exc.value) == "9"
    settings = desk.SetAccountSettings(callbackUrl="https://hooks.example.com/desk",
                                       retentionDays=7, allowedIps=["127.0.0.1"])
    assert settings.callbackUrl == "https://hooks.example.com/desk" and settings.retentionDays == 7
    with pytest.raises(Fault) as exc:
        desk.SetAccountSettings(retentionDays=-1)
    assert code_of(exc.value) == "12"
    status, body = api(server, "desk", "pw-desk", "Account/Settings", tariff="gold")
    assert (status, body["code"], body["message"].split(" (")[0]) == (
        403, 9, "tariff is set by the operator")
