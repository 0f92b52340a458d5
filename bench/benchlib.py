"""What the benchmark scripts share: serving smsgw (or another app) with smsgw's gunicorn
settings, driving it with wrk, measuring CPU with psutil, and writing results only when asked.

The scripts run as ``python bench/<name>.py``, so this directory is on their import path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import http.client
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import psutil

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# What `smsgw serve` runs (service/server/gunicorn_conf.py).
GUNICORN_CONFIG = "python:service.server.gunicorn_conf"


# --------------------------------------------------------------------------- callbacks

class CallbackReceiver:
    """A keep-alive HTTP/1.1 endpoint (asyncio, in its own thread) on 127.0.0.1 that answers
    200 to every request and hands each body to ``on_body`` (called on its event loop)."""

    def __init__(self, on_body: Callable[[bytes], None]) -> None:
        self.port = 0
        self._on_body = on_body
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader, writer) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                self._on_body(await reader.readexactly(length))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


# --------------------------------------------------------------------------- results

def add_record_flag(parser: argparse.ArgumentParser, what: str) -> None:
    """``--record``: write ``what`` (a tracked results file); without it a run only prints."""
    parser.add_argument("--record", action="store_true",
                        help=f"write the figures to {what} (default: print them only)")


# --------------------------------------------------------------------------- the machine

def cpu_model() -> str:
    """The CPU's model name, recorded beside the figures."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


@dataclass(frozen=True)
class HostCpu:
    """System-wide CPU seconds, summed over all CPUs (psutil.cpu_times)."""

    busy: float      # everything but idle, iowait and steal; includes irq + softirq
    irq: float       # irq + softirq: loopback TCP is mostly softirq, charged to no process
    steal: float
    total: float

    @classmethod
    def now(cls) -> "HostCpu":
        t = psutil.cpu_times()
        irq = getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)
        steal = getattr(t, "steal", 0.0)
        idle = t.idle + getattr(t, "iowait", 0.0)
        total = sum(t)
        return cls(total - idle - steal, irq, steal, total)


def process_cpu(pid: int, tid: int | None = None) -> float:
    """CPU seconds (user + system) of process ``pid``, or of its thread ``tid``; 0 when gone."""
    try:
        process = psutil.Process(pid)
        if tid is None:
            t = process.cpu_times()
            return t.user + t.system
        return next((t.user_time + t.system_time for t in process.threads() if t.id == tid), 0.0)
    except psutil.Error:
        return 0.0


def own_cpu(children: bool = False) -> float:
    """CPU seconds (user + system) of this process, or of its reaped children."""
    t = psutil.Process().cpu_times()
    return t.children_user + t.children_system if children else t.user + t.system


# --------------------------------------------------------------------------- serving

def listening_socket(backlog: int = 2048) -> socket.socket:
    """A loopback socket listening on a port the kernel chose (port 0), inheritable: gunicorn
    adopts it as ``--bind fd://N`` (as `smsgw serve` hands over its own), so no other process
    can take the port between choosing and serving."""
    sock = socket.create_server(("127.0.0.1", 0), backlog=backlog)
    sock.set_inheritable(True)
    return sock


def candidate_port() -> int:
    """A port that was free a moment ago, for `smsgw serve`, which opens its port itself
    (Gunicorn(serve=True) starts again on another when it was taken meanwhile)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smsgw_env(port: int, database: Path | None = None, **settings: str) -> dict[str, str]:
    """This environment plus SMSGW_* for a gateway on 127.0.0.1:``port`` (``settings`` are
    SMSGW_ names without the prefix: ``log_level="warning"``)."""
    env = {**os.environ, "SMSGW_BIND": f"127.0.0.1:{port}",
           "SMSGW_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    if database is not None:
        env["SMSGW_DATABASE_URL"] = f"sqlite:///{database}"
    env.update({"SMSGW_" + k.upper(): str(v) for k, v in settings.items()})
    return env


def fresh_postgres(admin_url: str, prefix: str = "smsgw_bench") -> tuple[str, Callable[[], None]]:
    """A new, empty PostgreSQL database on the server ``admin_url`` names, and the function
    that drops it (the benchmarks migrate it themselves, as `smsgw db upgrade` would)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def smsgw_cli(env: dict, *args: str) -> None:
    """``smsgw <args>`` (db upgrade, account create ...), the way an operator runs it."""
    subprocess.run([PY, "-m", "service.cli", *args], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)


class Gunicorn:
    """One gunicorn master with smsgw's settings, in a session of its own (so the master and
    its workers are stopped together), serving ``app`` on a socket bound to port 0 — or, with
    ``serve=True``, `smsgw serve` itself (the README way: it opens SMSGW_BIND and starts the
    embedded delivery worker beside gunicorn)."""

    def __init__(self, name: str, app: str, env: dict, log_path: Path, extra_args=(),
                 serve: bool = False) -> None:
        self.name, self.app, self.log_path, self.serve = name, app, log_path, serve
        self.extra_args = list(extra_args)
        self._given_env = env
        self._sock: socket.socket | None = None
        self.proc: subprocess.Popen | None = None
        self._choose_port()

    def _choose_port(self) -> None:
        if self.serve:
            self.port = candidate_port()
        else:
            self._sock = listening_socket()
            self.port = self._sock.getsockname()[1]
        self.env = {**self._given_env, "SMSGW_BIND": f"127.0.0.1:{self.port}",
                    "SMSGW_PUBLIC_URL": f"http://127.0.0.1:{self.port}"}

    def start(self) -> "Gunicorn":
        self._log = open(self.log_path, "wb")
        if self.serve:
            cmd, fds = [PY, "-m", "service.cli", "serve"], ()
        else:
            # The app on the command line wins over wsgi_app in the settings module.
            fd = self._sock.fileno()
            cmd = [PY, "-m", "gunicorn", "-c", GUNICORN_CONFIG, "--bind", f"fd://{fd}",
                   *self.extra_args, self.app]
            fds = (fd,)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     pass_fds=fds, start_new_session=True)
        if self._sock is not None:
            self._sock.close()  # gunicorn holds it now
            self._sock = None
        return self

    def wait_ready(self, probe: Callable[[], bool], timeout: float = 60.0) -> "Gunicorn":
        """Until ``probe()`` is true; fails at once if the server exits."""
        deadline, last, restarts = time.monotonic() + timeout, None, 5
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if self.serve and "address already in use" in self.log_tail() and restarts:
                    restarts -= 1  # the candidate port was taken before serve bound it
                    self._choose_port()
                    self.start()
                    continue
                raise RuntimeError(f"{self.name} server exited with {self.proc.returncode}\n"
                                   + self.log_tail())
            try:
                if probe():
                    return self
            except OSError as exc:  # not accepting yet
                last = exc
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} server not ready after {timeout:.0f}s ({last})\n"
                           + self.log_tail())

    def _processes(self) -> list[psutil.Process]:
        """gunicorn's master and its workers (under `smsgw serve`: serve's children too)."""
        try:
            top = psutil.Process(self.proc.pid)
            return [top, *top.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def master_pid(self) -> int:
        """The gunicorn master (serve's gunicorn child when served the README way)."""
        if not self.serve:
            return self.proc.pid
        for p in self._processes()[1:]:
            try:
                if "gunicorn" in " ".join(p.cmdline()):
                    return p.pid
            except psutil.Error:
                continue
        return self.proc.pid

    def cpu_by_pid(self) -> dict[int, float]:
        """CPU seconds (user + system) of the master and each worker."""
        out = {}
        for p in self._processes():
            try:
                t = p.cpu_times()
            except psutil.Error:  # ended meanwhile
                continue
            out[p.pid] = t.user + t.system
        return out

    def connections_by_worker(self) -> dict[int, int]:
        """Established client connections each worker process holds right now."""
        out = {}
        for p in self._processes():
            if p.pid == self.master_pid():
                continue
            try:
                conns = p.net_connections(kind="tcp")
            except psutil.Error:
                continue
            out[p.pid] = sum(1 for c in conns if c.status == psutil.CONN_ESTABLISHED
                             and c.laddr and c.laddr.port == self.port)
        return out

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        except ProcessLookupError:
            pass


# --------------------------------------------------------------------------- wrk

WRK_LUA = r"""
wrk.method = [==[%(method)s]==]
wrk.path = [==[%(path)s]==]
wrk.body = [==[%(body)s]==]
%(headers)s
local marker = [==[%(marker)s]==]
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  good = 0
  bad = 0
  shown = 0
end

function response(status, headers, body)
  if status == 200 and body ~= nil and string.find(body, marker, 1, true) then
    good = good + 1
  else
    bad = bad + 1
    if shown < 1 then
      shown = shown + 1
      io.stderr:write("BAD ", status, " ", tostring(body), "\n")
    end
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


@dataclass(frozen=True)
class Load:
    """One request wrk repeats; ``marker`` is in every good response body."""

    path: str
    body: str
    headers: dict
    marker: str
    method: str = "POST"

    def script(self) -> str:
        headers = "\n".join(f'wrk.headers[ [==[{k}]==] ] = [==[{v}]==]'
                            for k, v in self.headers.items())
        return WRK_LUA % {"method": self.method, "path": self.path, "body": self.body,
                          "headers": headers, "marker": self.marker}


def wrk_version() -> str | None:
    """wrk's version, or None when wrk is not installed (Debian package `wrk`)."""
    try:
        out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    except OSError:
        return None
    m = re.search(r"wrk\s+(\S+)", out.stdout + out.stderr)
    return m.group(1) if m else "?"


def wrk(port: int, load: Load, seconds: float, workdir: Path, threads: int = 1,
        connections: int = 8, on_start: Callable[[subprocess.Popen], None] | None = None) -> dict:
    """Drive 127.0.0.1:``port`` with wrk for ``seconds``: seconds, requests, good, bad,
    errors (by kind), p50/p90/p99/max/mean latency in ms. Every response body is checked."""
    script = workdir / "load.lua"
    script.write_text(load.script())
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
           "-s", str(script), f"http://127.0.0.1:{port}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if on_start is not None:
            on_start(proc)
        out, err = proc.communicate(timeout=seconds + 30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    m = re.search(r"^BENCH_RESULT (\{.*\})$", out, re.M)
    if proc.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed (rc={proc.returncode}):\n{out}\n{err}")
    r = json.loads(m.group(1))
    return {"seconds": r["duration_us"] / 1e6, "requests": r["requests"], "good": r["good"],
            "bad": r["bad"], "errors": r["errors"], "p50_ms": r["p50_us"] / 1000,
            "p90_ms": r["p90_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
            "max_ms": r["max_us"] / 1000, "mean_ms": r["mean_us"] / 1000,
            "first_bad": err.strip()[:500]}


def python_load(port: int, load: Load, seconds: float, connections: int = 8) -> dict:
    """wrk's figures (see wrk()) from ``connections`` Python threads, one keep-alive connection
    each: a fallback where wrk is missing, far heavier on CPU."""
    body, headers = load.body.encode(), load.headers
    deadline_box = [0.0]
    lock = threading.Lock()
    lat: list[float] = []
    counts = {"good": 0, "bad": 0, "read": 0, "connect": 0}
    start_gate = threading.Barrier(connections + 1)

    def worker():
        local_lat, good, bad, errs = [], 0, 0, 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        start_gate.wait()
        while True:
            t0 = time.perf_counter()
            if t0 >= deadline_box[0]:
                break
            try:
                conn.request(load.method, load.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                t1 = time.perf_counter()
                local_lat.append(t1 - t0)
                if resp.status == 200 and load.marker.encode() in data:
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

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
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


# --------------------------------------------------------------------------- the code measured

def git_head(short: bool = True) -> tuple[str, bool]:
    """(HEAD as "hash subject" or short hash, whether what the servers run has uncommitted
    changes); ("unknown", False) outside a git checkout."""
    try:
        head = subprocess.run(["git", "log", "-1", "--format=%h %s" if not short else "%h"],
                              cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "service", "deploy",
                                "pyproject.toml"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown", False
    return head, bool(dirty)
