#!/usr/bin/env python3
"""SOAP throughput/latency benchmark: smsgw against a trivial spyne echo service.

Run: ``.venv/bin/python bench/soap_bench.py`` (or ``make bench``); ``--help`` lists the options.

In one run it starts two gunicorn servers with the same settings (smsgw's,
service/server/gunicorn_conf.py, same SMSGW_WORKERS / SMSGW_THREADS), each on a socket bound to
port 0 (bench/benchlib.py):

* ``bench.echo_app:application``: one spyne operation, echo(text) -> text, SOAP 1.1 with lxml
  validation. This is the baseline: what spyne + lxml + gunicorn cost on this machine now.
* ``service.wsgi:application``: the real smsgw on a fresh SQLite database in a temp dir.

Each scenario gets a warm-up, then a fixed window with 8 keep-alive connections over loopback.
The box is shared and noisy, so what counts is the RATIO of each scenario's req/s to echo's
req/s in the same run; echo is measured first and again last, and the baseline is their mean.

Load generator: ``wrk`` (``apt-get install -y wrk``) with a Lua script that checks each
response body and prints the latency percentiles. Without wrk it falls back to a threaded
``http.client`` driver, which needs far more CPU than wrk on a 2-core box; the output says
which driver was used.

Results: a table on stdout; with ``--record`` also bench/RESULTS.md (latest run + history) and
bench/out/last_run.json (the report is built in bench/soap_report.py). Both servers are
killed at the end, also on Ctrl-C, SIGTERM or an exception.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from benchlib import (PY, ROOT, Gunicorn, HostCpu, Load, add_record_flag, own_cpu, python_load,
                      smsgw_cli, wrk, wrk_version)
from soap_report import RESULTS_MD, build_report, write_results_md

OUT_DIR = ROOT / "bench" / "out"

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SMSGW_NS = "urn:smsgw:v1"
ECHO_NS = "urn:smsgw:bench:echo"  # bench/echo_app.py TNS
LOGIN, PASSWORD = "bench", "pw"
AUTH = "Basic " + base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()



# --------------------------------------------------------------------------- request bodies

def envelope(ns: str, inner: str) -> str:
    return (f'<s:Envelope xmlns:s="{SOAP_ENV}" xmlns:t="{ns}"><s:Body>{inner}</s:Body>'
            f'</s:Envelope>')


def echo_body() -> str:
    return envelope(ECHO_NS, "<t:echo><t:text>Hello</t:text></t:echo>")


def numbers(n: int) -> list[str]:
    return ["+79991234567"] if n == 1 else [f"+7999123{i:04d}" for i in range(n)]


def send_body(n: int) -> str:
    recipients = "".join(f"<t:recipients>{r}</t:recipients>" for r in numbers(n))
    return envelope(SMSGW_NS, f"<t:SendSms>{recipients}<t:text>Hello</t:text></t:SendSms>")


def status_body(ids: list[int]) -> str:
    items = "".join(f"<t:messageIds>{i}</t:messageIds>" for i in ids)
    return envelope(SMSGW_NS, f"<t:GetStatus>{items}</t:GetStatus>")


@dataclass
class Scenario:
    key: str
    label: str
    server: str              # "echo" or "smsgw"
    body: str
    marker: str              # every good response body contains it
    items: int = 1           # recipients / ids per request
    soap_action: str = ""
    auth: bool = True


@dataclass
class Result:
    scenario: Scenario
    driver: str
    seconds: float
    requests: int
    good: int
    bad: int
    errors: dict
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    server_cpu_s: float = 0.0
    driver_cpu_s: float = 0.0
    host_busy_pct: float = 0.0
    host_irq_pct: float = 0.0
    host_steal_pct: float = 0.0
    ncpu: int = 1
    worker_cpu_pct: list = field(default_factory=list)     # per worker, busiest first
    worker_conns: list = field(default_factory=list)       # per worker, mid-window, same order

    @property
    def rps(self) -> float:
        return self.good / self.seconds if self.seconds else 0.0

    @property
    def items_per_s(self) -> float:
        return self.rps * self.scenario.items

    @property
    def server_cpu_pct(self) -> float:
        return 100.0 * self.server_cpu_s / self.seconds if self.seconds else 0.0

    @property
    def driver_cpu_pct(self) -> float:
        return 100.0 * self.driver_cpu_s / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_ms_per_req(self) -> float:
        return 1000.0 * self.server_cpu_s / self.good if self.good else float("nan")

    @property
    def irq_cpu_pct(self) -> float:
        """Kernel irq/softirq time (mostly loopback TCP), in % of one CPU like the others."""
        return self.host_irq_pct * self.ncpu

    @property
    def other_cpu_pct(self) -> float:
        """CPU used by neither server, driver nor irq/softirq: other tenants' processes."""
        ours = self.server_cpu_pct + self.driver_cpu_pct + self.irq_cpu_pct
        return max(0.0, self.host_busy_pct * self.ncpu - ours)

    def as_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "scenario"}
        d.update(scenario=self.scenario.key, label=self.scenario.label, rps=self.rps,
                 items_per_s=self.items_per_s, server_cpu_pct=self.server_cpu_pct,
                 driver_cpu_pct=self.driver_cpu_pct, irq_cpu_pct=self.irq_cpu_pct,
                 server_cpu_ms_per_req=self.server_cpu_ms_per_req,
                 other_cpu_pct=self.other_cpu_pct)
        return d


# --------------------------------------------------------------------------- processes

_live: list[subprocess.Popen] = []   # children to kill on the way out


def _raise_interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")



def http_request(port: int, method: str, path: str, body: str | None = None,
                 headers: dict | None = None, timeout: float = 10.0) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body.encode() if body else None, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def soap_headers(sc: Scenario) -> dict:
    h = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{sc.soap_action}"'}
    if sc.auth:
        h["Authorization"] = AUTH
    return h


# --------------------------------------------------------------------------- drivers

class WrkDriver:
    name = "wrk"

    def __init__(self, threads: int, connections: int, workdir: Path):
        self.threads, self.connections, self.workdir = threads, connections, workdir
        self.version = wrk_version() or "?"

    def describe(self) -> str:
        return (f"wrk {self.version}, {self.threads} thread(s), {self.connections} keep-alive "
                f"connections")

    def run(self, port: int, sc: Scenario, seconds: float) -> dict:
        load = Load("/soap", sc.body, soap_headers(sc), sc.marker)

        started: list[subprocess.Popen] = []
        try:
            r = wrk(port, load, seconds, self.workdir, self.threads, self.connections,
                    lambda proc: (started.append(proc), _live.append(proc)))
        finally:
            for proc in started:
                _live.remove(proc)
        del r["first_bad"]
        return r


class PythonDriver:
    """Fallback: one thread per keep-alive connection. Costs a lot of client CPU (GIL)."""

    name = "python"

    def __init__(self, connections: int):
        self.connections = connections

    def describe(self) -> str:
        return (f"Python http.client fallback, {self.connections} threads x 1 keep-alive "
                f"connection (heavier than wrk: it competes with the servers for CPU)")

    def run(self, port: int, sc: Scenario, seconds: float) -> dict:
        load = Load("/soap", sc.body, soap_headers(sc), sc.marker)
        return python_load(port, load, seconds, self.connections)


# --------------------------------------------------------------------------- the run

def measure(driver, server: Gunicorn, sc: Scenario, seconds: float, warmup: float) -> Result:
    # One request first: the scenario must succeed before it is worth timing.
    status, text = http_request(server.port, "POST", "/soap", sc.body, soap_headers(sc))
    if status != 200 or sc.marker not in text:
        raise RuntimeError(f"{sc.label}: sample request failed ({status}):\n{text[:2000]}")
    if warmup > 0:
        driver.run(server.port, sc, warmup)
    # wrk is a reaped child: its CPU shows in RUSAGE_CHILDREN. The Python driver runs in this
    # process, so its CPU is ours.
    def driver_cpu() -> float:
        return own_cpu(children=driver.name == "wrk")
    # Keep-alive connections stay with the worker that accepted them: count them mid-window.
    census: dict[int, int] = {}
    timer = threading.Timer(seconds / 2, lambda: census.update(server.connections_by_worker()))
    cpu0, drv0, host0 = server.cpu_by_pid(), driver_cpu(), HostCpu.now()
    timer.start()
    try:
        r = driver.run(server.port, sc, seconds)
    finally:
        timer.cancel()
    cpu1, drv1, host1 = server.cpu_by_pid(), driver_cpu(), HostCpu.now()
    dtotal = max(1e-9, host1.total - host0.total)
    ncpu = os.cpu_count() or 1
    per_pid = {pid: cpu1[pid] - cpu0.get(pid, 0.0) for pid in cpu1}
    workers = sorted((pid for pid in per_pid if pid != server.proc.pid),
                     key=lambda pid: -per_pid[pid])
    res = Result(scenario=sc, driver=driver.name, ncpu=ncpu,
                 server_cpu_s=sum(per_pid.values()), driver_cpu_s=drv1 - drv0,
                 worker_cpu_pct=[100.0 * per_pid[pid] / r["seconds"] for pid in workers],
                 worker_conns=[census.get(pid, 0) for pid in workers],
                 host_busy_pct=100.0 * (host1.busy - host0.busy) / dtotal,
                 host_irq_pct=100.0 * (host1.irq - host0.irq) / dtotal,
                 host_steal_pct=100.0 * (host1.steal - host0.steal) / dtotal, **r)
    return res


def effective_gunicorn_settings(env: dict) -> dict:
    code = ("import json, importlib; "
            "g = vars(importlib.import_module('service.server.gunicorn_conf')); "
            "import gunicorn; "
            "print(json.dumps({k: g.get(k) for k in ('workers', 'threads', 'worker_class', "
            "'keepalive', 'timeout', 'wsgi_app')} | {'version': gunicorn.__version__}))")
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def pick_driver(args, workdir: Path):
    if args.driver in ("auto", "wrk"):
        if shutil.which("wrk"):
            return WrkDriver(args.wrk_threads, args.connections, workdir), None
        msg = "wrk not found (install it: apt-get install -y wrk)"
        if args.driver == "wrk":
            raise SystemExit(msg)
        return PythonDriver(args.connections), msg + "; using the Python fallback driver"
    return PythonDriver(args.connections), None


def run(args) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="smsgw-bench-"))
    servers: list[Gunicorn] = []
    try:
        base_env = dict(os.environ)   # SMSGW_WORKERS / SMSGW_THREADS pass through to both
        if args.workers is not None:
            base_env["SMSGW_WORKERS"] = str(args.workers)
        if args.threads is not None:
            base_env["SMSGW_THREADS"] = str(args.threads)
        base_env.setdefault("SMSGW_LOG_LEVEL", "info")   # debug would turn the access log on
        for cls in ("SEND", "QUERY", "MANAGE"):          # measure the server, not the limits
            base_env.setdefault(f"SMSGW_RATE_{cls}_PER_MINUTE", "0")

        echo_env = dict(base_env)     # Gunicorn gives each server its port (SMSGW_BIND)
        sms_env = dict(base_env, SMSGW_DATABASE_URL=f"sqlite:///{tmp / 'smsgw.db'}")
        gsettings = effective_gunicorn_settings(sms_env)
        if effective_gunicorn_settings(echo_env) != gsettings:
            raise RuntimeError("echo and smsgw would not get the same gunicorn settings")

        driver, driver_note = pick_driver(args, tmp)
        if driver_note:
            print("NOTE:", driver_note, file=sys.stderr)

        # smsgw's database and account, with the server's own CLI.
        smsgw_cli(sms_env, "db", "upgrade")
        smsgw_cli(sms_env, "account", "create", LOGIN, "--password", PASSWORD, "--balance",
                  "100000000")
        if args.tariff_prefixes:  # price the account with its own tariff (docs/tariffs.md)
            csv_file = tmp / "tariff.csv"
            csv_file.write_text("".join(f"{7000 + n},0.{n % 90 + 10}\n"
                                        for n in range(args.tariff_prefixes)))
            smsgw_cli(sms_env, "tariff", "import", "bench", str(csv_file))
            smsgw_cli(sms_env, "account", "set", LOGIN, "--tariff", "bench")

        # --no-control-socket: see RESULTS.md notes.
        echo = Gunicorn("echo", "bench.echo_app:application", echo_env, tmp / "echo.log",
                        ["--no-control-socket", *args.gunicorn_arg])
        sms = Gunicorn("smsgw", "service.wsgi:application", sms_env, tmp / "smsgw.log",
                       ["--no-control-socket", *args.gunicorn_arg])

        servers += [echo, sms]
        for s in servers:
            s.start()
        echo_sc = Scenario("echo", "echo (spyne baseline)", "echo", echo_body(),
                           "<tns:echoResult>Hello</tns:echoResult>", auth=False,
                           soap_action="echo")
        echo.wait_ready(lambda: http_request(echo.port, "POST", "/soap", echo_sc.body,
                                             soap_headers(echo_sc), timeout=2)[0] == 200)
        sms.wait_ready(lambda: http_request(sms.port, "GET", "/health", timeout=2)[0] == 200)

        # If wrk cannot run here, fall back rather than fail.
        if isinstance(driver, WrkDriver) and args.driver == "auto":
            try:
                driver.run(echo.port, echo_sc, 1)
            except Exception as exc:  # noqa: BLE001 - any failure means "unusable"
                driver_note = f"wrk unusable ({str(exc).splitlines()[0]}); using Python driver"
                print("NOTE:", driver_note, file=sys.stderr)
                driver = PythonDriver(args.connections)

        # 100 existing message ids for GetStatus.
        status, text = http_request(sms.port, "POST", "/soap", send_body(100),
                                    soap_headers(Scenario("", "", "smsgw", "", "")))
        ids = [int(x) for x in re.findall(r"<tns:messageId>(\d+)</tns:messageId>", text)]
        if status != 200 or len(ids) != 100:
            raise RuntimeError(f"could not create 100 messages for GetStatus ({status}):\n"
                               f"{text[:2000]}")

        plan = [
            (echo, echo_sc),
            (sms, Scenario("send1", "SendSms, 1 recipient", "smsgw", send_body(1),
                           "<tns:code>0</tns:code>", soap_action="SendSms")),
            (sms, Scenario("send100", "SendSms, 100 recipients", "smsgw", send_body(100),
                           "<tns:code>0</tns:code>", items=100, soap_action="SendSms")),
            (sms, Scenario("status100", "GetStatus, 100 ids", "smsgw", status_body(ids),
                           f"<tns:messageId>{ids[-1]}</tns:messageId>", items=100,
                           soap_action="GetStatus")),
        ]
        if not args.echo_once:
            plan.append((echo, Scenario("echo_after", "echo (again, at the end)", "echo",
                                        echo_sc.body, echo_sc.marker, auth=False,
                                        soap_action="echo")))

        print(f"driver: {driver.describe()}; {args.seconds:g}s per scenario after "
              f"{args.warmup:g}s warm-up", file=sys.stderr)
        results: list[Result] = []
        for server, sc in plan:
            print(f"  running {sc.label} ...", file=sys.stderr, flush=True)
            results.append(measure(driver, server, sc, args.seconds, args.warmup))

        report = build_report(args, results, driver, driver_note, gsettings)
        print(report["table"])
        print(report["targets_text"])
        if args.record:
            write_results_md(report)
            OUT_DIR.mkdir(exist_ok=True)
            (OUT_DIR / "last_run.json").write_text(json.dumps(report["json"], indent=2))
            print(f"\nwrote {RESULTS_MD.relative_to(ROOT)} and "
                  f"{(OUT_DIR / 'last_run.json').relative_to(ROOT)}")
        return 0 if report["all_met"] or not args.strict else 1
    except Exception:
        for s in servers:
            if s.proc and s.proc.poll() is not None:
                print(f"--- {s.name} log tail ---\n{s.log_tail()}", file=sys.stderr)
        raise
    finally:
        for s in servers:
            s.stop()
        for p in list(_live):
            if p.poll() is None:
                p.kill()
                p.wait()
        if args.keep_tmp:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=10.0, help="measured seconds per scenario")
    p.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per scenario")
    p.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    p.add_argument("--driver", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument("--wrk-threads", type=int, default=1,
                   help="wrk threads (1 leaves the most CPU to the servers)")
    p.add_argument("--workers", type=int, help="SMSGW_WORKERS for both servers (default: env/conf)")
    p.add_argument("--threads", type=int, help="SMSGW_THREADS for both servers (default: env/conf)")
    p.add_argument("--gunicorn-arg", action="append", default=[], metavar="ARG",
                   help="extra gunicorn CLI argument for both servers, e.g. "
                        "--gunicorn-arg=--worker-connections=4 (repeatable; for experiments)")
    p.add_argument("--echo-once", action="store_true", help="measure echo only at the start")
    add_record_flag(p, "bench/RESULTS.md and bench/out/last_run.json")
    p.add_argument("--keep-tmp", action="store_true", help="keep the temp dir (db, server logs)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is not met")
    p.add_argument("--tariff-prefixes", type=int, default=0, metavar="N",
                   help="give the account a stored tariff of N prefixes (default: none)")
    args = p.parse_args(argv)
    if args.seconds <= 0 or args.connections < 1:
        p.error("--seconds and --connections must be positive")
    # Explicit, so Ctrl-C works even when started with SIGINT ignored (e.g. as a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
