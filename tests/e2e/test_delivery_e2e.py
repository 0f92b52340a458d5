"""The whole path on real processes: zeep -> gunicorn -> worker -> simulator -> receipts ->
final status -> signed notifications to a receiver that fails its first calls."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import requests
import zeep
from zeep.transports import Transport

from tests.callback_receiver import CallbackReceiver, verifies
from tests.e2e.conftest import ROOT

SECRET = "e2e-secret"


@pytest.fixture
def receiver():
    with CallbackReceiver("/sms/notifications", fail_first=5) as r:
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


def test_messages_are_delivered_and_every_change_is_notified_in_order(server, receiver, worker):
    login = "notified"
    assert server.admin("account", "create", login, "--password", "pw", "--balance", "50").returncode == 0
    assert server.admin("account", "set", login, "--callback-url", receiver.url,
                      "--callback-secret", SECRET).returncode == 0
    session = requests.Session()
    session.auth = (login, "pw")
    client = zeep.Client(server.wsdl_url, transport=Transport(session=session))
    result = client.service.SendSms(recipients=["+79991234567", "+79991230000", "+79991234568"],
                                    text="Доставка " * 12, clientRef="e2e-1")  # 2 parts each
    ids = [m.messageId for m in result.messages]
    expected = {ids[0]: "DELIVERED", ids[1]: "UNDELIVERABLE", ids[2]: "DELIVERED"}

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        statuses = {s.messageId: s.statusName for s in client.service.GetStatus(messageIds=ids)}
        if statuses == expected and receiver.count() >= 2 * len(ids):
            break
        time.sleep(0.2)  # a poll: the server and its worker are other processes
    assert statuses == expected
    assert receiver.calls > 5  # the first five were refused, and retried
    by_message: dict[int, list[str]] = {}
    for body, signature in receiver.accepted:
        assert verifies(body, signature, SECRET)
        payload = json.loads(body)
        assert payload["client_ref"] == "e2e-1"
        by_message.setdefault(payload["id"], []).append(payload["status"])
    assert by_message == {ids[0]: ["ACCEPTD", "DELIVRD"], ids[1]: ["ACCEPTD", "UNDELIV"],
                          ids[2]: ["ACCEPTD", "DELIVRD"]}
