"""The whole path on real processes: zeep -> gunicorn -> worker -> simulator -> receipts ->
final status -> signed notifications to a receiver that fails its first calls."""

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
import requests
import zeep
from zeep.transports import Transport

from tests.e2e.conftest import ROOT

SECRET = "e2e-secret"


class Receiver:
    """A callback endpoint that answers 503 to its first ``fail_first`` calls."""

    def __init__(self, fail_first: int) -> None:
        self.fail_first = fail_first
        self.calls = 0
        self.received: list[tuple[dict, str, bytes]] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.lock:
                    outer.calls += 1
                    failing = outer.calls <= outer.fail_first
                    if not failing:
                        outer.received.append((json.loads(body),
                                               self.headers.get("X-Smsgw-Signature", ""), body))
                self.send_response(503 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/notifications"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    r = Receiver(fail_first=5)
    yield r
    r.server.shutdown()


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
        with receiver.lock:
            notified = len(receiver.received)
        if statuses == expected and notified >= 2 * len(ids):
            break
        time.sleep(0.2)  # a poll: the server and its worker are other processes
    assert statuses == expected
    assert receiver.calls > 5  # the first five were refused, and retried
    by_message: dict[int, list[str]] = {}
    for payload, signature, body in receiver.received:
        assert signature == hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert payload["client_ref"] == "e2e-1"
        by_message.setdefault(payload["id"], []).append(payload["status"])
    assert by_message == {ids[0]: ["ACCEPTD", "DELIVRD"], ids[1]: ["ACCEPTD", "UNDELIV"],
                          ids[2]: ["ACCEPTD", "DELIVRD"]}
