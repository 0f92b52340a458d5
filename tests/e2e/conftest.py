"""A real gunicorn serving smsgw on a free loopback port, on a fresh SQLite database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base_url: str
    env: dict

    @property
    def soap_url(self) -> str:
        return self.base_url + "/soap"

    @property
    def wsdl_url(self) -> str:
        return self.soap_url + "?wsdl"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "service.cli", *args], env=self.env,
                              cwd=ROOT, capture_output=True, text=True, timeout=60)


def start_server(tmp_dir: Path, extra_env: dict | None = None, keep_stdout: bool = False):
    """gunicorn's error log goes to tmp_dir/gunicorn.log; its stdout (the access log, at
    SMSGW_LOG_LEVEL=debug) to tmp_dir/gunicorn.out when ``keep_stdout``."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SMSGW_DATABASE_URL": f"sqlite:///{tmp_dir / 'e2e.db'}",
           "SMSGW_BIND": f"127.0.0.1:{port}", "SMSGW_PUBLIC_URL": base,
           "SMSGW_WORKERS": "2", "SMSGW_THREADS": "2", **(extra_env or {})}
    server = Server(base, env)
    upgrade = server.cli("db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "service.wsgi:application"], env=env, cwd=ROOT,
        stdout=open(tmp_dir / "gunicorn.out", "wb") if keep_stdout else subprocess.DEVNULL,
        stderr=open(tmp_dir / "gunicorn.log", "wb"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/health", timeout=1).status_code == 200:
                return server, proc
        except requests.RequestException:  # not up yet, or busy starting
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start:\n" + (tmp_dir / "gunicorn.log").read_text())


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    srv, proc = start_server(tmp)
    for login, balance in (("alice", "100"), ("bob", "100"), ("poor", "0.5")):
        r = srv.cli("account", "create", login, "--password", "pw-" + login, "--balance", balance)
        assert r.returncode == 0, r.stderr
    yield srv
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def soap_service(server: Server, login: str, balance: str):
    """A zeep service proxy for a new account with this balance (password ``pw``)."""
    import zeep
    from zeep.transports import Transport
    created = server.cli("account", "create", login, "--password", "pw", "--balance", balance)
    assert created.returncode == 0, created.stderr
    session = requests.Session()
    session.auth = (login, "pw")
    return zeep.Client(server.wsdl_url, transport=Transport(session=session)).service
