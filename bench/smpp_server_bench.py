#!/usr/bin/env python3
"""SMPP server benchmark: accepted submit_sm/s, submit_sm_resp latency, receipts/s.

Run: ``.venv/bin/python bench/smpp_server_bench.py`` (``--help`` lists the options).

One client process (tests/smpp_esme.py: raw asyncio, each submit_sm encoded once and only its
sequence number patched, responses decoded to header + message_id) drives, in the same run:

1. the baseline: the loopback SMSC (``python -m service.delivery.smsc_simulator
   --no-receipts``: Behaviour(record=False, receipts=False), it stores nothing) in a process
   of its own, so it has its own GIL;
2. ``smsgw smpp-server --fd N`` on SQLite (a fresh file) and on PostgreSQL (a fresh database),
   started the way `smsgw serve` starts it: the same command, default settings, one account
   with an SMPP password and no send rate limit (``--rate-send 0``). No worker runs while
   submits are measured, so the figure is the server's own: every accepted submit_sm is
   committed (debited and stored) before its submit_sm_resp.

For each target: window 1, 10 and 50 with 1 and 4 binds (a warm-up, then ``--seconds``);
fixed-rate mode (``--rate``, 1 bind) for the p50/p99 of submit_sm_resp latency (and how many
submits went out late); and, on smsgw, receipts delivered per second to a bound receiver
(``--receipts N`` messages with registered_delivery=1 submitted through the server, then
``smsgw worker`` with the simulator connector): *live* (the receiver bound while the worker
delivers) and *backlog* (receipts that waited, drained when the receiver binds).

``--target HOST:PORT`` drives a server that is already running instead (no baseline, no
setup; pass --system-id/--password). Results: a report on stdout; with ``--record`` also
bench/SMPP_SERVER_RESULTS.md (bench/SMPP_RESULTS.md is the connector's, bench/smpp_bench.py).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchlib import (HostCpu, add_record_flag, cpu_model, git_head, own_cpu,  # noqa: E402
                      fresh_postgres, process_cpu)
from tests.smpp_esme import (Budget, Esme, Pacer, SubmitTemplate, percentile,  # noqa: E402
                             submit_sm_body)

PY = sys.executable
RESULTS_MD = ROOT / "bench" / "SMPP_SERVER_RESULTS.md"
TARGET_W50 = 3000           # submit_sm/s at window 50 on one node
TARGET_P99_MS = 20.0        # p99 submit_sm_resp at TARGET_RATE
TARGET_RATE = 500
LOGIN, PASSWORD, SMPP_PASSWORD = "bench", "bench-pw", "benchpw"
DESTINATION = "79990000010"  # the simulator connector delivers it with a receipt
LISTENING = re.compile(r"listening on ([\d.]+):(\d+)")


# --------------------------------------------------------------------------- the load

@dataclass
class Figures:
    """One measured load: submits accepted per second and their latency."""

    target: str
    binds: int
    window: int
    rate: float | None
    seconds: float
    accepted: int
    refused: dict
    per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    client_cpu_pct: float
    server_cpu_pct: float
    other_cpu_pct: float
    late: int = 0
    db_cpu_pct: float | None = None     # PostgreSQL backends serving this database
    ratio: float | None = None


async def _bound(host: str, port: int, binds: int, kind: str, system_id: str,
                 password: str) -> list[Esme]:
    esmes = [await Esme.connect(host, port) for _ in range(binds)]
    for esme in esmes:
        status = await esme.bind(kind, system_id, password)
        if status != 0:
            raise RuntimeError(f"bind_{kind} as {system_id!r} refused: 0x{status:08X}")
    return esmes


async def _drive(esmes: list[Esme], template: SubmitTemplate, window: int, budget: Budget,
                 rate: float | None) -> None:
    for esme in esmes:
        if rate:
            esme.start_paced(template.pdu, window)
        else:
            esme.start_window(template.pdu, window, budget)
    pacer = asyncio.ensure_future(Pacer(esmes, rate, budget).run()) if rate else None
    try:
        await asyncio.wait_for(asyncio.gather(*(e.drained for e in esmes)), 600)
    finally:
        if pacer is not None:
            pacer.cancel()


def backend_cpu(database: str | None) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to ``database`` (its processes are
    titled ``postgres: ... <user> <database> <address>``)."""
    if not database:
        return {}
    import psutil
    out = {}
    for p in psutil.process_iter(["name", "cmdline"]):
        try:
            title = " ".join(p.info["cmdline"] or [])
            if title.startswith("postgres:") and f" {database} " in title:
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
        except psutil.Error:
            continue
    return out


async def measure(label: str, host: str, port: int, *, binds: int, window: int,
                  seconds: float | None, count: int | None, rate: float | None,
                  warmup: float, system_id: str, password: str, server_pid: int | None,
                  registered_delivery: int = 0, kind: str = "trx",
                  database: str | None = None) -> Figures:
    """Bind ``binds`` sessions, warm up, then measure ``seconds`` (or ``count`` submits)."""
    template = SubmitTemplate(submit_sm_body(DESTINATION, b"Hello from the SMPP benchmark",
                                             registered_delivery=registered_delivery))
    esmes = await _bound(host, port, binds, kind, system_id, password)
    try:
        if warmup:
            await _drive(esmes, template, window, Budget(seconds=warmup), rate)
        for esme in esmes:
            esme.tally.__init__()
        host0, mine0 = HostCpu.now(), own_cpu()
        server0 = process_cpu(server_pid) if server_pid else 0.0
        db0 = backend_cpu(database)
        started = time.perf_counter()
        await _drive(esmes, template, window, Budget(count=count, seconds=seconds), rate)
        elapsed = time.perf_counter() - started
        mine = own_cpu() - mine0
        server = (process_cpu(server_pid) - server0) if server_pid else 0.0
        db1 = backend_cpu(database)
        host = HostCpu.now()
    finally:
        for esme in esmes:
            await esme.unbind()
    accepted = sum(e.tally.ok for e in esmes)
    refused: dict = {}
    for e in esmes:
        for status, n in e.tally.refused.items():
            refused[f"0x{status:02X}"] = refused.get(f"0x{status:02X}", 0) + n
    latencies = sorted(x for e in esmes for x in e.tally.latencies)
    busy = host.busy - host0.busy
    return Figures(label, binds, window, rate, elapsed, accepted, refused,
                   accepted / elapsed if elapsed else 0.0,
                   1000 * percentile(latencies, 50), 1000 * percentile(latencies, 99),
                   1000 * latencies[-1] if latencies else float("nan"),
                   100 * mine / elapsed, 100 * server / elapsed,
                   100 * max(0.0, busy - mine - server) / elapsed,
                   sum(e.tally.late for e in esmes),
                   100 * sum(v - db0.get(pid, 0.0) for pid, v in db1.items()) / elapsed
                   if database else None)


# --------------------------------------------------------------------------- the servers

class Served:
    """A server process whose stdout says ``listening on HOST:PORT`` once it accepts."""

    def __init__(self, name: str, cmd: list[str], env: dict, log: Path,
                 pass_fds: tuple[int, ...] = ()) -> None:
        self.name, self.log = name, log
        self._out = open(log, "wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     pass_fds=pass_fds, start_new_session=True)
        self.host, self.port = self._wait_listening()

    def _wait_listening(self, timeout: float = 60) -> tuple[str, int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = LISTENING.search(self.log.read_text(errors="replace"))
            if m:
                return m.group(1), int(m.group(2))
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)     # a poll of the log: the line is the only readiness signal
        self.stop()
        tail = self.log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{self.name} did not start:\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._out.close()


def start_simulator(workdir: Path) -> Served:
    return Served("the SMSC simulator",
                  [PY, "-m", "service.delivery.smsc_simulator", "--port", "0", "--no-receipts",
                   "--system-id", LOGIN, "--password", SMPP_PASSWORD],
                  dict(os.environ), workdir / "simulator.log")


def smsgw(env: dict, *args: str) -> str:
    r = subprocess.run([PY, "-m", "service.cli", *args], cwd=ROOT, env=env, text=True,
                       capture_output=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"smsgw {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def prepare_database(url: str) -> dict:
    """A fresh schema and the bench account; returns the environment every process gets."""
    env = {**os.environ, "SMSGW_DATABASE_URL": url, "SMSGW_LOG_LEVEL": "warning"}
    smsgw(env, "db", "upgrade")
    smsgw(env, "account", "create", LOGIN, "--password", PASSWORD, "--balance", "1000000000")
    smsgw(env, "account", "set", LOGIN, "--smpp-password", SMPP_PASSWORD, "--rate-send", "0")
    return env


def start_smpp_server(env: dict, workdir: Path, name: str) -> Served:
    """`smsgw smpp-server --fd N` on a listening socket this process opened (port 0)."""
    sock = socket.create_server(("127.0.0.1", 0), backlog=2048)
    sock.set_inheritable(True)
    with sock:
        return Served(f"smsgw smpp-server ({name})",
                      [PY, "-m", "service.cli", "smpp-server", "--fd", str(sock.fileno())],
                      env, workdir / f"smpp-server-{name}.log", pass_fds=(sock.fileno(),))


def database_name(env: dict) -> str | None:
    """The PostgreSQL database's name (None on SQLite: its work is the server's own CPU)."""
    from sqlalchemy.engine import make_url
    url = make_url(env["SMSGW_DATABASE_URL"])
    return url.database if url.get_backend_name() == "postgresql" else None


def postgres_settings(url: str) -> str:
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            shown = {n: conn.execute(text(f"SHOW {n}")).scalar() for n in
                     ("server_version", "synchronous_commit", "fsync", "shared_buffers")}
    finally:
        engine.dispose()
    return (f"{shown['server_version'].split()[0]} (synchronous_commit={shown['synchronous_commit']}, "
            f"fsync={shown['fsync']}, shared_buffers={shown['shared_buffers']})")




# --------------------------------------------------------------------------- receipts

@dataclass
class ReceiptFigures:
    store: str
    mode: str          # live | backlog
    messages: int
    seconds: float
    per_second: float
    complete: bool


def _delivered(url: str) -> int:
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT count(*) FROM messages WHERE status = 'DELIVERED'")).scalar_one()
    finally:
        engine.dispose()


async def _prefill(host: str, port: int, n: int) -> None:
    """``n`` submits with registered_delivery=1 through the server, on a transmitter bind
    (so that no receipt goes to it)."""
    template = SubmitTemplate(submit_sm_body(DESTINATION, b"receipt bench",
                                             registered_delivery=1))
    [esme] = await _bound(host, port, 1, "tx", LOGIN, SMPP_PASSWORD)
    await _drive([esme], template, 50, Budget(count=n), None)
    if esme.tally.ok != n:
        raise RuntimeError(f"pre-fill: {esme.tally.ok} of {n} accepted "
                           f"({dict(esme.tally.refused)})")
    await esme.unbind()


async def _count_receipts(host: str, port: int, n: int, timeout: float,
                          before_bind=None) -> tuple[float, float, int]:
    """Bind a receiver until ``n`` deliver_sm arrived (or ``timeout``): the seconds from its
    bind_resp to the last one, from the first to the last one, and how many arrived."""
    esme = await Esme.connect(host, port)
    arrived = asyncio.Event()
    esme.on_deliver = lambda r: arrived.set() if len(esme.receipts) >= n else None
    if before_bind is not None:
        before_bind()
    status = await esme.bind("rx", LOGIN, SMPP_PASSWORD)
    if status != 0:
        raise RuntimeError(f"bind_receiver refused: 0x{status:08X}")
    bound = time.perf_counter()
    try:
        await asyncio.wait_for(arrived.wait(), timeout)
    except asyncio.TimeoutError:
        pass
    got = esme.receipts[:]
    await esme.unbind()
    if not got:
        return 0.0, 0.0, 0
    return got[-1].received_at - bound, got[-1].received_at - got[0].received_at, len(got)


def measure_receipts(store: str, url: str, n: int, workdir: Path) -> list[ReceiptFigures]:
    """On a fresh database of its own (the submit rows leave a queue the worker would have
    to deliver first): *live*, the receiver is bound while the worker delivers (first to last
    receipt); *backlog*, the receipts waited with no session bound and drain when the
    receiver binds (bind to last receipt)."""
    env = prepare_database(url)
    server = start_smpp_server(env, workdir, f"{store}-receipts")
    worker_env = {**env, "SMSGW_SIMULATOR_RECEIPT_DELAY_MS": "100"}
    out: list[ReceiptFigures] = []
    worker: subprocess.Popen | None = None
    log = open(workdir / f"worker-{store}.log", "wb")

    def start_worker() -> None:
        nonlocal worker
        worker = subprocess.Popen([PY, "-m", "service.cli", "worker"], cwd=ROOT, env=worker_env,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        asyncio.run(_prefill(server.host, server.port, n))
        _, seconds, got = asyncio.run(_count_receipts(server.host, server.port, n, 600,
                                                      before_bind=start_worker))
        out.append(ReceiptFigures(store, "live", got, seconds,
                                  (got - 1) / seconds if seconds else 0, got >= n))
        asyncio.run(_prefill(server.host, server.port, n))
        deadline = time.monotonic() + 600
        while _delivered(url) < 2 * n and time.monotonic() < deadline:
            time.sleep(0.5)  # the worker delivers; nobody is bound, so the receipts wait
        seconds, _, got = asyncio.run(_count_receipts(server.host, server.port, n, 600))
        out.append(ReceiptFigures(store, "backlog", got, seconds,
                                  got / seconds if seconds else 0, got >= n))
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(60)
        log.close()
        server.stop()
    return out


# --------------------------------------------------------------------------- a run

@dataclass
class Run:
    started: str
    load_before: str
    load_after: str = ""
    figures: list[Figures] = field(default_factory=list)
    rated: list[Figures] = field(default_factory=list)
    receipts: list[ReceiptFigures] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pg_settings: str = "(not measured)"


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        one, five, fifteen = os.getloadavg()
        return f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f}"


def run_matrix(run: Run, label: str, host: str, port: int, args, server_pid: int | None,
               system_id: str, password: str, database: str | None = None) -> None:
    for binds in args.binds:
        for window in args.window:
            f = asyncio.run(measure(label, host, port, binds=binds, window=window,
                                    seconds=None if args.count else args.seconds,
                                    count=args.count, rate=None, warmup=args.warmup,
                                    system_id=system_id, password=password,
                                    server_pid=server_pid, database=database))
            run.figures.append(f)
            print(row(f), flush=True)
    if args.rate:
        f = asyncio.run(measure(label, host, port, binds=1, window=50,
                                seconds=args.rate_seconds, count=None, rate=args.rate,
                                warmup=args.warmup, system_id=system_id, password=password,
                                server_pid=server_pid, database=database))
        run.rated.append(f)
        print(row(f), flush=True)


def with_worker(run: Run, store: str, env: dict, server: Served, args, workdir: Path) -> None:
    """Window 50, one bind, while `smsgw worker` delivers the messages the rows before
    queued (as under `smsgw serve`, whose embedded worker shares the box and the database)."""
    log = open(workdir / f"worker-load-{store}.log", "wb")
    worker = subprocess.Popen([PY, "-m", "service.cli", "worker"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        f = asyncio.run(measure(f"smsgw {store} + worker", server.host, server.port, binds=1,
                                window=50, seconds=None if args.count else args.seconds,
                                count=args.count, rate=None, warmup=max(args.warmup, 2.0),
                                system_id=LOGIN, password=SMPP_PASSWORD,
                                server_pid=server.proc.pid, database=database_name(env)))
        run.figures.append(f)
        print(row(f), flush=True)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(60)
        log.close()


def row(f: Figures) -> str:
    return (f"{f.target:<22} binds {f.binds} window {f.window:>2}"
            f"{f' rate {f.rate:g}/s' if f.rate else ''}: {f.per_second:8,.0f} submit_sm/s"
            f"  p50 {f.p50_ms:6.2f} ms  p99 {f.p99_ms:6.2f} ms  refused {f.refused or 0}"
            f"{f'  late {f.late}' if f.rate else ''}"
            f"  CPU client {f.client_cpu_pct:.0f}% server {f.server_cpu_pct:.0f}%")


def limited_by(f: Figures) -> str:
    """A first reading of what bounded a row, from where the CPU went."""
    if f.server_cpu_pct >= 85:
        return f"server CPU ({f.server_cpu_pct:.0f}%: one process, one GIL)"
    if f.client_cpu_pct >= 85:
        return f"client CPU ({f.client_cpu_pct:.0f}%)"
    if f.server_cpu_pct + f.client_cpu_pct + f.other_cpu_pct >= 170:
        return "the host's 2 cores (all busy)"
    if f.window == 1:
        return "round trips (one submit in flight)"
    return "waiting (commits, the database)" if f.target != "baseline" else "round trips"


def ratios(run: Run) -> None:
    base = {(f.binds, f.window): f.per_second for f in run.figures if f.target == "baseline"}
    for f in run.figures:
        b = base.get((f.binds, f.window))
        f.ratio = f.per_second / b if b else None


# --------------------------------------------------------------------------- the report

def server_settings() -> str:
    """The SMPP server's settings as the servers here ran them (this environment)."""
    from service.config import Settings
    settings = Settings.from_env({k: v for k, v in os.environ.items()
                                  if k.startswith("SMSGW_SMPP_SERVER_")})
    names = ("window", "max_pending", "batch_wait_ms", "max_binds")
    return ", ".join(f"SMSGW_SMPP_SERVER_{n.upper()}={getattr(settings, 'smpp_server_' + n)}"
                     for n in names)


def report(run: Run, args) -> str:
    head, dirty = git_head(short=False)
    def ratio(f):
        return f"{f.ratio:.2f}" if f.ratio is not None else "-"
    table = "\n".join(
        f"| {f.target} | {f.binds} | {f.window} | {f.per_second:,.0f} | {ratio(f)} | "
        f"{f.p50_ms:.2f} | {f.p99_ms:.2f} | {f.client_cpu_pct:.0f} | "
        f"{f.server_cpu_pct:.0f} | {'-' if f.db_cpu_pct is None else f'{f.db_cpu_pct:.0f}'} | "
        f"{f.other_cpu_pct - (f.db_cpu_pct or 0):.0f} | "
        f"{sum(f.refused.values()) if f.refused else 0} | {limited_by(f)} |" for f in run.figures)
    rated = "\n".join(
        f"| {f.target} | {f.rate:g} | {f.per_second:,.0f} | {f.p50_ms:.2f} | {f.p99_ms:.2f} | "
        f"{f.max_ms:.2f} | {f.late:,} | {'met' if f.p99_ms <= TARGET_P99_MS else 'NOT met'} |"
        for f in run.rated)
    receipts = "\n".join(
        f"| {r.store} | {r.mode} | {r.messages:,} | {r.seconds:.1f} | {r.per_second:,.0f} | "
        f"{'yes' if r.complete else 'NO'} |" for r in run.receipts)
    w50 = [f for f in run.figures if f.window == 50 and f.target != "baseline"]
    targets = []
    for f in w50:
        targets.append(f"| >= {TARGET_W50:,} submit_sm/s, window 50 ({f.target}, {f.binds} "
                       f"bind{'s' if f.binds > 1 else ''}) | {f.per_second:,.0f}/s | "
                       f"{'met' if f.per_second >= TARGET_W50 else 'NOT met'} |")
    for f in run.rated:
        if f.target != "baseline":
            targets.append(f"| p99 submit_sm_resp <= {TARGET_P99_MS:g} ms at {f.rate:g}/s "
                           f"({f.target}) | {f.p99_ms:.2f} ms | "
                           f"{'met' if f.p99_ms <= TARGET_P99_MS else 'NOT met'} |")
    notes = "\n".join(f"- {n}" for n in run.notes)
    return f"""# SMPP server benchmark results

Produced by `bench/smpp_server_bench.py` (`--record` rewrites this file). One client process
(`tests/smpp_esme.py`: raw asyncio sockets, each submit_sm encoded once with only its sequence
number patched, responses decoded to header and message_id) drives the baseline and smsgw in
the same run. **Read the ratios**: the box is shared and noisy, the baseline of the same run
is the yardstick.

- Date: {run.started} UTC; code: {head}{' (plus uncommitted changes under service/)' if dirty else ''}
- Machine: {os.cpu_count()} CPUs, {cpu_model()}, Linux {platform.release()}; Python {platform.python_version()}; PostgreSQL on the same host
- Load before: `{run.load_before}`; after: `{run.load_after}`
- Baseline: the loopback SMSC `service/delivery/smsc_simulator.py` in its own process
  (`--no-receipts`: Behaviour(record=False, receipts=False); it answers every submit_sm at
  once and stores nothing)
- smsgw: `smsgw smpp-server --fd N` (the command `smsgw serve` supervises), default settings
  (SMSGW_LOG_LEVEL=warning), SQLite in a fresh file / PostgreSQL in a fresh database on
  127.0.0.1:5432 ({server_settings()}); one account with an SMPP password and
  `--rate-send 0` (no send rate
  limit). No worker runs while submits are measured, except in the rows marked *+ worker*:
  window 50, one bind, while one `smsgw worker` (simulator connector) delivers the messages
  the rows before queued, as the worker `smsgw serve` embeds would.
- Durability: PostgreSQL {run.pg_settings}: a submit_sm_resp follows a commit flushed to
  disk. SQLite as smsgw opens it (WAL, synchronous=NORMAL): the commit survives a killed
  process; a power cut may lose the last few.
- Load: single-part GSM text, registered_delivery=0, bind_transceiver; {args.warmup:g} s
  warm-up, then {f'{args.count:,} submits' if args.count else f'{args.seconds:g} s'} per row.
  Fixed rate: one bind, window 50, {args.rate_seconds:g} s; latency from writing the submit_sm to
  reading its submit_sm_resp; *sent late*: submits written more than 5 ms after their time (a
  full window or an unscheduled client), which would hide a stall from the latency.

## Accepted submit_sm per second

| target | binds | window | submit_sm/s | vs baseline | p50 ms | p99 ms | client CPU % | server CPU % | PostgreSQL CPU % | other CPU % | refused | limited by |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
{table}

*vs baseline*: against the simulator with the same binds and window, same run. *CPU %*:
CPU time over the measured seconds (100% = one core; the box has 2). *PostgreSQL*: the
backends connected to the benchmark's database. *other*: the rest of the host (the kernel's
loopback work, other tenants: the box is shared).

## submit_sm_resp latency at a fixed rate

| target | rate /s | achieved /s | p50 ms | p99 ms | max ms | sent late | p99 <= {TARGET_P99_MS:g} ms |
|---|---:|---:|---:|---:|---:|---:|---|
{rated}

## Receipts delivered per second to a bound receiver

On a fresh database: {args.receipts:,} messages with registered_delivery=1 submitted through
the server (window 50, a transmitter bind), then one `smsgw worker` (simulator connector,
receipts after 100 ms). *live*: the receiver (bind_receiver) is bound while the worker
delivers, timed from the first receipt to the last, so the figure is the slower of the worker
and the server; *backlog*: {args.receipts:,} more, delivered by the worker while nobody is
bound (the receipts wait in the durable queue), then the receiver binds and the queue drains,
timed from bind_resp to the last receipt. The server's receipt window:
SMSGW_SMPP_SERVER_WINDOW (default).

| store | mode | receipts | seconds | deliver_sm/s | all arrived? |
|---|---|---:|---:|---:|---|
{receipts}

## Targets

| target | measured | |
|---|---|---|
{chr(10).join(targets)}

For scale: Jasmin's users report 140 submit_sm/s; smsc (C) claims 10,000/s per server.

## Reading it

- **Window 1** pays a whole transaction per submit_sm: on PostgreSQL (synchronous_commit=on)
  each commit waits for a WAL flush, and each submit runs the whole sending use case (account
  re-read, limits, price, blacklist, ledger) in Python: several ms of CPU for one message.
  Windows and binds let the group committer put many submits in one transaction.
- **The group committer is one thread per process**, and its steps alternate: Python work,
  then PostgreSQL statements, then Python again. On PostgreSQL neither is saturated alone (see
  the server and PostgreSQL columns), but together they are close to one core: the pipeline is
  serial. More binds help only until the batches are full.
- **SQLite** has no network round trips, and its commits (WAL, synchronous=NORMAL) do not wait
  for the disk, so the server's own CPU is the limit: one process, one GIL.
- **The worker beside the server** (the *+ worker* rows, as under `smsgw serve`) shares the
  two cores and the database, and roughly halves the figure.
- **The baseline** is the client's own ceiling. The client costs a few per cent of a core at
  smsgw's rates, so it is not what limits smsgw.
- **The box is shared.** The *other* column is CPU that neither the client, nor the server, nor
  PostgreSQL used. Compare rows within one run, and the ratios to the baseline.
{notes}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ints = lambda s: [int(x) for x in s.split(",")]  # noqa: E731
    parser.add_argument("--window", type=ints, default=[1, 10, 50], help="e.g. 1,10,50")
    parser.add_argument("--binds", type=ints, default=[1, 4], help="e.g. 1,4")
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument("--seconds", type=float, default=5.0, help="measured seconds per row")
    amount.add_argument("--count", type=int, help="submits per row instead of --seconds")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=TARGET_RATE,
                        help="fixed-rate mode at N submit_sm/s (0: skip)")
    parser.add_argument("--rate-seconds", type=float, default=10.0)
    parser.add_argument("--receipts", type=int, default=3000,
                        help="messages for the receipts figure (0: skip)")
    parser.add_argument("--target", help="HOST:PORT of a running server: drive only it")
    parser.add_argument("--system-id", default=LOGIN)
    parser.add_argument("--password", default=SMPP_PASSWORD)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--pg", default=os.environ.get(
        "SMSGW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--with-worker", action=argparse.BooleanOptionalAction, default=True,
                        help="also window 50 / 1 bind while a worker delivers (as under serve)")
    add_record_flag(parser, "bench/SMPP_SERVER_RESULTS.md")
    args = parser.parse_args()

    run = Run(dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"), uptime())
    if args.target:
        host, _, port = args.target.rpartition(":")
        run_matrix(run, args.target, host, int(port), args, None, args.system_id,
                   args.password)
        return 0
    with tempfile.TemporaryDirectory(prefix="smpp-bench-") as tmp:
        workdir = Path(tmp)
        if not args.no_baseline:
            sim = start_simulator(workdir)
            try:
                run_matrix(run, "baseline", sim.host, sim.port, args, sim.proc.pid, LOGIN,
                           SMPP_PASSWORD)
            finally:
                sim.stop()
        for store in [s for s in args.stores.split(",") if s]:
            if store == "sqlite":
                url, drop = f"sqlite:///{workdir / 'bench.db'}", (lambda: None)
            else:
                url, drop = fresh_postgres(args.pg)
                run.pg_settings = postgres_settings(url)
            try:
                env = prepare_database(url)
                server = start_smpp_server(env, workdir, store)
                try:
                    run_matrix(run, f"smsgw {store}", server.host, server.port, args,
                               server.proc.pid, LOGIN, SMPP_PASSWORD, database_name(env))
                    if args.with_worker:
                        with_worker(run, store, env, server, args, workdir)
                finally:
                    server.stop()
            finally:
                drop()
            if args.receipts:
                if store == "sqlite":
                    url, drop = f"sqlite:///{workdir / 'receipts.db'}", (lambda: None)
                else:
                    url, drop = fresh_postgres(args.pg)
                try:
                    run.receipts += measure_receipts(store, url, args.receipts, workdir)
                finally:
                    drop()
                for r in run.receipts[-2:]:
                    print(r, flush=True)
    run.load_after = uptime()
    ratios(run)
    text = report(run, args)
    print(text)
    if args.record:
        RESULTS_MD.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
