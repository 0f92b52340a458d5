#!/usr/bin/env python3
"""SMPP throughput benchmark: submit_sm/s through ONE bind against the loopback SMSC.

Run: ``.venv/bin/python bench/smpp_bench.py`` (``--help`` lists the options).

The loopback SMSC (service/delivery/smsc_simulator.py) runs in a process of its own, so it
has its own GIL and can use the second core; it answers every submit_sm at once and sends a
text receipt right after it, which the connector hands to a no-op sink and acknowledges. The
connector (service/delivery/smpp) runs in this process, driven by one caller thread that
submits batches of single-part GSM messages, as the delivery worker does.

Scenarios (each: a warm-up, then a fixed window): window 1 (synchronous: the same-run
baseline, measured first and again last), window 10, window 50, window 50 without receipts
(what receipts cost), and window 50 with a tps limit (does the limiter hold its rate). What
counts is the ratio to the window-1 baseline of the same run; the box is shared and noisy.

Results: a table on stdout; with ``--record`` also bench/SMPP_RESULTS.md (latest run + history)
and bench/out/smpp_last_run.json. The SMSC process is killed at the end, also on an exception.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchlib import HostCpu, add_record_flag, process_cpu  # noqa: E402
from service.app.delivery.carrier import Accepted, OutboundSms  # noqa: E402
from service.delivery.smpp import SmppConfig, SmppConnector  # noqa: E402
from service.domain.encoding import analyse  # noqa: E402

RESULTS_MD = ROOT / "bench" / "SMPP_RESULTS.md"
OUT_JSON = ROOT / "bench" / "out" / "smpp_last_run.json"
TARGET_PER_BIND = 500
BASELINE_KEYS = ("w1", "w1-again")
HISTORY_START, HISTORY_END = "<!-- history:start -->", "<!-- history:end -->"


@dataclass
class Scenario:
    key: str
    label: str
    window: int
    tps: float = 0.0
    receipts: bool = True


@dataclass
class Result:
    key: str
    label: str
    window: int
    tps: float
    receipts: bool
    seconds: float
    submit_sm: int
    per_second: float
    receipts_per_second: float
    not_accepted: int
    io_cpu_pct: float
    receipt_cpu_pct: float
    caller_cpu_pct: float
    bench_cpu_pct: float
    smsc_cpu_pct: float
    other_cpu_pct: float
    ratio: float = 0.0


# ------------------------------------------------------------------------------ measuring

def proc_cpu_seconds(pid: int, tid: int | None = None) -> float:
    return process_cpu(pid, tid)


def host_busy_seconds() -> float:
    """CPU seconds the host was not idle (steal included), over all CPUs."""
    host = HostCpu.now()
    return host.busy + host.steal


def start_smsc(receipts: bool) -> tuple[subprocess.Popen, int]:
    cmd = [sys.executable, "-m", "service.delivery.smsc_simulator", "--port", "0",
           "--receipt-delay", "0", "--receipt-form", "text"]
    if not receipts:
        cmd.append("--no-receipts")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    line = proc.stdout.readline()       # type: ignore[union-attr]
    match = re.search(r":(\d+) ", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"the SMSC simulator did not start: {line!r}")
    return proc, int(match.group(1))


class Counter:
    def __init__(self) -> None:
        self.receipts = 0

    def __call__(self, receipts) -> None:
        self.receipts += len(receipts)


def messages(batch: int, start: int) -> list[OutboundSms]:
    info = analyse("Your code is 123456. It expires in 10 minutes.")
    until = dt.datetime.now(timezone.utc) + timedelta(hours=1)
    return [OutboundSms(start + i, f"+4915{(start + i) % 10**8:08d}9", "Acme", info.parts[0],
                        info.encoding, info.parts, until) for i in range(batch)]


def run(s: Scenario, args) -> Result:
    smsc, port = start_smsc(s.receipts)
    sink = Counter()
    connector = SmppConnector(SmppConfig(
        port=port, system_id="smsgw", password="secret", window=s.window, tps=s.tps,
        response_timeout=10.0, enquire_link_interval=30.0))
    try:
        connector.start(sink, lambda parts: None)
        if not connector.wait_bound(5):
            raise RuntimeError("no bind")
        session = connector._session        # noqa: SLF001 - thread ids for the CPU split
        io_tid = session._thread.native_id  # noqa: SLF001
        pump_tid = session._pump._thread.native_id  # noqa: SLF001
        next_id = 1
        warm_until = time.monotonic() + args.warmup
        while time.monotonic() < warm_until:
            connector.submit(messages(args.batch, next_id))
            next_id += args.batch
        me = os.getpid()
        c0 = (proc_cpu_seconds(me, io_tid), proc_cpu_seconds(me, pump_tid), time.thread_time(),
              proc_cpu_seconds(me), proc_cpu_seconds(smsc.pid), host_busy_seconds())
        subs0, rec0, bad = connector.stats().get("submit_sm", 0), sink.receipts, 0
        started = time.monotonic()
        while time.monotonic() - started < args.seconds:
            outcomes = connector.submit(messages(args.batch, next_id))
            next_id += args.batch
            bad += sum(not isinstance(o, Accepted) for o in outcomes)
        elapsed = time.monotonic() - started
        c1 = (proc_cpu_seconds(me, io_tid), proc_cpu_seconds(me, pump_tid), time.thread_time(),
              proc_cpu_seconds(me), proc_cpu_seconds(smsc.pid), host_busy_seconds())
        submits = connector.stats()["submit_sm"] - subs0
        pct = [100 * (b - a) / elapsed for a, b in zip(c0, c1)]
        return Result(s.key, s.label, s.window, s.tps, s.receipts, round(elapsed, 2), submits,
                      submits / elapsed, (sink.receipts - rec0) / elapsed, bad,
                      pct[0], pct[1], pct[2], pct[3], pct[4],
                      max(0.0, pct[5] - pct[3] - pct[4]))
    finally:
        connector.stop()
        smsc.kill()
        smsc.wait(5)


# ------------------------------------------------------------------------------ reporting

def git(*cmd: str) -> str:
    try:
        return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip()
                  for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown")
    import smpplib  # noqa: PLC0415
    version = getattr(smpplib, "__version__", "")
    if not version:
        from importlib.metadata import version as dist_version  # noqa: PLC0415
        version = dist_version("smpplib")
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "python": platform.python_version(), "smpplib": version}


def limiter(r: Result) -> str:
    if r.tps and r.per_second >= 0.9 * r.tps:
        return f"the tps limit ({r.tps:g}/s)"
    if r.window == 1:
        return (f"round trips: one submit_sm per loopback round trip, each paid in thread and "
                f"process wake-ups (connector CPU {r.bench_cpu_pct:.0f}%)")
    if r.bench_cpu_pct >= 85:
        return f"connector CPU ({r.bench_cpu_pct:.0f}% of one core: one process, one GIL)"
    if r.smsc_cpu_pct >= 85:
        return f"SMSC simulator CPU ({r.smsc_cpu_pct:.0f}% of one core)"
    return "neither process saturated a core (batch drain, scheduling, other load)"


def render(results: list[Result], info: dict, args, history: list[str]) -> str:
    now = dt.datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head = git("log", "-1", "--format=%h %s")
    dirty = [line[3:] for line in git("status", "--porcelain").splitlines()]
    base = [r.per_second for r in results if r.key in BASELINE_KEYS]
    baseline = sum(base) / len(base)
    by = {r.key: r for r in results}
    w10, w50, w50n, w50t = by["w10"], by["w50"], by["w50-no-receipts"], by["w50-tps"]
    realistic = max(w10.per_second, w50.per_second)
    lines = [
        "# SMPP benchmark results", "",
        "Produced by `bench/smpp_bench.py`; this file is rewritten on every run, with one line "
        "per run kept under *History*. ONE bind, loopback, single-part GSM messages submitted in "
        f"batches of {args.batch}; the SMSC simulator answers at once and (unless stated) sends a "
        "receipt per message, which the connector stores in a no-op sink and acknowledges. The "
        "box is shared and noisy: compare the **ratio to window 1** (synchronous, same run).", "",
        f"## Latest run: {now}", "",
        f"- Code: `{head}`"
        + (f", plus uncommitted changes to: {', '.join(dirty)}" if dirty else ""),
        f"- Machine: {info['nproc']} CPUs (nproc {info['nproc']}), {info['cpu']}, Linux "
        f"{info['kernel']}; Python {info['python']}, smpplib {info['smpplib']}",
        f"- Each scenario: a fresh SMSC process, {args.warmup:g} s warm-up, {args.seconds:g} s "
        f"measured; window-1 baseline {baseline:,.0f} submit_sm/s = mean of "
        f"{', '.join(f'{b:,.0f}' for b in base)} (their spread is this run's noise)", "",
        "| Scenario | submit_sm/s | vs window 1 | receipts/s "
        "| connector CPU % (I/O / receipts / caller) | SMSC CPU % | other CPU % "
        "| not accepted | limited by |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.label} | {r.per_second:,.0f} | {r.ratio:.1f}x | {r.receipts_per_second:,.0f} | "
            f"{r.bench_cpu_pct:.0f} ({r.io_cpu_pct:.0f} / {r.receipt_cpu_pct:.0f} / "
            f"{r.caller_cpu_pct:.0f}) | {r.smsc_cpu_pct:.0f} | {r.other_cpu_pct:.0f} | "
            f"{r.not_accepted} | {limiter(r)} |")
    met = realistic >= TARGET_PER_BIND
    lines += [
        "", "Columns: *CPU %* is CPU time over the measured window (100% = one core; the box "
        f"has {info['nproc']}). *connector* is this whole process: the I/O thread (socket, "
        "window, responses), the receipt thread (sink + acks) and the caller thread (encoding "
        "and building each submit_sm with smpplib, then waiting). *other* is the rest of the "
        "host over the same window (other tenants, the kernel's loopback work).", "",
        "### Target", "",
        "| Target | Measured | Met? |", "|---|---|---|",
        f"| >= {TARGET_PER_BIND} submit_sm/s per bind over loopback (windowed, with receipts) | "
        f"{w10.per_second:,.0f}/s at window 10, {w50.per_second:,.0f}/s at window 50 "
        f"({realistic / TARGET_PER_BIND:.1f}x the target; {w50n.per_second:,.0f}/s without "
        f"receipts) | {'yes' if met else '**NO**'} |", "",
        "Real carriers allow 50-150 submit_sm/s per bind, so one bind of this connector is "
        "not what limits delivery; the carrier's tps is (set `SMSGW_SMPP_TPS` to it).", "",
        "### What limits the figures", "",
        "- Window 1 pays one loopback round trip (connector -> SMSC process -> connector, two "
        "Python event loops) per submit_sm, and every round trip costs wake-ups: the caller, "
        "the I/O thread and the SMSC each sleep and wake once per PDU, which is why even the "
        "synchronous connector keeps a core busy. Windowing removes the wait and amortises "
        "the wake-ups over many PDUs.",
        "- With a window, the connector process is the bottleneck: its I/O thread, receipt "
        "thread and caller thread share one GIL, so together they cannot use more than one "
        "core. Per submit_sm it builds the PDU with smpplib (pure Python, the biggest single "
        "cost, on the caller thread), writes it, reads and parses the response, and with "
        "receipts also parses a deliver_sm, calls the sink and writes a deliver_sm_resp.",
        "- The SMSC simulator runs on the same 2-core box in its own process and needs CPU "
        "for every PDU too (asyncio, struct packing, one receipt per message); on this box "
        "the two processes plus the kernel's loopback work compete for two cores.",
        f"- Window 50 is {w50.per_second / w10.per_second - 1:+.0%} against window 10: "
        "loopback latency is tiny, so ten in-flight PDUs already hide most of it and the rest "
        "is CPU. Over a WAN link to a real SMSC "
        "(tens of ms per round trip) the window matters far more: at 30 ms RTT, window 1 caps "
        "a bind at ~33/s and window 10 at ~330/s.",
        "- Receipts cost about as much as the submits: per message the wire then carries "
        "four PDUs instead of two, and the sink and its acknowledgement run on this process "
        "too (compare the no-receipts row).",
        "- Each batch drains the window at its end (the caller waits for all outcomes), so "
        "bigger batches (or several callers) keep the window fuller.", "",
        "## History", "",
        "| date (UTC) | code | window 1 /s | window 10 /s (ratio) | window 50 /s (ratio) | "
        "w50 no receipts /s | w50 tps-limited /s | target |",
        "|---|---|---:|---:|---:|---:|---:|---|",
        HISTORY_START,
    ]
    row = (f"| {now[:-4]} | {head.split(' ')[0]}{'+dirty' if dirty else ''} | {baseline:,.0f} | "
           f"{w10.per_second:,.0f} ({w10.ratio:.1f}x) | {w50.per_second:,.0f} ({w50.ratio:.1f}x) | "
           f"{w50n.per_second:,.0f} | {w50t.per_second:,.0f} (limit {w50t.tps:g}) | "
           f"{'met' if met else 'not met'} |")
    lines += [row, *history[:49], HISTORY_END, ""]
    return "\n".join(lines)


def old_history() -> list[str]:
    if not RESULTS_MD.exists():
        return []
    text = RESULTS_MD.read_text()
    if HISTORY_START not in text:
        return []
    block = text.split(HISTORY_START, 1)[1].split(HISTORY_END, 1)[0]
    return [line for line in block.strip().splitlines() if line.startswith("|")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--tps-limit", type=float, default=300.0)
    add_record_flag(parser, "bench/SMPP_RESULTS.md and bench/out/smpp_last_run.json")
    args = parser.parse_args()
    scenarios = [
        Scenario("w1", "window 1 (synchronous baseline)", 1),
        Scenario("w10", "window 10", 10),
        Scenario("w50", "window 50", 50),
        Scenario("w50-no-receipts", "window 50, no receipts", 50, receipts=False),
        Scenario("w50-tps", f"window 50, tps limit {args.tps_limit:g}", 50, tps=args.tps_limit),
        Scenario("w1-again", "window 1 (again, at the end)", 1),
    ]
    results = []
    for s in scenarios:
        r = run(s, args)
        results.append(r)
        print(f"{s.label:36s} {r.per_second:8,.0f} submit_sm/s"
              f"  receipts {r.receipts_per_second:7,.0f}/s"
              f"  connector CPU {r.bench_cpu_pct:4.0f}%  SMSC CPU {r.smsc_cpu_pct:4.0f}%"
              f"  other {r.other_cpu_pct:4.0f}%  not accepted {r.not_accepted}", flush=True)
    base = [r.per_second for r in results if r.key in BASELINE_KEYS]
    baseline = sum(base) / len(base)
    for r in results:
        r.ratio = r.per_second / baseline
    info = machine()
    if args.record:
        RESULTS_MD.write_text(render(results, info, args, old_history()))
        OUT_JSON.parent.mkdir(parents=True, exist_ok=True)
        OUT_JSON.write_text(json.dumps({"machine": info, "args": vars(args),
                                        "results": [asdict(r) for r in results]}, indent=2))
        print(f"wrote {RESULTS_MD.relative_to(ROOT)} and {OUT_JSON.relative_to(ROOT)}")


if __name__ == "__main__":
    threading.current_thread().name = "bench-caller"
    main()
