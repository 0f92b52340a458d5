"""Helpers for callback tests: an HTTP(S) receiver on loopback (port 0), and a guard that
proves no connection or DNS lookup left loopback."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Answers POSTs with ``status`` (and ``location``), recording (path, headers, body) and,
    over TLS, the server name the client asked for (SNI)."""

    def __init__(self, host: str = "127.0.0.1", status: int = 200, location: str | None = None,
                 tls: ssl.SSLContext | None = None) -> None:
        self.status, self.location = status, location
        self.requests: list[tuple[str, dict, bytes]] = []
        self.server_names: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append((self.path, dict(self.headers), body))
                self.send_response(outer.status)
                if outer.location:
                    self.send_header("Location", outer.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
            daemon_threads = True

        self.server = Server((host, 0), Handler)
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.partition("%")[0]).is_loopback
    except ValueError:
        return False


class NetworkGuard:
    """Records every socket connect and getaddrinfo; a connect off loopback or a lookup of a
    name (not an IP literal) raises instead of happening."""

    def __init__(self, monkeypatch) -> None:
        self.connects: list[str] = []
        self.lookups: list[str] = []
        real_connect, real_gai = socket.socket.connect, socket.getaddrinfo

        def connect(sock, address):
            self.connects.append(address[0])
            if not _is_loopback(address[0]):
                raise AssertionError(f"a test tried to connect to {address}")
            return real_connect(sock, address)

        def getaddrinfo(host, *args, **kwargs):
            host = host.decode() if isinstance(host, bytes) else host
            self.lookups.append(host)
            try:
                ipaddress.ip_address(host.partition("%")[0])
            except ValueError:
                if host != "localhost":
                    raise AssertionError(f"a test looked up {host!r} in the real DNS") from None
            return real_gai(host, *args, **kwargs)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
