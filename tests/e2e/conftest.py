"""A real gunicorn serving smsgw on a loopback port the kernel chose, on a fresh SQLite database."""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


GUNICORN_CONFIG = "python:service.server.gunicorn_conf"  # what `smsgw serve` runs
BUSY = "address already in use"  # `smsgw serve`'s one line when its port is taken


def listening_socket() -> socket.socket:
    """A loopback socket listening on a port the kernel chose (port 0), held from the start:
    no other process can take the port between choosing it and serving on it."""
    sock = socket.create_server(("127.0.0.1", 0), backlog=2048)
    sock.set_inheritable(True)
    return sock


def gunicorn(app: str, env: dict, sock: socket.socket, **popen) -> subprocess.Popen:
    """gunicorn with smsgw's settings serving ``app`` on ``sock``, which it adopts as
    ``--bind fd://N`` the way `smsgw serve` hands over its socket. The caller closes its copy."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG, "--bind", f"fd://{sock.fileno()}",
         app], env=env, cwd=ROOT, pass_fds=(sock.fileno(),), **popen)


def candidate_port() -> int:
    """A port that was free a moment ago, for `smsgw serve`, which opens its port itself: it
    may be taken before serve binds it, so callers start again on ``BUSY`` (see retry_busy)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def retry_busy(run, attempts: int = 5):
    """``run(port)`` on candidate ports until its result does not say the port was busy."""
    for _ in range(attempts):
        result = run(candidate_port())
        if BUSY not in (result.stderr or ""):
            return result
    raise AssertionError(f"{attempts} candidate ports in a row were taken")


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
        """`smsgw ARGS` as a process of its own: what an operator runs."""
        return subprocess.run([sys.executable, "-m", "service.cli", *args], env=self.env,
                              cwd=ROOT, capture_output=True, text=True, timeout=60)

    def admin(self, *args: str) -> subprocess.CompletedProcess:
        """`smsgw ARGS` run in this process: the same parser, handlers and one-line errors as
        ``cli`` (service.cli.main, which the console script calls), on the same database, without
        a Python start (~1-2 s each, under load more). For setting up accounts and for checking
        a command's output; what only a process shows (its start, signals, serve) uses ``cli``."""
        return run_cli_in_process(self.env, *args)


def run_cli_in_process(env: dict, *args: str) -> subprocess.CompletedProcess:
    """service.cli.main(ARGS) with ``env`` as the environment it reads its settings from,
    stdout and stderr captured; a CompletedProcess as ``Server.cli`` gives."""
    from service.cli import main
    out, err = io.StringIO(), io.StringIO()
    # As in a new process, the root logger has no handler: a warning goes to stderr through
    # logging's last resort (pytest's capture handlers would swallow it), so "one line" holds.
    root = logging.getLogger()
    with mock.patch.dict(os.environ, env, clear=True), mock.patch.object(root, "handlers", []), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:       # argparse's errors and --help leave this way
            if isinstance(exc.code, str):   # what the interpreter would print on its way out
                print(exc.code, file=sys.stderr)
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    gc.collect()    # the command's engine (and its pooled connections) go now, not later
    return subprocess.CompletedProcess(["smsgw", *args], code, out.getvalue(), err.getvalue())


def stop_server(proc, timeout: float = 15) -> None:
    """Stop a server started by ``start_server``: SIGTERM, then SIGKILL if it lingers."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_server(tmp_dir: Path, extra_env: dict | None = None, keep_stdout: bool = False):
    """gunicorn's error log goes to tmp_dir/gunicorn.log; its stdout (the access log, at
    SMSGW_LOG_LEVEL=debug) to tmp_dir/gunicorn.out when ``keep_stdout``."""
    sock = listening_socket()
    port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SMSGW_DATABASE_URL": f"sqlite:///{tmp_dir / 'e2e.db'}",
           "SMSGW_BIND": f"127.0.0.1:{port}", "SMSGW_PUBLIC_URL": base,
           "SMSGW_WORKERS": "2", "SMSGW_THREADS": "2", **(extra_env or {})}
    server = Server(base, env)
    upgrade = server.admin("db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    with sock:
        proc = gunicorn("service.wsgi:application", env, sock,
                        stdout=open(tmp_dir / "gunicorn.out", "wb") if keep_stdout
                        else subprocess.DEVNULL, stderr=open(tmp_dir / "gunicorn.log", "wb"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/health", timeout=1).status_code == 200:
                return server, proc
        except requests.RequestException:  # not up yet, or busy starting
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)  # a poll: only gunicorn's /health says it is serving
    proc.kill()
    raise RuntimeError("gunicorn did not start:\n" + (tmp_dir / "gunicorn.log").read_text())


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    srv, proc = start_server(tmp)
    for login, balance in (("alice", "100"), ("bob", "100"), ("poor", "0.5")):
        r = srv.admin("account", "create", login, "--password", "pw-" + login, "--balance", balance)
        assert r.returncode == 0, r.stderr
    yield srv
    stop_server(proc)


def soap_service(server: Server, login: str, balance: str):
    """A zeep service proxy for a new account with this balance (password ``pw``)."""
    import zeep
    from zeep.transports import Transport
    created = server.admin("account", "create", login, "--password", "pw", "--balance", balance)
    assert created.returncode == 0, created.stderr
    session = requests.Session()
    session.auth = (login, "pw")
    return zeep.Client(server.wsdl_url, transport=Transport(session=session)).service
