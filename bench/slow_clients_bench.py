#!/usr/bin/env python3
"""Slow clients: does a normal client still get answers while 200 connections trickle?

Run: ``.venv/bin/python bench/slow_clients_bench.py`` (``--help`` lists the options).

The gateway is started the README way: ``smsgw db upgrade``, ``smsgw account create``, then
``smsgw serve`` (smsgw's gunicorn settings, the embedded delivery worker on unless
``--no-embedded-worker``) on a fresh SQLite database in a temp dir, on a free loopback port
(bench/benchlib.py).

One run has two phases of ``--seconds`` each, measured by the same normal client: one request
at a time on a fresh connection, alternating ``GET /health`` and a 1-recipient ``SendSms``
(native SOAP at /soap, HTTP Basic, the answer must carry ``<tns:code>0</tns:code>``).

1. *baseline*: nothing else talks to the gateway;
2. *trickling*: ``--tricklers`` connections (half header tricklers, half body tricklers) send
   one byte a second each. A header trickler sends a request line and then a header that never
   ends; a body trickler sends complete headers announcing a 100,000-byte body, then trickles
   it. A trickler the server drops reconnects at once (what an attacker does), so the load
   stays at ``--tricklers`` connections for the whole phase.

The figures that count are the ratios of the trickling phase's p50/p99 to the baseline's in the
same run (the box is shared and noisy). A request that gets no answer within ``--timeout``
counts as an error, with that timeout as its latency.

Results: a table on stdout; with ``--record`` also bench/SLOW_CLIENTS_RESULTS.md (latest run +
history).
The gateway is stopped at the end, also on Ctrl-C or an exception.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchlib import ROOT, Gunicorn, add_record_flag, cpu_model, smsgw_cli

RESULTS_MD = ROOT / "bench" / "SLOW_CLIENTS_RESULTS.md"
LOGIN, PASSWORD = "bench", "pw"
AUTH = "Basic " + base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
SEND_SMS = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:t="urn:smsgw:v1"><s:Body><t:SendSms><t:recipients>+79991234567</t:recipients>'
            '<t:text>Hello</t:text></t:SendSms></s:Body></s:Envelope>').encode()
HISTORY_START, HISTORY_END = "<!-- history:start -->", "<!-- history:end -->"


# --------------------------------------------------------------------------- the gateway

def start_gateway(tmp: Path, env_extra: dict) -> Gunicorn:
    env = {**os.environ, "SMSGW_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
           "SMSGW_LOG_LEVEL": "warning", **env_extra}
    smsgw_cli(env, "db", "upgrade")
    smsgw_cli(env, "account", "create", LOGIN, "--password", PASSWORD, "--balance", "100000000")
    gateway = Gunicorn("smsgw", "", env, tmp / "serve.log", serve=True).start()
    try:
        return gateway.wait_ready(
            lambda: request(gateway.port, "GET", "/health", timeout=2)[1] == 200)
    except RuntimeError:
        gateway.stop()
        raise


# --------------------------------------------------------------------------- the normal client

def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None, timeout: float = 30.0) -> tuple[float, int, bytes]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return time.perf_counter() - start, resp.status, data
    finally:
        conn.close()


def measure(port: int, seconds: float, timeout: float) -> dict:
    """One client, one request at a time, alternating /health and SendSms."""
    lat = {"health": [], "send": []}
    errors = {"health": 0, "send": 0}
    end = time.monotonic() + seconds
    turn = 0
    while time.monotonic() < end:
        kind = "health" if turn % 2 == 0 else "send"
        turn += 1
        start = time.perf_counter()
        try:
            if kind == "health":
                took, status, data = request(port, "GET", "/health", timeout=timeout)
                ok = status == 200
            else:
                took, status, data = request(
                    port, "POST", "/soap", SEND_SMS, timeout=timeout,
                    headers={"Content-Type": "text/xml; charset=utf-8", "Authorization": AUTH,
                             "SOAPAction": '"SendSms"'})
                ok = status == 200 and b"<tns:code>0</tns:code>" in data
        except OSError:
            took, ok = time.perf_counter() - start, False
        lat[kind].append(took * 1000)
        errors[kind] += not ok
    return {k: {"n": len(v), "errors": errors[k], **percentiles(v)} for k, v in lat.items()}


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    s = sorted(values)

    def pct(p: float) -> float:
        return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]
    return {"p50": pct(50), "p99": pct(99), "max": s[-1]}


# --------------------------------------------------------------------------- the tricklers

HEADER_TRICKLE = b"POST /soap HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100_000
BODY_HEAD = (b"POST /soap HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
             b"Authorization: " + AUTH.encode() + b"\r\nContent-Length: 100000\r\n\r\n")


class Tricklers(threading.Thread):
    """``count`` connections, each sending one byte per ``interval``; dropped ones reconnect."""

    def __init__(self, port: int, count: int, interval: float = 1.0):
        super().__init__(daemon=True)
        self.port, self.interval = port, interval
        self.kinds = ["header" if i % 2 == 0 else "body" for i in range(count)]
        self.socks: list[socket.socket | None] = [None] * count
        self.sent = [0] * count
        self.opened = [0.0] * count
        self.lifetimes = {"header": [], "body": []}
        self.connect_failures = 0
        self.stopping = threading.Event()
        self.ready = threading.Event()

    def _open(self, i: int) -> None:
        try:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        except OSError:
            self.socks[i] = None
            self.connect_failures += 1
            return
        s.setblocking(False)
        self.socks[i], self.sent[i], self.opened[i] = s, 0, time.monotonic()
        if self.kinds[i] == "body":
            s.send(BODY_HEAD)  # a few hundred bytes: the kernel takes them at once

    def _dropped(self, i: int) -> None:
        self.lifetimes[self.kinds[i]].append(time.monotonic() - self.opened[i])
        self.socks[i].close()
        self.socks[i] = None

    def run(self) -> None:
        for i in range(len(self.socks)):
            self._open(i)
        self.ready.set()
        sel = selectors.DefaultSelector()
        while not self.stopping.wait(self.interval):
            for i, s in enumerate(self.socks):
                if s is None:
                    self._open(i)
                    continue
                # The server answered (a 408) or closed: this trickler was dropped.
                sel.register(s, selectors.EVENT_READ)
                readable = sel.select(0)
                sel.unregister(s)
                try:
                    if readable:
                        s.recv(65536)
                        self._dropped(i)
                        continue
                    payload = HEADER_TRICKLE if self.kinds[i] == "header" else b"x" * 100_000
                    s.send(payload[self.sent[i]:self.sent[i] + 1])
                    self.sent[i] += 1
                except OSError:
                    self._dropped(i)
        for s in self.socks:
            if s is not None:
                s.close()

    def connected(self) -> int:
        return sum(s is not None for s in self.socks)


# --------------------------------------------------------------------------- report

def git_describe() -> str:
    try:
        head = subprocess.run(["git", "log", "-1", "--format=%h %s"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               text=True, capture_output=True).stdout.strip()
        return head + (" (plus uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b and a == a else "-"


def ms(value: float) -> str:
    return f"{value:.1f}" if value == value else "no answer"  # NaN: not one request answered


def report(args, settings: str, base: dict, slow: dict, trick: Tricklers) -> tuple[str, str]:
    rows = []
    for kind, label in (("health", "GET /health"), ("send", "SendSms, 1 recipient")):
        b, s = base[kind], slow[kind]
        rows.append(f"| {label} | {b['n']} | {ms(b['p50'])} | {ms(b['p99'])} | {b['errors']} | "
                    f"{s['n']} | {ms(s['p50'])} | {ms(s['p99'])} | {ms(s['max'])} | {s['errors']} | "
                    f"{ratio(s['p50'], b['p50'])} | {ratio(s['p99'], b['p99'])} |")
    drops = {k: percentiles(v) | {"n": len(v)} for k, v in trick.lifetimes.items()}
    met = all(slow[k]["p99"] <= 1000 and slow[k]["errors"] == 0 for k in slow)
    table = "\n".join([
        "| request | baseline n | p50 ms | p99 ms | errors | trickling n | p50 ms | p99 ms | "
        "max ms | errors | p50 vs baseline | p99 vs baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|", *rows])
    drop_lines = "\n".join(
        f"- {k} tricklers dropped by the server during the run: {d['n']}"
        + (f" (lifetime p50 {d['p50']:.1f} s, max {d['max']:.1f} s)" if d["n"] else "")
        for k, d in drops.items())
    text = f"""## Latest run: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC

- Code: `{git_describe()}`
- Machine: {os.cpu_count()} CPUs, {cpu_model()}; Python {sys.version.split()[0]}
- Served the README way: `smsgw serve` (service/server/gunicorn_conf.py), fresh SQLite; {settings}
- Normal client: one request at a time on a fresh connection, alternating /health and SendSms;
  {args.seconds:g} s per phase; a request unanswered after {args.timeout:g} s counts as an error
- Tricklers: {args.tricklers} connections (half header, half body), one byte per second each,
  reconnecting when dropped; {trick.connect_failures} connect failures

{table}

{drop_lines}

Target: /health and SendSms p99 <= 1000 ms and no errors while {args.tricklers} connections trickle:
**{"met" if met else "NOT met"}**.
"""
    history = (f"| {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} | {git_describe()[:7]} | "
               f"{settings} | {args.tricklers} | "
               f"{ms(base['health']['p99'])} / {ms(slow['health']['p99'])} | "
               f"{ms(base['send']['p99'])} / {ms(slow['send']['p99'])} | "
               f"{slow['health']['errors'] + slow['send']['errors']} | "
               f"{'met' if met else 'not met'} |")
    return text, history


def write_results(text: str, history_line: str) -> None:
    old = RESULTS_MD.read_text() if RESULTS_MD.exists() else ""
    lines: list[str] = []
    if HISTORY_START in old:
        lines = old.split(HISTORY_START, 1)[1].split(HISTORY_END, 1)[0].strip().splitlines()
    intro, notes = "", ""
    if "## Latest run" in old:
        intro = old.split("## Latest run", 1)[0]
    if "## Notes" in old:
        notes = "## Notes" + old.split("## Notes", 1)[1].split("## History", 1)[0]
    RESULTS_MD.write_text(
        (intro or "# Slow clients benchmark\n\n") + text + "\n" + notes
        + "## History\n\n| date (UTC) | code | settings | tricklers | /health p99 ms baseline / "
        "trickling | SendSms p99 ms baseline / trickling | errors | target |\n"
        "|---|---|---|---:|---:|---:|---:|---|\n"
        + HISTORY_START + "\n" + "\n".join([history_line, *lines]) + "\n" + HISTORY_END + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tricklers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per phase")
    parser.add_argument("--timeout", type=float, default=30.0, help="normal client's timeout")
    parser.add_argument("--no-embedded-worker", action="store_true",
                        help="SMSGW_EMBEDDED_WORKER=0: the web tier alone")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra SMSGW_* setting for the gateway (repeatable)")
    parser.add_argument("--worker-class", metavar="CLASS",
                        help="override the settings module's worker class through "
                             "GUNICORN_CMD_ARGS, e.g. gthread to measure the old behaviour")
    add_record_flag(parser, "bench/SLOW_CLIENTS_RESULTS.md")
    args = parser.parse_args()

    env_extra = dict(e.split("=", 1) for e in args.env)
    if args.no_embedded_worker:
        env_extra["SMSGW_EMBEDDED_WORKER"] = "0"
    if args.worker_class:
        env_extra["GUNICORN_CMD_ARGS"] = f"--worker-class={args.worker_class}"
    sys.path.insert(0, str(ROOT))
    from service.config import Settings
    cfg = Settings.from_env({**os.environ, **env_extra})
    settings = (f"worker_class={args.worker_class or 'service/server/gunicorn_conf.py'} "
                f"workers={cfg.workers} threads={cfg.threads} "
                f"embedded_worker={cfg.embedded_worker} "
                f"header_timeout={getattr(cfg, 'header_timeout_seconds', '-')}s "
                f"body_timeout={getattr(cfg, 'body_timeout_seconds', '-')}s")
    with tempfile.TemporaryDirectory(prefix="smsgw-slow-") as tmp:
        gateway = start_gateway(Path(tmp), env_extra)
        port = gateway.port
        trick = None
        try:
            measure(port, 2, args.timeout)  # warm-up: imports, first connections
            print(f"baseline ({args.seconds:g} s) ...", file=sys.stderr)
            base = measure(port, args.seconds, args.timeout)
            trick = Tricklers(port, args.tricklers)
            trick.start()
            trick.ready.wait(120)
            time.sleep(3)  # every trickler has sent a few bytes
            print(f"trickling ({trick.connected()} connections, {args.seconds:g} s) ...",
                  file=sys.stderr)
            slow = measure(port, args.seconds, args.timeout)
        finally:
            if trick is not None:
                trick.stopping.set()
                trick.join(30)
            gateway.stop()
    text, history = report(args, settings, base, slow, trick)
    print(text)
    if args.record:
        write_results(text, history)
    return 0


if __name__ == "__main__":
    sys.exit(main())
