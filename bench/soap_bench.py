#!/usr/bin/env python3
"""SOAP throughput/latency benchmark: smsgw against a trivial spyne echo service.

Run: ``.venv/bin/python bench/soap_bench.py`` (or ``make bench``); ``--help`` lists the options.

In one run it starts two gunicorn servers with the same settings (deploy/gunicorn.conf.py,
same SMSGW_WORKERS / SMSGW_THREADS, gthread):

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

Results: a table on stdout, bench/RESULTS.md (latest run + history), bench/out/last_run.json.
Both servers are killed at the end, also on Ctrl-C, SIGTERM or an exception.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from benchlib import cpu_model, free_port

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "deploy" / "gunicorn.conf.py"
RESULTS_MD = ROOT / "bench" / "RESULTS.md"
OUT_DIR = ROOT / "bench" / "out"
PY = sys.executable

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SMSGW_NS = "urn:smsgw:v1"
ECHO_NS = "urn:smsgw:bench:echo"  # bench/echo_app.py TNS
LOGIN, PASSWORD = "bench", "pw"
AUTH = "Basic " + base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()

# Targets (see RESULTS.md).
T1_RATIO, T1_P99_MS = 0.50, 25.0
T2_RECIPIENTS_PER_S = 20_000

HISTORY_START, HISTORY_END = "<!-- history:start -->", "<!-- history:end -->"


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


class Server:
    """One gunicorn master (own session, so its whole process group can be killed)."""

    def __init__(self, name: str, app: str, env: dict, log_path: Path, extra_args=()):
        self.name, self.app, self.env, self.log_path = name, app, env, log_path
        self.extra_args = list(extra_args)
        self.port = int(env["SMSGW_BIND"].rsplit(":", 1)[1])
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        # The app on the command line wins over wsgi_app in the config file (gunicorn reads
        # cfg.wsgi_app only when no app was given). --no-control-socket: see RESULTS.md notes.
        cmd = [PY, "-m", "gunicorn", "-c", str(CONF), "--no-control-socket", *self.extra_args,
               self.app]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        _live.append(self.proc)

    def wait_ready(self, probe, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited with {self.proc.returncode}\n"
                                   + self.log_tail())
            try:
                if probe():
                    return
            except OSError as exc:
                last = exc
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} server not ready after {timeout:.0f}s ({last})\n"
                           + self.log_tail())

    def pids(self) -> list[int]:
        """Master and its workers."""
        if not self.proc:
            return []
        root = self.proc.pid
        out = [root]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == root:
                    out.append(int(entry))
        return out

    def cpu_by_pid(self) -> dict[int, float]:
        """CPU seconds (user + system) of the master and each worker."""
        tick = os.sysconf("SC_CLK_TCK")
        out = {}
        for pid in self.pids():
            try:
                fields_ = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[pid] = (int(fields_[11]) + int(fields_[12])) / tick
        return out

    def connections_by_worker(self) -> dict[int, int]:
        """Established client connections each worker holds right now."""
        port_hex = f"{self.port:04X}"
        inodes = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = Path(table).read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                parts = line.split()
                if parts[3] == "01" and parts[1].rsplit(":", 1)[1] == port_hex:
                    inodes.add(parts[9])
        out = {}
        for pid in self.pids()[1:]:
            n = 0
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except OSError:
                continue
            for fd in fds:
                try:
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    n += 1
            out[pid] = n
        return out

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        with _suppress():
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with _suppress():
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, exc_type, *_):
        return exc_type is not None and issubclass(exc_type, (ProcessLookupError, PermissionError))


def host_cpu() -> tuple[int, int, int, int]:
    """(busy, irq+softirq, steal, total) jiffies over all CPUs from /proc/stat.

    busy includes irq+softirq: loopback TCP is mostly softirq work that no process is charged
    for, so it is reported on its own rather than counted as another tenant's load.
    """
    vals = ([int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
            + [0] * 8)[:8]
    user, nice, system, idle, iowait, irq, softirq, steal = vals
    total = sum(vals)
    return total - idle - iowait - steal, irq + softirq, steal, total


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def self_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


# --------------------------------------------------------------------------- drivers

WRK_LUA = r"""
wrk.method = "POST"
wrk.body = [==[%(body)s]==]
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.headers["SOAPAction"] = [==["%(action)s"]==]
%(auth)s
local marker = [==[%(marker)s]==]
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  good = 0
  bad = 0
end

function response(status, headers, body)
  if status == 200 and body ~= nil and string.find(body, marker, 1, true) then
    good = good + 1
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local g, b = 0, 0
  for _, t in ipairs(threads) do
    g = g + t:get("good")
    b = b + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"duration_us": %%d, "requests": %%d, "good": %%d, "bad": %%d, ' ..
    '"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}, ' ..
    '"p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%f}\n',
    summary.duration, summary.requests, g, b, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
"""


class WrkDriver:
    name = "wrk"

    def __init__(self, threads: int, connections: int, workdir: Path):
        self.threads, self.connections, self.workdir = threads, connections, workdir
        out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        m = re.search(r"wrk\s+(\S+)", out.stdout + out.stderr)
        self.version = m.group(1) if m else "?"

    def describe(self) -> str:
        return (f"wrk {self.version}, {self.threads} thread(s), {self.connections} keep-alive "
                f"connections")

    def run(self, port: int, sc: Scenario, seconds: float) -> dict:
        script = self.workdir / f"{sc.key}.lua"
        script.write_text(WRK_LUA % {
            "body": sc.body, "action": sc.soap_action, "marker": sc.marker,
            "auth": f'wrk.headers["Authorization"] = "{AUTH}"' if sc.auth else ""})
        cmd = ["wrk", f"-t{self.threads}", f"-c{self.connections}", f"-d{seconds:g}s",
               "--timeout", "10s", "-s", str(script), f"http://127.0.0.1:{port}/soap"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _live.append(proc)
        try:
            out, err = proc.communicate(timeout=seconds + 30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            _live.remove(proc)
        m = re.search(r"^BENCH_RESULT (\{.*\})$", out, re.M)
        if proc.returncode != 0 or not m:
            raise RuntimeError(f"wrk failed (rc={proc.returncode}):\n{out}\n{err}")
        r = json.loads(m.group(1))
        return {"seconds": r["duration_us"] / 1e6, "requests": r["requests"], "good": r["good"],
                "bad": r["bad"], "errors": r["errors"], "p50_ms": r["p50_us"] / 1000,
                "p90_ms": r["p90_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
                "max_ms": r["max_us"] / 1000, "mean_ms": r["mean_us"] / 1000}


class PythonDriver:
    """Fallback: one thread per keep-alive connection. Costs a lot of client CPU (GIL)."""

    name = "python"

    def __init__(self, connections: int):
        self.connections = connections

    def describe(self) -> str:
        return (f"Python http.client fallback, {self.connections} threads x 1 keep-alive "
                f"connection (heavier than wrk: it competes with the servers for CPU)")

    def run(self, port: int, sc: Scenario, seconds: float) -> dict:
        body, headers = sc.body.encode(), soap_headers(sc)
        deadline_box = [0.0]
        lock = threading.Lock()
        lat: list[float] = []
        counts = {"good": 0, "bad": 0, "read": 0, "connect": 0}
        start_gate = threading.Barrier(self.connections + 1)

        def worker():
            local_lat, good, bad, errs = [], 0, 0, 0
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            start_gate.wait()
            while True:
                t0 = time.perf_counter()
                if t0 >= deadline_box[0]:
                    break
                try:
                    conn.request("POST", "/soap", body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    t1 = time.perf_counter()
                    local_lat.append(t1 - t0)
                    if resp.status == 200 and sc.marker.encode() in data:
                        good += 1
                    else:
                        bad += 1
                except (OSError, http.client.HTTPException):
                    errs += 1
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.close()
            with lock:
                lat.extend(local_lat)
                counts["good"] += good
                counts["bad"] += bad
                counts["read"] += errs

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(self.connections)]
        for t in threads:
            t.start()
        t_start = time.perf_counter()
        deadline_box[0] = t_start + seconds
        start_gate.wait()
        for t in threads:
            t.join(timeout=seconds + 30)
        elapsed = time.perf_counter() - t_start
        lat.sort()

        def pct(p):
            return 1000 * lat[min(len(lat) - 1, int(p / 100 * len(lat)))] if lat else float("nan")

        return {"seconds": elapsed, "requests": len(lat), "good": counts["good"],
                "bad": counts["bad"],
                "errors": {"connect": 0, "read": counts["read"], "write": 0, "status": 0,
                           "timeout": 0},
                "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99),
                "max_ms": 1000 * lat[-1] if lat else float("nan"),
                "mean_ms": 1000 * sum(lat) / len(lat) if lat else float("nan")}


# --------------------------------------------------------------------------- the run

def measure(driver, server: Server, sc: Scenario, seconds: float, warmup: float) -> Result:
    # One request first: the scenario must succeed before it is worth timing.
    status, text = http_request(server.port, "POST", "/soap", sc.body, soap_headers(sc))
    if status != 200 or sc.marker not in text:
        raise RuntimeError(f"{sc.label}: sample request failed ({status}):\n{text[:2000]}")
    if warmup > 0:
        driver.run(server.port, sc, warmup)
    # wrk is a reaped child: its CPU shows in RUSAGE_CHILDREN. The Python driver runs in this
    # process, so its CPU is ours.
    driver_cpu = children_cpu if driver.name == "wrk" else self_cpu
    # Keep-alive connections stay with the worker that accepted them: count them mid-window.
    census: dict[int, int] = {}
    timer = threading.Timer(seconds / 2, lambda: census.update(server.connections_by_worker()))
    cpu0, drv0, host0 = server.cpu_by_pid(), driver_cpu(), host_cpu()
    timer.start()
    try:
        r = driver.run(server.port, sc, seconds)
    finally:
        timer.cancel()
    cpu1, drv1, host1 = server.cpu_by_pid(), driver_cpu(), host_cpu()
    dtotal = max(1, host1[3] - host0[3])
    ncpu = os.cpu_count() or 1
    per_pid = {pid: cpu1[pid] - cpu0.get(pid, 0.0) for pid in cpu1}
    workers = sorted((pid for pid in per_pid if pid != server.proc.pid),
                     key=lambda pid: -per_pid[pid])
    res = Result(scenario=sc, driver=driver.name, ncpu=ncpu,
                 server_cpu_s=sum(per_pid.values()), driver_cpu_s=drv1 - drv0,
                 worker_cpu_pct=[100.0 * per_pid[pid] / r["seconds"] for pid in workers],
                 worker_conns=[census.get(pid, 0) for pid in workers],
                 host_busy_pct=100.0 * (host1[0] - host0[0]) / dtotal,
                 host_irq_pct=100.0 * (host1[1] - host0[1]) / dtotal,
                 host_steal_pct=100.0 * (host1[2] - host0[2]) / dtotal, **r)
    return res


def effective_gunicorn_settings(env: dict) -> dict:
    code = ("import json, runpy; g = runpy.run_path('deploy/gunicorn.conf.py'); "
            "import gunicorn; "
            "print(json.dumps({k: g.get(k) for k in ('workers', 'threads', 'worker_class', "
            "'keepalive', 'timeout', 'wsgi_app')} | {'version': gunicorn.__version__}))")
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def code_state() -> str:
    """HEAD and any uncommitted changes to what the servers run: the figures belong to them."""
    try:
        head = subprocess.run(["git", "log", "-1", "--format=%h %s"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "service", "deploy",
                                "bench/echo_app.py", "pyproject.toml"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout?)"
    changed = [ln[3:] for ln in dirty if ln.strip() and not ln[3:].startswith("bench/")]
    return f"`{head}`" + (f", plus uncommitted changes to: {', '.join(changed)}" if changed
                          else ", clean working tree")


def code_rev() -> str:
    """Short HEAD, with '+dirty' when the served code has uncommitted changes."""
    state = code_state()
    m = re.match(r"`(\S+)", state)
    return (m.group(1) if m else "?") + ("+dirty" if "uncommitted" in state else "")



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
    servers: list[Server] = []
    try:
        base_env = dict(os.environ)   # SMSGW_WORKERS / SMSGW_THREADS pass through to both
        if args.workers is not None:
            base_env["SMSGW_WORKERS"] = str(args.workers)
        if args.threads is not None:
            base_env["SMSGW_THREADS"] = str(args.threads)
        base_env.setdefault("SMSGW_LOG_LEVEL", "info")   # debug would turn the access log on
        for cls in ("SEND", "QUERY", "MANAGE"):          # measure the server, not the limits
            base_env.setdefault(f"SMSGW_RATE_{cls}_PER_MINUTE", "0")

        def env_for(port: int, db: Path | None) -> dict:
            env = dict(base_env, SMSGW_BIND=f"127.0.0.1:{port}",
                       SMSGW_PUBLIC_URL=f"http://127.0.0.1:{port}")
            if db is not None:
                env["SMSGW_DATABASE_URL"] = f"sqlite:///{db}"
            return env

        echo_env = env_for(free_port(), None)
        sms_env = env_for(free_port(), tmp / "smsgw.db")
        gsettings = effective_gunicorn_settings(sms_env)
        if effective_gunicorn_settings(echo_env) != gsettings:
            raise RuntimeError("echo and smsgw would not get the same gunicorn settings")

        driver, driver_note = pick_driver(args, tmp)
        if driver_note:
            print("NOTE:", driver_note, file=sys.stderr)

        # smsgw's database and account, with the server's own CLI.
        for cli in (["db", "upgrade"],
                    ["account", "create", LOGIN, "--password", PASSWORD, "--balance",
                     "100000000"]):
            subprocess.run([PY, "-m", "service.cli", *cli], cwd=ROOT, env=sms_env, check=True,
                           stdout=subprocess.DEVNULL)

        echo = Server("echo", "bench.echo_app:application", echo_env, tmp / "echo.log",
                      args.gunicorn_arg)
        sms = Server("smsgw", "service.wsgi:application", sms_env, tmp / "smsgw.log",
                     args.gunicorn_arg)
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
        if not args.no_write:
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


# --------------------------------------------------------------------------- reporting

def build_report(args, results: list[Result], driver, driver_note, gsettings) -> dict:
    by = {r.scenario.key: r for r in results}
    echo_runs = [r for r in results if r.scenario.server == "echo"]
    baseline = sum(r.rps for r in echo_runs) / len(echo_runs)
    drift = (abs(echo_runs[0].rps - echo_runs[-1].rps) / baseline) if len(echo_runs) > 1 else 0

    def ratio(r):
        return r.rps / baseline if baseline else float("nan")

    # The same comparison by CPU cost: immune to how connections fell on workers, and less
    # to neighbours. 1.0 = as cheap per request as echo.
    echo_cost = sum(r.server_cpu_ms_per_req for r in echo_runs) / len(echo_runs)

    def cost_ratio(r):
        return echo_cost / r.server_cpu_ms_per_req if r.good else float("nan")

    hdr = ("| Scenario | req/s | items/s | p50 ms | p90 ms | p99 ms | vs echo "
           "| vs echo (CPU cost) | server CPU % "
           "| per-worker CPU % | conns per worker | server CPU ms/req | driver CPU % | irq CPU % "
           "| other CPU % | bad/errors |")
    sep = "|" + "|".join(["---"] + ["---:"] * 15) + "|"
    rows = [hdr, sep]
    for r in results:
        errs = r.bad + sum(r.errors.values())
        items = f"{r.items_per_s:,.0f}" if r.scenario.items > 1 else ""
        rows.append(f"| {r.scenario.label} | {r.rps:,.0f} | {items} | {r.p50_ms:.2f} "
                    f"| {r.p90_ms:.2f} | {r.p99_ms:.2f} | {ratio(r):.2f} | {cost_ratio(r):.2f} "
                    f"| {r.server_cpu_pct:.0f} | {'/'.join(f'{c:.0f}' for c in r.worker_cpu_pct)} "
                    f"| {'/'.join(str(c) for c in r.worker_conns)} "
                    f"| {r.server_cpu_ms_per_req:.2f} | {r.driver_cpu_pct:.0f} "
                    f"| {r.irq_cpu_pct:.0f} | {r.other_cpu_pct:.0f} | {errs} |")
    table = "\n".join(rows)

    s1, s100 = by["send1"], by["send100"]
    t1_ratio_ok = ratio(s1) >= T1_RATIO
    t1_p99_ok = s1.p99_ms <= T1_P99_MS
    t2_ok = s100.items_per_s >= T2_RECIPIENTS_PER_S
    clean = all(r.bad == 0 and sum(r.errors.values()) == 0 for r in results)
    targets = [
        ("SendSms (1 recipient) throughput >= 50% of echo", f"{ratio(s1):.0%} of echo "
         f"({s1.rps:,.0f} vs {baseline:,.0f} req/s)", t1_ratio_ok),
        (f"SendSms (1 recipient) p99 <= {T1_P99_MS:g} ms", f"{s1.p99_ms:.2f} ms", t1_p99_ok),
        (f">= {T2_RECIPIENTS_PER_S:,} recipients/s via 100-recipient SendSms",
         f"{s100.items_per_s:,.0f} recipients/s ({s100.rps:,.1f} req/s)", t2_ok),
    ]
    ttab = "\n".join(["| Target | Measured | Met? |", "|---|---|---|"]
                     + [f"| {name} | {val} | {'yes' if ok else '**NO**'} |"
                        for name, val, ok in targets])
    all_met = t1_ratio_ok and t1_p99_ok and t2_ok
    now = dt.datetime.now(dt.timezone.utc)
    machine = (f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu_model()}, "
               f"{platform.system()} {platform.release()}")
    gs = gsettings
    gdesc = (f"gunicorn {gs['version']}, worker_class={gs['worker_class']}, "
             f"workers={gs['workers']}, threads={gs['threads']}, keepalive={gs['keepalive']}s "
             f"(deploy/gunicorn.conf.py, identical for both servers; plus --no-control-socket"
             + "".join(f" {a}" for a in args.gunicorn_arg) + ")")
    history_row = (f"| {now:%Y-%m-%d %H:%M} | {code_rev()} | {driver.name} "
                   f"| {gs['workers']}x{gs['threads']} "
                   f"| {baseline:,.0f} | {s1.rps:,.0f} ({ratio(s1):.2f}) | {s1.p99_ms:.1f} "
                   f"| {s100.items_per_s:,.0f} | {by['status100'].rps:,.0f} "
                   f"({ratio(by['status100']):.2f}) | {'all met' if all_met else 'not met'} |")
    return {
        "table": table, "ttab": ttab, "all_met": all_met, "clean": clean, "now": now,
        "code": code_state(), "machine": machine, "ncpu": os.cpu_count() or 1, "python": f"{platform.python_version()} ({sys.executable})",
        "gunicorn": gdesc, "driver": driver.describe(), "driver_note": driver_note,
        "seconds": args.seconds, "warmup": args.warmup, "baseline": baseline, "drift": drift,
        "echo_runs": echo_runs, "history_row": history_row, "echo_cost": echo_cost,
        "send1_cost_ratio": cost_ratio(s1),
        "targets_text": "\nTargets:\n" + ttab + (
            "" if clean else "\nWARNING: some responses were bad or errored (see bad/errors)."),
        "json": {"date": now.isoformat(), "machine": machine, "code": code_state(), "python": platform.python_version(),
                 "gunicorn": gs, "driver": driver.describe(), "seconds": args.seconds,
                 "warmup": args.warmup, "echo_baseline_rps": baseline, "echo_drift": drift,
                 "echo_cpu_ms_per_req": echo_cost,
                 "results": [r.as_dict() for r in results],
                 "targets": [{"target": n, "measured": v, "met": ok} for n, v, ok in targets]},
    }


def write_results_md(rep: dict) -> None:
    history: list[str] = []
    if RESULTS_MD.exists():
        old = RESULTS_MD.read_text()
        if HISTORY_START in old and HISTORY_END in old:
            block = old.split(HISTORY_START, 1)[1].split(HISTORY_END, 1)[0]
            history = [ln for ln in block.strip().splitlines()
                       if ln.startswith("| 2") or ln.startswith("| 1")]
    history.insert(0, rep["history_row"])
    echo_runs = rep["echo_runs"]
    echo_line = ", ".join(f"{r.rps:,.0f}" for r in echo_runs)
    md = f"""# SOAP benchmark results

Produced by `bench/soap_bench.py` (`make bench`); this file is rewritten on every run, with
one line per run kept under *History*. The machine is shared and noisy, so compare the
**ratios to echo** (a trivial spyne service served by the same gunicorn settings and measured
in the same run), not absolute req/s across runs.

## Latest run: {rep['now']:%Y-%m-%d %H:%M} UTC

- Code: {rep['code']}
- Machine: {rep['machine']}
- Python: {rep['python']}
- Server: {rep['gunicorn']}
- smsgw database: fresh SQLite (WAL) file in a temp dir; account `bench` with a large balance
- Driver: {rep['driver']}; loopback; {rep['seconds']:g} s per scenario after a
  {rep['warmup']:g} s warm-up; every response body is checked (SendSms needs
  `<tns:code>0</tns:code>`){chr(10) + '- Driver note: ' + rep['driver_note'] if rep['driver_note'] else ''}
- Echo baseline: {rep['baseline']:,.0f} req/s = mean of the echo runs ({echo_line} req/s;
  they differ by {rep['drift']:.0%}: mostly how their connections fell on the workers, see
  *conns per worker* and the first note; the rest is this shared box's noise)

{rep['table']}

Columns: *items/s* = recipients/s (SendSms) or statuses/s (GetStatus); *vs echo* = req/s ÷
echo baseline (what the targets use); *vs echo (CPU cost)* = echo's server CPU ms per request
(mean of the echo runs, {rep['echo_cost']:.2f} ms) ÷ this scenario's, i.e. the throughput
ratio both would have if each got the same CPU; *server CPU %* = CPU time of that gunicorn master + workers over the window
(200% = both cores); *per-worker CPU %* and *conns per worker* = the same split by
gunicorn worker, busiest first, connections counted mid-window (a keep-alive connection stays
with the worker that accepted it); *server CPU ms/req* = that CPU time per request, the least noise-prone
cost figure; *driver CPU %* = the load generator's CPU; *irq CPU %* = kernel irq/softirq time
(mostly loopback TCP, charged to no process); *other CPU %* = the rest of the host (other
tenants' processes) over the same window. The box has {rep['ncpu']} CPUs, so
{rep['ncpu'] * 100}% is everything; *bad/errors* = non-200s, bodies without the expected
marker, socket errors and timeouts.

### Targets

{rep['ttab']}
{'' if rep['clean'] else chr(10) + '**Warning:** some responses were bad or errored in this run.' + chr(10)}
### Notes

- Read *conns per worker* before the req/s. deploy/gunicorn.conf.py sets `reuse_port`, so
  each gunicorn worker listens on its own socket and the kernel spreads connections over them;
  without it, 8 keep-alive connections opened at once often all landed on one worker (8/0),
  which served everything on one core (one GIL) while the others idled. The split is still
  a hash, not a guarantee, so a scenario can get an uneven one; the CPU-cost ratio is the
  steadier figure (for the 1-recipient target it reads {rep['send1_cost_ratio']:.2f} this run).
- p99 here includes this shared box's noise: read the echo's own p99 in the same run before
  blaming smsgw for a tail.
- What a 1-recipient SendSms costs beyond the echo: two database transactions (a read to
  authenticate, a write that debits and inserts; SQLite takes one writer at a time and the
  writers queue on a file lock), SQLAlchemy statement execution, and the domain work
  (E.164 parsing, segments, pricing).
- The echo app is served with `gunicorn -c deploy/gunicorn.conf.py bench.echo_app:application`:
  an app named on the command line wins over `wsgi_app` in the config file.

## History

| date (UTC) | code | driver | workers x threads | echo req/s | SendSms-1 req/s (vs echo) | SendSms-1 p99 ms | recipients/s (SendSms-100) | GetStatus-100 req/s (vs echo) | targets |
|---|---|---|---|---:|---:|---:|---:|---:|---|
{HISTORY_START}
{chr(10).join(history)}
{HISTORY_END}
"""
    RESULTS_MD.write_text(md)


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
    p.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md / bench/out")
    p.add_argument("--keep-tmp", action="store_true", help="keep the temp dir (db, server logs)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is not met")
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
