"""A real callback receiver gets a signed ``inbound`` event from a running gateway (gunicorn and
`smsgw worker` on one database) after an MO: the operator assigns a number, a handset's reply
arrives as two concatenated parts through `smsgw simulate inbound`, the worker joins, routes and
stores it, and POSTs it to the account's callback URL, retrying a receiver that first fails."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.callback_receiver import CallbackReceiver, verifies
from tests.e2e.conftest import ROOT

SECRET = "e2e-inbound-secret"
NUMBER, HANDSET = "+79000000042", "+79991234567"


@pytest.fixture
def receiver():
    with CallbackReceiver("/sms/inbound", fail_first=2) as r:
        yield r


@pytest.fixture
def worker(server):
    env = {**server.env, "SMSGW_CALLBACK_RETRY_MIN_SECONDS": "1",
           "SMSGW_CALLBACK_RETRY_MAX_SECONDS": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield proc
    proc.terminate()
    assert proc.wait(timeout=30) == 0


def test_a_reply_reaches_the_accounts_receiver_as_a_signed_inbound_event(server, receiver,
                                                                          worker):
    login = "replied"
    for args in (("account", "create", login, "--password", "pw", "--balance", "10"),
                 ("account", "set", login, "--callback-url", receiver.url,
                  "--callback-secret", SECRET),
                 ("number", "assign", NUMBER, login)):
        r = server.cli(*args)
        assert r.returncode == 0, r.stderr
    text = "Yes, please call me tomorrow at ten. " * 5          # 185: two parts
    started = time.time()
    r = server.cli("simulate", "inbound", "--from", HANDSET, "--to", NUMBER, "--text", text,
                   "--parts", "2")
    assert r.returncode == 0, r.stderr
    [(body, signature)] = receiver.wait_for(1)
    assert verifies(body, signature, SECRET)
    event = json.loads(body)
    assert list(event) == ["event", "id", "from", "to", "text", "receivedAt",
                           "replyToMessageId", "mailingId", "parts", "complete"]
    assert (event["event"], event["from"], event["to"], event["text"], event["parts"],
            event["complete"], event["replyToMessageId"], event["mailingId"]) == (
        "inbound", HANDSET, NUMBER, text, 2, True, None, None)
    assert isinstance(event["id"], int) and event["receivedAt"].endswith("Z")
    assert receiver.calls == 3                                   # two 503s, then delivered
    assert time.time() - started < 60
