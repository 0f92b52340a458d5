"""Issue 12's journey on one live gateway (gunicorn + a worker, SMSGW_SENDER_CHECK=on), with
real clients only: zeep for the native SOAP door, requests for the HTTP API, the `smsgw` CLI
for the operator.

1. a parent creates a sub-client and transfers funds to it;
2. the sub-client sends with a pending sender and gets the shared sender;
3. the operator approves the sender, and the sub-client sends with it;
4. a flood and a duplicate come back BANNED, with their reasons;
5. a retention-0 message disappears after its final callback;
6. every ledger sums to its balance.
"""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal

import pytest
import requests
import zeep
from zeep.transports import Transport

from tests.e2e.conftest import ROOT, start_server, stop_server
from tests.callback_receiver import CallbackReceiver

RU = "+7999123"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    srv, proc = start_server(tmp_path_factory.mktemp("journey"),
                             {"SMSGW_SENDER_CHECK": "on", "SMSGW_EMBEDDED_WORKER": "0"})
    worker = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "worker"], cwd=ROOT,
        env={**srv.env, "SMSGW_SIMULATOR_RECEIPT_DELAY_MS": "200",
             "SMSGW_CALLBACK_RETRY_MIN_SECONDS": "1", "SMSGW_CALLBACK_RETRY_MAX_SECONDS": "2"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for args in (("account", "create", "acme", "--password", "pw-acme", "--balance", "100"),
                     ("sender", "shared", "set", "7", "SharedRU")):
            done = srv.admin(*args)
            assert done.returncode == 0, done.stderr
        yield srv
    finally:
        worker.terminate()
        assert worker.wait(timeout=30) == 0
        stop_server(proc)


@pytest.fixture(scope="module")
def parent(gateway):
    session = requests.Session()
    session.auth = ("acme", "pw-acme")
    return zeep.Client(gateway.wsdl_url, transport=Transport(session=session)).service


def http(gateway, method, **params):
    """The sub-client on the HTTP API: (HTTP status, envelope)."""
    r = requests.post(f"{gateway.base_url}/api/{method}", json=params,
                      auth=("shop", "pw-shop"), timeout=10)
    return r.status_code, r.json()


def send(gateway, phone, text, sender="ShopCo"):
    status, body = http(gateway, "Sms/Send", recipients=[phone], text=text, sender=sender)
    assert (status, body["code"]) in ((200, 0), (422, 99)), body  # 99: none accepted
    [message] = body["data"]["messages"]
    return message


def test_1_a_parent_creates_a_sub_client_and_funds_it(gateway, parent):
    sub = parent.CreateSubAccount(login="shop", password="pw-shop", balanceMode="own")
    assert (sub.login, sub.balanceMode, sub.balance) == ("shop", "own", Decimal("0"))
    moved = parent.TransferFunds(subAccount="shop", amount=Decimal("20"))
    assert (moved.balance, moved.subAccountBalance) == (Decimal("80"), Decimal("20"))
    status, body = http(gateway, "Account/GetBalance")
    assert status == 200 and Decimal(body["data"]["balance"]) == Decimal("20")


def test_2_a_pending_sender_goes_out_as_the_shared_sender(gateway):
    status, body = http(gateway, "Senders/Register", name="ShopCo")
    assert status == 200 and body["data"]["state"] == "pending", body
    message = send(gateway, RU + "0001", "your order has shipped")
    assert (message["statusName"], message["sender"]) != ("BANNED", None)
    assert message["sender"] == "SharedRU"


def test_3_once_approved_the_sub_clients_own_sender_goes_out(gateway):
    approved = gateway.admin("sender", "approve", "shop", "ShopCo", "--prefixes", "7")
    assert approved.returncode == 0, approved.stderr
    message = send(gateway, RU + "0002", "your order has arrived")
    assert message["sender"] == "ShopCo" and message["errorCode"] is None


def test_4_a_flood_and_a_duplicate_come_back_banned(gateway):
    limits = gateway.admin("account", "limits", "shop", "--flood", "2/10",
                         "--duplicate-minutes", "5")
    assert limits.returncode == 0, limits.stderr
    assert send(gateway, RU + "0003", "same text")["statusName"] != "BANNED"
    duplicate = send(gateway, RU + "0003", "same text")
    assert duplicate["statusName"] == "BANNED" and "duplicate" in duplicate["errorMessage"]
    assert Decimal(duplicate["cost"]) == 0
    for text in ("one", "two"):
        assert send(gateway, RU + "0004", text)["statusName"] != "BANNED"
    flood = send(gateway, RU + "0004", "three")
    assert flood["statusName"] == "BANNED" and "flood" in flood["errorMessage"]


def test_5_a_retention_zero_message_disappears_after_its_final_callback(gateway):
    receiver = CallbackReceiver("/sms/notifications")
    try:
        # A loopback callback URL is the operator's to set: a client's is public addresses only.
        trusted = gateway.admin("account", "set", "shop", "--callback-url", receiver.url)
        assert trusted.returncode == 0, trusted.stderr
        status, body = http(gateway, "Account/Settings", retentionDays=0)
        assert status == 200 and body["data"]["retentionDays"] == 0, body
        mid = send(gateway, RU + "0005", "gone soon")["messageId"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # a poll: the worker is another process
            status, body = http(gateway, "Sms/GetStatus", messageIds=[mid])
            if body["data"][0]["statusCode"] == -3:   # NOT_FOUND, as on every door
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"message {mid} is still found: {body}")
        notified = [p["status"] for p in receiver.events() if p["id"] == mid]
        assert "DELIVRD" in notified, "it vanished before its final notification was out"
    finally:
        receiver.close()


def test_6_every_ledger_sums_to_its_balance(gateway, parent):
    for sub in (None, "shop"):
        rows = parent.GetTransactions(subAccount=sub, pageSize=100)
        balance = (parent.GetBalance().balance if sub is None
                   else Decimal(http(gateway, "Account/GetBalance")[1]["data"]["balance"]))
        assert rows.total == len(rows.transactions)
        assert sum(Decimal(t.amount) for t in rows.transactions) == balance
    check = gateway.admin("ledger", "check")
    assert check.returncode == 0, check.stdout + check.stderr
