"""A real callback endpoint on a local port, for the tests of signed notifications (status
and inbound events): it answers 503 to its first ``fail_first`` calls and while ``failing``,
else 200, and keeps what it accepted as (body, signature header)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verifies(body: bytes, signature: str, secret: str) -> bool:
    """What a receiver does: HMAC-SHA256 of the exact body, compared in constant time."""
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class CallbackReceiver:
    """Listens on 127.0.0.1 (port 0) until closed; ``url`` is where to send callbacks. Use it
    as a context manager, or call ``close``."""

    def __init__(self, path: str = "/callbacks", fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.failing = False
        self.calls = 0
        self.accepted: list[tuple[bytes, str]] = []
        self.arrived = threading.Condition()  # held while counting; notified on each accept
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.arrived:
                    outer.calls += 1
                    failing = outer.failing or outer.calls <= outer.fail_first
                    if not failing:
                        outer.accepted.append((body, self.headers.get("X-Smsgw-Signature", "")))
                        outer.arrived.notify_all()
                self.send_response(503 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        """The bodies accepted so far, parsed."""
        with self.arrived:
            return [json.loads(body) for body, _ in self.accepted]

    def count(self) -> int:
        """How many callbacks were accepted so far."""
        with self.arrived:
            return len(self.accepted)

    def wait_for(self, count: int, timeout: float = 60) -> list[tuple[bytes, str]]:
        """Every (body, signature) accepted so far, once at least ``count`` have arrived."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.accepted) >= count, timeout), (
                f"{len(self.accepted)} of {count} notifications after {self.calls} calls")
            return list(self.accepted)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> CallbackReceiver:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
