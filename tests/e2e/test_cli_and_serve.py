"""The `smsgw` command as an operator uses it, and `smsgw serve` (what `make run` calls)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests
import zeep
from zeep.transports import Transport

from tests.e2e.conftest import ROOT, Server, free_port


@pytest.fixture
def cli(tmp_path):
    env = {**os.environ, "SMSGW_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    srv = Server("http://unused", env)
    assert srv.cli("db", "upgrade").returncode == 0
    return srv.cli


def test_account_lifecycle(cli):
    r = cli("account", "create", "carol", "--password", "pw", "--balance", "12.50")
    assert r.returncode == 0 and "carol" in r.stdout
    assert cli("account", "topup", "carol", "7.5").stdout.strip().endswith("20.0000")
    r = cli("account", "set", "carol", "--allowed-ips", "10.0.0.0/8,::1", "--retention-days", "3",
            "--default-sender", "ACME", "--callback-url", "https://example.com/cb",
            "--callback-secret", "s3", "--blocked", "true")
    assert r.returncode == 0, r.stderr
    shown = cli("account", "show", "carol").stdout
    for expected in ("20.0000 RUB", "blocked:        yes", "10.0.0.0/8, ::1/128", "ACME",
                     "https://example.com/cb", "callback secret: set", "retention days: 3"):
        assert expected in shown
    assert "s3" not in shown


@pytest.mark.parametrize("args,message", [
    (("account", "show", "nobody"), "not found"),
    (("account", "topup", "nobody", "5"), "not found"),
    (("account", "create", "dup", "--password", "pw"), None),
    (("account", "topup", "dup", "lots"), "not a number"),
    (("account", "topup", "dup", "-5"), "non-negative"),
    (("account", "set", "dup", "--allowed-ips", "10.0.0.999"), "invalid IP"),
    (("account", "set", "dup", "--default-sender", "Way-Too-Long-Sender"), "invalid sender"),
    (("account", "set", "dup", "--callback-url", "ftp://x"), "http"),
    (("account", "set", "dup", "--blocked", "maybe"), "true or false"),
    (("account", "frobnicate"), "invalid choice"),
])
def test_errors_are_one_clear_line_without_a_traceback(cli, args, message):
    cli("account", "create", "dup", "--password", "pw")
    r = cli(*args)
    if message is None:  # creating "dup" a second time
        assert r.returncode == 1 and "taken" in r.stderr
        return
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.stderr


def test_a_bad_setting_is_one_line(cli, tmp_path):
    env = {**os.environ, "SMSGW_MAX_RECIPIENTS": "lots"}
    r = subprocess.run([sys.executable, "-m", "service.cli", "db", "upgrade"], env=env,
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and r.stderr.strip() == (
        "smsgw: error: SMSGW_MAX_RECIPIENTS='lots' is not an integer")


def test_serve_on_a_new_database_creates_a_demo_account_and_prints_the_wsdl(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SMSGW_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}",
           "SMSGW_PUBLIC_URL": base, "SMSGW_WORKERS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--bind",
                             f"127.0.0.1:{port}"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        banner = proc.stdout.readline() + proc.stdout.readline()
        creds = re.search(r"login: (\S+)\s+password: (\S+)", banner)
        assert creds and f"WSDL: {base}/soap?wsdl" in banner
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(base + "/health", timeout=1)
                break
            except requests.RequestException:  # not up yet, or busy starting
                time.sleep(0.1)
        session = requests.Session()
        session.auth = creds.groups()
        client = zeep.Client(base + "/soap?wsdl", transport=Transport(session=session))
        assert client.service.GetBalance().balance == 1000
        # the worker that serve starts beside gunicorn delivers out of the box
        message_id = client.service.SendSms(recipients=["+79991234567"], text="hi").messages[0].messageId
        deadline, status = time.monotonic() + 30, None
        while time.monotonic() < deadline and status != "DELIVERED":
            status = client.service.GetStatus(messageIds=[message_id])[0].statusName
            time.sleep(0.2)
        assert status == "DELIVERED"
        children = [int(pid) for pid in subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()]
        assert len(children) == 2  # gunicorn and the worker
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    for pid in children:  # neither outlives serve
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
