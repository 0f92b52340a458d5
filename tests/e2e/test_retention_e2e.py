"""Retention 0 on real processes: zeep -> gunicorn -> worker -> simulator -> final status ->
notification to a receiver; only then does the message vanish ("not found" on the native and
smsc doors)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests
import zeep
from zeep.transports import Transport

from tests.e2e.conftest import ROOT
from tests.callback_receiver import CallbackReceiver


@pytest.fixture
def receiver():
    # the first notifications fail, so the final one comes late
    with CallbackReceiver("/sms/notifications", fail_first=3) as r:
        yield r


@pytest.fixture
def worker(server):
    env = {**server.env, "SMSGW_SIMULATOR_RECEIPT_DELAY_MS": "300",
           "SMSGW_CALLBACK_RETRY_MIN_SECONDS": "1", "SMSGW_CALLBACK_RETRY_MAX_SECONDS": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield proc
    proc.terminate()
    assert proc.wait(timeout=30) == 0


def test_a_retention_zero_message_disappears_after_its_final_notification(server, receiver,
                                                                          worker):
    login = "ephemeral"
    assert server.admin("account", "create", login, "--password", "pw",
                      "--balance", "50").returncode == 0
    assert server.admin("account", "set", login, "--callback-url", receiver.url,
                      "--retention-days", "0").returncode == 0
    session = requests.Session()
    session.auth = (login, "pw")
    client = zeep.Client(server.wsdl_url, transport=Transport(session=session))
    [mid] = [m.messageId for m in client.service.SendSms(recipients=["+79991234567"],
                                                         text="gone soon").messages]
    seen_found = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        notified = [p["status"] for p in receiver.events() if p["id"] == mid]
        [status] = client.service.GetStatus(messageIds=[mid])
        if status.statusCode == -3:
            break
        seen_found.append(status.statusName)
        time.sleep(0.1)
    assert status.statusCode == -3, seen_found[-3:]
    assert "DELIVRD" in notified, "it vanished before its final notification was out"
    assert "DELIVERED" in seen_found  # final, but kept while the notification was pending
    smsc = requests.get(f"{server.base_url}/sys/status.php", params={
        "login": login, "psw": "pw", "phone": "79991234567", "id": str(mid), "fmt": "3"},
        timeout=10).json()
    assert int(smsc["status"]) == -3
