"""bench/soap_bench.py's report: the table, the targets, and bench/RESULTS.md (latest run and
one history line per recorded run)."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import subprocess
import sys
from typing import TYPE_CHECKING

from benchlib import ROOT, cpu_model

if TYPE_CHECKING:
    from soap_bench import Result

RESULTS_MD = ROOT / "bench" / "RESULTS.md"
HISTORY_START, HISTORY_END = "<!-- history:start -->", "<!-- history:end -->"

# Targets (see RESULTS.md).
T1_RATIO, T1_P99_MS = 0.50, 25.0
T2_RECIPIENTS_PER_S = 20_000


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
             f"(service/server/gunicorn_conf.py, identical for both servers; plus --no-control-socket"
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

Produced by `bench/soap_bench.py --record` (`make bench BENCH_ARGS=--record`); a recorded run
rewrites this file and keeps one line per recorded run under *History*. The machine is shared
and noisy, so compare the
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

- Read *conns per worker* before the req/s. All gunicorn workers accept from one socket (no
  `reuse_port`: a second gateway on the same port must fail), so 8 keep-alive connections
  opened at once can land unevenly, even all on one worker (8/0), which then serves
  everything on one core (one GIL) while the others idle; the CPU-cost ratio is the
  steadier figure (for the 1-recipient target it reads {rep['send1_cost_ratio']:.2f} this run).
- p99 here includes this shared box's noise: read the echo's own p99 in the same run before
  blaming smsgw for a tail.
- What a 1-recipient SendSms costs beyond the echo: two database transactions (a read to
  authenticate, a write that debits and inserts; SQLite takes one writer at a time and the
  writers queue on a file lock), SQLAlchemy statement execution, and the domain work
  (E.164 parsing, segments, pricing).
- The echo app is served with `gunicorn -c python:service.server.gunicorn_conf
  bench.echo_app:application`: an app named on the command line wins over `wsgi_app` in the
  settings module.

## History

| date (UTC) | code | driver | workers x threads | echo req/s | SendSms-1 req/s (vs echo) | SendSms-1 p99 ms | recipients/s (SendSms-100) | GetStatus-100 req/s (vs echo) | targets |
|---|---|---|---|---:|---:|---:|---:|---:|---|
{HISTORY_START}
{chr(10).join(history)}
{HISTORY_END}
"""
    RESULTS_MD.write_text(md)
