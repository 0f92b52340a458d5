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

from tests.e2e.conftest import BUSY, GUNICORN_CONFIG, ROOT, Server, candidate_port, retry_busy


@pytest.fixture
def cli(tmp_path):
    """The commands in this process (Server.admin: the same main, parser and handlers as the
    console script, without a Python start per call). What only a process shows is proven by
    its own tests below: a bad setting's one line (a subprocess's whole stderr), serve, Ctrl-C."""
    env = {**os.environ, "SMSGW_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    srv = Server("http://unused", env)
    assert srv.admin("db", "upgrade").returncode == 0
    return srv.admin


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
    (("account", "topup", "dup", "-5"), "must not be negative"),
    (("account", "topup", "dup", "99999999999999999999"), "more than the largest amount kept"),
    (("account", "topup", "dup", "0.00001"), "more than 4 decimal places"),
    (("account", "topup", "dup", "1e10"), "not a number"),
    (("account", "topup", "dup", "0"), "more than 0"),
    (("account", "topup", "dup", "١٢"), "not a number"),
    (("account", "create", "eve", "--password", "pw", "--currency", "XYZW"), "ISO 4217"),
    (("account", "create", "eve", "--password", "pw", "--balance", "1e3"), "not a number"),
    (("account", "set", "dup", "--retention-days", "99999999999999999999999"), "too large"),
    (("account", "set", "dup", "--retention-days", "40000"), "0..36500"),
    (("account", "set", "dup", "--retention-days", "٣"), "whole number"),
    (("account", "set", "dup", "--password", ""), "must not be empty"),
    (("account", "set", "dup", "--callback-secret", "s" * 201), "longer than 200"),
    (("account", "apikey", "revoke", "dup", "9999999999999999999"), "not found"),
    (("account", "apikey", "revoke", "dup", "99999999999999999999"), "too large"),
    (("account", "apikey", "create", "dup", "--name", "n" * 101), "longer than 100"),
    (("serve", "--bind", "nonsense"), "expected HOST:PORT"),
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
    serve = Serve(tmp_path, "--bind", "127.0.0.1:{port}",
                  env={"SMSGW_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}",
                       "SMSGW_PUBLIC_URL": "http://127.0.0.1:{port}", "SMSGW_BIND": ""})
    try:
        serve.wait_ready()
        base = f"http://127.0.0.1:{serve.port}"
        banner = serve.out.read_text()
        creds = re.search(r"login: (\S+)\s+password: (\S+)", banner)
        assert creds and f"WSDL: {base}/soap?wsdl (from SMSGW_PUBLIC_URL)" in banner
        session = requests.Session()
        session.auth = creds.groups()
        client = zeep.Client(base + "/soap?wsdl", transport=Transport(session=session))
        assert client.service.GetBalance().balance == 1000
        # the worker that serve starts beside gunicorn delivers out of the box
        message_id = client.service.SendSms(recipients=["+79991234567"], text="hi").messages[0].messageId
        deadline, status = time.monotonic() + 30, None
        while time.monotonic() < deadline and status != "DELIVERED":
            status = client.service.GetStatus(messageIds=[message_id])[0].statusName
            time.sleep(0.2)  # a poll: serve's worker process delivers, and tells us nothing
        assert status == "DELIVERED"
        children = [int(pid) for pid in subprocess.run(
            ["pgrep", "-P", str(serve.proc.pid)], capture_output=True, text=True).stdout.split()]
        assert len(children) == 2  # gunicorn and the worker
    finally:
        if serve.proc.poll() is None:
            serve.proc.send_signal(signal.SIGTERM)
        assert serve.proc.wait(timeout=30) == 0
    for pid in children:  # neither outlives serve
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


# -- `smsgw serve` as a process: Ctrl-C, a busy port, the address it prints (issue 10) -------------

class Serve:
    """`smsgw serve` in a session of its own, as a terminal runs `make run`, on a candidate
    port: "{port}" in ``args`` and ``env`` values is that port. serve opens its port itself, so
    when another process took it first, wait_ready starts serve again on another."""

    def __init__(self, tmp_path, *args: str, env: dict | None = None, cwd=ROOT):
        self.tmp_path, self.args, self.extra_env, self.cwd = tmp_path, args, env or {}, cwd
        self._start()

    def _start(self) -> None:
        self.port = port = candidate_port()
        self.out, self.err = (self.tmp_path / f"serve-{port}.out",
                              self.tmp_path / f"serve-{port}.err")
        self.env = {k: v for k, v in os.environ.items() if k != "SMSGW_PUBLIC_URL"}
        self.env.update({"SMSGW_DATABASE_URL": f"sqlite:///{self.tmp_path / 'serve.db'}",
                         "SMSGW_WORKERS": "1", "SMSGW_BIND": f"127.0.0.1:{port}",
                         # no SMPP server unless a test asks (2775 may be anyone's here)
                         "SMSGW_SMPP_SERVER_BIND": "",
                         **{k: v.format(port=port) for k, v in self.extra_env.items()}})
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "serve",
                 *(a.format(port=port) for a in self.args)],
                env=self.env, cwd=self.cwd, stdout=out, stderr=err, start_new_session=True)

    def wait_ready(self, attempts: int = 5) -> None:
        """Until /health answers and the delivery worker has started its loop."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if BUSY in self.err.read_text() and attempts > 1:
                    attempts -= 1
                    self._start()
                    continue
                break
            try:
                healthy = requests.get(f"http://127.0.0.1:{self.port}/health", timeout=1).ok
            except requests.RequestException:  # not up yet
                healthy = False
            if healthy and "starting with connector" in self.err.read_text():
                return
            time.sleep(0.1)  # a poll: only serve's health URL and log say it is ready
        raise AssertionError(f"serve did not come up:\n{self.err.read_text()}")

    def processes(self) -> list[int]:
        """serve and every process below it."""
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo += [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                    text=True).stdout.split()]
        return found

    def stop(self) -> None:
        """serve and everything below it. serve's children run in process groups of their
        own, so killing serve's group alone orphaned gunicorn and the worker (they kept
        running after the test); serve stops them itself on SIGTERM."""
        if self.proc.poll() is None:
            tree = self.processes()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                for pid in tree:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self.proc.wait()


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_ctrl_c_on_the_serve_process_group_stops_everything_promptly_every_time(tmp_path):
    for run in range(4):
        (tmp_path / f"run{run}").mkdir()
        serve = Serve(tmp_path / f"run{run}")  # a new database each time
        try:
            serve.wait_ready()
            pids = serve.processes()
            assert len(pids) >= 4  # serve, gunicorn's arbiter and its worker, the delivery worker
            # the terminal's SIGINT reaches serve alone, which passes it on once to each child
            children = subprocess.run(["pgrep", "-P", str(serve.proc.pid)], capture_output=True,
                                      text=True).stdout.split()
            assert len(children) == 2
            assert all(os.getpgid(int(pid)) != serve.proc.pid for pid in children)
            os.killpg(serve.proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
            assert serve.proc.wait(timeout=40) == 0, serve.err.read_text()
        finally:
            serve.stop()
        for pid in pids:  # nothing outlives serve (gunicorn's worker is reaped by its arbiter)
            deadline = time.monotonic() + 10
            while not gone(pid) and time.monotonic() < deadline:
                time.sleep(0.05)  # not our children: no waitpid, and no event says "reaped"
            assert gone(pid), f"process {pid} survived Ctrl-C"


def test_a_second_serve_on_a_busy_port_fails_with_address_already_in_use(tmp_path):
    first = Serve(tmp_path)
    try:
        first.wait_ready()
        (tmp_path / "second").mkdir()
        second = subprocess.run([sys.executable, "-m", "service.cli", "serve"], cwd=ROOT,
                                env={**first.env, "SMSGW_DATABASE_URL":
                                     f"sqlite:///{tmp_path / 'second' / 'other.db'}"},
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert second.stderr.strip() == (
            f"smsgw: error: cannot listen on 127.0.0.1:{first.port}: address already in use")
        # gunicorn alone, as the systemd unit runs it, refuses the port too (no SO_REUSEPORT)
        alone = subprocess.run([sys.executable, "-m", "gunicorn", "-c",
                                GUNICORN_CONFIG, "service.wsgi:application"],
                               cwd=ROOT, env=first.env, capture_output=True, text=True, timeout=60)
        assert alone.returncode != 0 and "Address already in use" in alone.stderr
        # and the first gateway still answers every request with its own accounts
        assert requests.get(f"http://127.0.0.1:{first.port}/health", timeout=5).ok
        assert f"Listening at: http://127.0.0.1:{first.port} (" in first.err.read_text()
    finally:
        first.stop()


@pytest.mark.parametrize("how", ["SMSGW_BIND", "--bind"])
def test_without_a_public_url_the_wsdl_follows_the_bind_address(tmp_path, how):
    if how == "--bind":
        serve = Serve(tmp_path, "--bind", "127.0.0.1:{port}", env={"SMSGW_BIND": "127.0.0.1:8080"})
    else:
        serve = Serve(tmp_path)
    try:
        serve.wait_ready()
        port = serve.port
        base = f"http://127.0.0.1:{port}"
        assert (f"WSDL: {base}/soap?wsdl (from the bind address 127.0.0.1:{port}; "
                "set SMSGW_PUBLIC_URL to change)") in serve.out.read_text()
        wsdl = requests.get(base + "/soap?wsdl", timeout=10).text
        assert f'location="{base}/soap"' in wsdl and "8080" not in wsdl
    finally:
        serve.stop()


def test_serve_after_db_upgrade_still_creates_the_demo_account_once(tmp_path):
    env = {**os.environ, "SMSGW_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    assert Server("http://unused", env).cli("db", "upgrade").returncode == 0
    for run in range(2):
        serve = Serve(tmp_path)
        try:
            serve.wait_ready()
            banner = serve.out.read_text()
        finally:
            os.killpg(serve.proc.pid, signal.SIGINT)
            serve.proc.wait(timeout=40)
        creds = re.search(r"login: (\S+)\s+password: (\S+)", banner)
        if run == 0:
            assert creds and creds.group(1) == "demo"
        else:
            assert creds is None  # the accounts table is no longer empty
    r = Server("http://unused", env).cli("account", "show", "demo")
    assert r.returncode == 0 and "1000.0000 RUB" in r.stdout


@pytest.mark.postgres
def test_a_missing_postgresql_database_is_one_line_that_says_to_create_it(postgres_url):
    missing = postgres_url.rsplit("/", 1)[0] + "/smsgw_never_created"
    env = {**os.environ, "SMSGW_DATABASE_URL": missing}
    for command in (("db", "upgrade"), ("serve", "--bind", "127.0.0.1:{port}")):
        r = retry_busy(lambda port: Server("http://unused", env).cli(
            *(arg.format(port=port) for arg in command)))
        assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert 'database "smsgw_never_created" does not exist' in r.stderr
        assert "create the database first" in r.stderr


# -- an installed wheel, outside the checkout (issue 11 #8) -------------------------------------

def test_an_installed_wheel_serves_from_any_directory_with_its_files_in_smsgw_data_dir(tmp_path):
    import shutil
    import zipfile
    source = tmp_path / "src"   # a copy, so that building leaves nothing in the checkout
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    shutil.copytree(ROOT / "service", source / "service",
                    ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                            str(tmp_path / "wheel"), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = (tmp_path / "wheel").glob("smsgw-*.whl")
    site = tmp_path / "site"    # installed: the wheel's files, ahead of the editable checkout
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere, data = tmp_path / "elsewhere", tmp_path / "data"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(site), "SMSGW_DATABASE_URL": "", "SMSGW_DATA_DIR": str(data)}
    found = subprocess.run([sys.executable, "-c", "import service; print(service.__file__)"],
                           cwd=elsewhere, env={**os.environ, **env}, capture_output=True,
                           text=True)
    assert found.stdout.strip() == str(site / "service" / "__init__.py"), found.stderr
    serve = Serve(tmp_path, env=env, cwd=elsewhere)
    try:
        serve.wait_ready()
        assert requests.get(f"http://127.0.0.1:{serve.port}/soap?wsdl", timeout=10).ok
        assert "login: demo" in serve.out.read_text()
        assert (data / "smsgw.db").is_file()           # the migrations ran from the wheel
        assert not (elsewhere / "var").exists()
        tree = serve.processes()
    finally:
        serve.stop()
    assert all(gone(pid) for pid in tree)              # stop() leaves nothing running
