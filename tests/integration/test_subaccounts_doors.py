"""Sub-clients and self-service settings through the doors, on both stores: bad input gets
each door's own error (never a 500), operator-only settings are refused by name, and money
spent from a parent's balance goes back to the parent when refunded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.app.mailings.mailings import CreateMailing
from tests.integration.test_subaccounts_isolation import TNS, World, fault_code, texts


@pytest.fixture
def w(database_url):
    world = World(database_url)
    yield world
    world.close()


def balances(w, *logins):
    return [w.c.use_cases.accounts.show(x).balance for x in logins]


@pytest.mark.parametrize("amount, code", [("-5", 12), ("0", 12), ("abc", 1), ("1.00001", 12),
                                          ("100000000000000", 12), ("1e3", 1), ("79", 15)])
def test_bad_transfers_on_http_change_nothing(w, amount, code):
    before = balances(w, "parent", "kid")
    for method in ("SubAccounts/Transfer", "SubAccounts/Withdraw"):
        status, body = w.api("parent", method, subAccount="kid", amount=amount)
        assert body["code"] in (code, 15) and status in (400, 402), (method, body)
    assert balances(w, "parent", "kid") == before


@pytest.mark.parametrize("amount", ["-5", "0", "100000000000000", "81"])
def test_bad_transfers_on_soap_are_typed_faults(w, amount):
    status, root = w.soap("parent", "TransferFunds",
                          f"<t:subAccount>kid</t:subAccount><t:amount>{amount}</t:amount>")
    assert status == 500 and fault_code(root).split(":")[-1].startswith("Client.")
    assert balances(w, "parent") == [Decimal("78")]


def test_transfers_to_others_and_by_sub_clients_are_refused_on_every_door(w):
    status, body = w.api("parent", "SubAccounts/Transfer", subAccount="theirs", amount="1")
    assert (status, body["code"]) == (404, 2)
    status, body = w.api("parent", "SubAccounts/Transfer", subAccount="other", amount="1")
    assert (status, body["code"]) == (404, 2)
    status, body = w.api("kid", "SubAccounts/Withdraw", subAccount="kid", amount="1")
    assert (status, body["code"]) == (403, 9)
    assert balances(w, "parent", "other", "kid", "theirs") == [
        Decimal("78"), Decimal("100"), Decimal("19"), Decimal("0")]


def test_create_list_update_delete_through_http_and_soap(w):
    status, body = w.api("parent", "SubAccounts/Create", login="shop2", password="pw",
                         balanceMode="parent", dailyCap="5")
    assert (status, body["data"]["balanceMode"], body["data"]["dailyCap"]) == (200, "parent", "5")
    status, body = w.api("parent", "SubAccounts/Create", login="shop2", password="pw")
    assert (status, body["code"], body["data"]["field"]) == (400, 1, "login")
    status, body = w.api("parent", "SubAccounts/Create", login="shop3", password="pw",
                         balanceMode="shared")
    assert (status, body["code"]) == (400, 1)
    _s, body = w.api("parent", "SubAccounts/Update", subAccount="shop2", dailyCap="",
                     monthlyCap="50", blocked="true")
    assert body["data"]["dailyCap"] is None and body["data"]["monthlyCap"] == "50"
    assert body["data"]["blocked"] is True
    status, body = w.api("parent", "SubAccounts/Update", subAccount="shop2", tariff="gold")
    assert (status, body["code"]) == (403, 9) and "operator" in body["message"]
    _s, root = w.soap("parent", "GetSubAccounts")
    assert texts(root, "login") == ["kid", "shop2", "sibling"]
    status, body = w.api("parent", "SubAccounts/Delete", subAccount="kid")
    assert (status, body["code"]) == (400, 12)  # it still has a balance
    _s, root = w.soap("parent", "DeleteSubAccount", "<t:subAccount>shop2</t:subAccount>")
    assert texts(root, "code") == ["0"]
    _s, body = w.api("parent", "SubAccounts/List")
    assert [s["login"] for s in body["data"]] == ["kid", "sibling"]
    _s, root = w.soap("parent", "WithdrawFunds",
                      "<t:subAccount>kid</t:subAccount><t:amount>19</t:amount>")
    assert texts(root, "subAccountBalance") == ["0.00"] or \
        Decimal(texts(root, "subAccountBalance")[0]) == 0
    assert Decimal(texts(root, "balance")[0]) == Decimal("97")


# -- settings -----------------------------------------------------------------------------

def test_settings_read_and_set_on_http_with_operator_settings_refused(w):
    _s, body = w.api("kid", "Account/Settings")
    assert body["data"]["login"] == "kid" and body["data"]["callbackSecretSet"] is False
    _s, body = w.api("kid", "Account/Settings", callbackUrl="https://hooks.example.com/k",
                     callbackSecret="s", retentionDays="0", allowedIps="127.0.0.1,192.0.2.0/24")
    assert body["data"]["callbackUrl"] == "https://hooks.example.com/k"
    assert body["data"]["allowedIps"] == ["127.0.0.1/32", "192.0.2.0/24"]
    assert w.c.use_cases.accounts.show("kid").settings.callback_url_trusted is False
    _s, body = w.api("kid", "Account/Settings", senderPolicy="REFUSE")
    assert body["data"]["senderPolicy"] == "refuse"
    for name, what in [("tariff", "tariff"), ("blocked", "blocking"), ("limits", "limits"),
                       ("creditLimit", "credit limit")]:
        status, body = w.api("kid", "Account/Settings", **{name: "x"})
        assert (status, body["code"]) == (403, 9) and body["message"].startswith(
            f"{what} is set by the operator")
    _s, body = w.api("parent", "Account/Settings", subAccount="kid", allowedIps="")
    assert body["data"]["allowedIps"] == []


@pytest.mark.parametrize("params, code, field", [
    ({"retentionDays": "-1"}, 12, "retentionDays"),
    ({"allowedIps": "10.0.0.300"}, 1, "allowedIps"),
    ({"callbackUrl": "http://10.0.0.5/hook"}, 1, "callbackUrl"),
    ({"callbackUrl": "javascript:alert(1)"}, 1, "callbackUrl"),
    ({"callbackUrl": "http://[::1]/"}, 1, "callbackUrl"),
    ({"senderPolicy": "sometimes"}, 1, "senderPolicy"),
    ({"defaultSender": "x" * 12}, 1, "defaultSender"),
])
def test_bad_settings_are_validation_errors_on_http_and_soap(w, params, code, field):
    status, body = w.api("kid", "Account/Settings", **params)
    assert (status, body["code"], body["data"]["field"]) == (400, code, field)
    name, value = next(iter(params.items()))
    status, root = w.soap("kid", "SetAccountSettings", f"<t:{name}>{value}</t:{name}>")
    assert status == 500 and root.findtext(f".//{{{TNS}}}code") == str(code)
    assert w.c.use_cases.accounts.show("kid").settings.callback_url is None


def test_settings_on_soap(w):
    _s, root = w.soap("kid", "SetAccountSettings",
                      "<t:callbackUrl>https://hooks.example.com/x</t:callbackUrl>"
                      "<t:allowedIps>127.0.0.1</t:allowedIps><t:allowedIps>::1</t:allowedIps>"
                      "<t:retentionDays>3</t:retentionDays><t:defaultSender>Shop</t:defaultSender>")
    assert texts(root, "allowedIps") == ["127.0.0.1/32", "::1/128"]
    _s, root = w.soap("kid", "GetAccountSettings")
    assert texts(root, "retentionDays") == ["3"] and texts(root, "defaultSender") == ["Shop"]
    assert texts(root, "senderPolicy") == ["fallback"]
    _s, root = w.soap("kid", "SetAccountSettings", "<t:senderPolicy>refuse</t:senderPolicy>")
    assert texts(root, "senderPolicy") == ["refuse"]
    assert w.c.use_cases.accounts.show("kid").settings.sender_policy == "refuse"
    _s, root = w.soap("kid", "SetAccountSettings", "<t:clearAllowedIps>true</t:clearAllowedIps>")
    assert texts(root, "allowedIps") == []
    status, root = w.soap("kid", "SetAccountSettings", "<t:tariff>gold</t:tariff>")
    assert status == 500 and root.findtext(f".//{{{TNS}}}code") == "1"
    assert root.findtext(f".//{{{TNS}}}field") == "tariff"


# -- refunds ------------------------------------------------------------------------------

def test_refunds_of_a_parent_mode_sub_client_go_back_to_the_parent(w):
    uc = w.c.use_cases
    creds = w.creds("sibling")
    mailing = uc.mailings.create(CreateMailing(creds, "m", "hello",
                                               phones=("+79991234568", "+79991234569"))).mailing
    uc.mailings.start(creds, mailing.id)
    assert balances(w, "parent", "sibling") == [Decimal("76"), Decimal("0")]
    uc.mailings.cancel(creds, mailing.id)
    assert balances(w, "parent", "sibling") == [Decimal("78"), Decimal("0")]


def test_a_parent_reads_per_sub_client_totals_over_http(w):
    _s, body = w.api("parent", "SubAccounts/Stats")
    assert [(t["login"], t["messages"], t["segments"], Decimal(t["cost"])) for t in body["data"]] \
        == [("kid", 1, 1, Decimal("1")), ("sibling", 1, 1, Decimal("1"))]
    _s, body = w.api("parent", "SubAccounts/Stats", since="2999-01-01T00:00:00Z")
    assert [t["messages"] for t in body["data"]] == [0, 0]
    status, body = w.api("parent", "SubAccounts/Stats", since="yesterday")
    assert (status, body["code"], body["data"]["field"]) == (400, 1, "since")


# -- tariffs ------------------------------------------------------------------------------

def test_a_sub_client_pays_its_parents_tariff_unless_it_has_its_own(w):
    uc = w.c.use_cases
    uc.tariffs.import_csv("gold", b"7,0.40\n", default_price="2.00")
    uc.tariffs.import_csv("retail", b"7,0.90\n", default_price="2.00")
    uc.tariffs.assign("parent", "gold")
    _s, body = w.api("kid", "Sms/GetCost", recipients="+79991234567", text="hi")
    assert Decimal(body["data"]["cost"]) == Decimal("0.40")   # inherited
    _s, body = w.api("sibling", "Sms/Send", recipients="+79991234567", text="hi")
    assert Decimal(body["data"]["totalCost"]) == Decimal("0.40")
    assert w.smsc("/sys/send.php", "kid", phones="79991234567", mes="x", cost=2)["cost"] == "0.40"
    uc.tariffs.assign("kid", "retail")                           # its own
    _s, body = w.api("kid", "Sms/GetCost", recipients="+79991234567", text="hi")
    assert Decimal(body["data"]["cost"]) == Decimal("0.90")
    _s, body = w.api("theirs", "Sms/GetCost", recipients="+79991234567", text="hi")
    assert Decimal(body["data"]["cost"]) == Decimal("1.00")  # another parent's: the default


# -- the ledger ---------------------------------------------------------------------------

def entries(w, login):
    statement = w.c.use_cases.ledger.transactions(w.creds(login))
    return [(e.reason.value, e.amount, e.balance_after, str(e.reference), e.actor, e.note)
            for e in reversed(statement.page.items)]


def test_every_balance_change_of_sub_clients_is_a_ledger_row_on_the_right_account(w):
    uc = w.c.use_cases
    # setup: 20 moved to kid, kid and parent sent 1 each, sibling's 1 came from the parent
    parent_rows = entries(w, "parent")
    transfer = [r for r in parent_rows if r[0] == "transfer_out"]
    assert [(r[1], r[4], r[5]) for r in transfer] == [(Decimal("-20"), "parent",
                                                       "to sub-client kid")]
    kid_rows = entries(w, "kid")
    assert kid_rows[0][:2] == ("transfer_in", Decimal("20")) and kid_rows[0][3] == transfer[0][3]
    sibling_send = [r for r in parent_rows if r[0] == "send" and r[4] == "sibling"]
    assert sibling_send and sibling_send[0][3] == f"message:{w.ids['sibling']}"
    assert entries(w, "sibling") == []  # it spends the parent's money: no rows of its own
    # a parent-mode sub-client's refund goes back to the parent, with a row saying whose
    creds = w.creds("sibling")
    mailing = uc.mailings.create(CreateMailing(creds, "m", "hello", phones=("+79991234568",))).mailing
    uc.mailings.start(creds, mailing.id)
    uc.mailings.cancel(creds, mailing.id)
    reasons = [(r[0], r[1], r[4]) for r in entries(w, "parent")[-2:]]
    assert reasons == [("mailing", Decimal("-1"), "sibling"), ("mailing_refund", Decimal("1"),
                                                                  "sibling")]
    assert "sub-client sibling: DELETED" in entries(w, "parent")[-1][5]
    w.c.use_cases.subaccounts.withdraw(w.creds("parent"), "kid", "5")
    assert entries(w, "kid")[-1][:3] == ("transfer_out", Decimal("-5"), Decimal("14"))
    assert all(t.consistent for t in uc.ledger.check())


def test_a_parent_reads_its_sub_clients_ledger_on_soap_and_http_and_nobody_else_does(w):
    _s, root = w.soap("parent", "GetTransactions", "<t:subAccount>kid</t:subAccount>")
    assert texts(root, "reason") == ["send", "transfer_in"]
    _s, body = w.api("parent", "Account/Transactions", subAccount="kid")
    assert [t["reason"] for t in body["data"]["transactions"]] == ["send", "transfer_in"]
    _s, body = w.api("kid", "Account/Transactions")
    assert [t["reason"] for t in body["data"]["transactions"]] == ["send", "transfer_in"]
    status, body = w.api("kid", "Account/Transactions", subAccount="sibling")
    assert (status, body["code"]) == (403, 9)
    status, root = w.soap("other", "GetTransactions", "<t:subAccount>kid</t:subAccount>")
    assert fault_code(root).endswith("NotFound")


def test_a_withdrawal_takes_only_money_the_sub_client_holds_never_its_credit(w):
    w.c.use_cases.accounts.set_credit_limit("kid", Decimal("50"))
    status, body = w.api("parent", "SubAccounts/Withdraw", subAccount="kid", amount="20")
    assert (status, body["code"]) == (402, 15)
    assert balances(w, "parent", "kid") == [Decimal("78"), Decimal("19")]
