"""A real callback receiver gets a signed ``inbound`` event from a running gateway (gunicorn and
`smsgw worker` on one database) after an MO: the operator assigns a number, a handset's reply
arrives as two concatenated parts through `smsgw simulate inbound`, the worker joins, routes and
stores it, and POSTs it to the account's callback URL, retrying a receiver that first fails."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.e2e.conftest import ROOT

SECRET = "e2e-inbound-secret"
NUMBER, HANDSET = "+79000000042", "+79991234567"


class Receiver:
    """A callback endpoint that answers 503 to its first ``fail_first`` calls, then 200."""

    def __init__(self, fail_first: int) -> None:
        self.fail_first = fail_first
        self.calls = 0
        self.received: list[tuple[bytes, str]] = []
        self.arrived = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.arrived:
                    outer.calls += 1
                    failing = outer.calls <= outer.fail_first
                    if not failing:
                        outer.received.append((body, self.headers.get("X-Smsgw-Signature", "")))
                        outer.arrived.notify_all()
                self.send_response(503 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/inbound"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 60) -> list[tuple[bytes, str]]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.received) >= count, timeout), (
                f"{len(self.received)} of {count} notifications after {self.calls} calls")
            return list(self.received)


@pytest.fixture
def receiver():
    r = Receiver(fail_first=2)
    yield r
    r.server.shutdown()


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
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    event = json.loads(body)
    assert list(event) == ["event", "id", "from", "to", "text", "receivedAt",
                           "replyToMessageId", "mailingId", "parts", "complete"]
    assert (event["event"], event["from"], event["to"], event["text"], event["parts"],
            event["complete"], event["replyToMessageId"], event["mailingId"]) == (
        "inbound", HANDSET, NUMBER, text, 2, True, None, None)
    assert isinstance(event["id"], int) and event["receivedAt"].endswith("Z")
    assert receiver.calls == 3                                   # two 503s, then delivered
    assert time.time() - started < 60
