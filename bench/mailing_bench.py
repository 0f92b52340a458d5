"""Mailing benchmark: accept, price and queue mailings of 10k and 100k recipients from a group.

For each store (SQLite, PostgreSQL) and size it measures, in one process:
- contacts imported per second (a background import task),
- how long StartMailing takes to answer (code 100, task id),
- how long the background task takes to render, price, debit and queue everything,
- the process's peak RSS after each size (bounded memory: 100k should cost about what 10k does),
- as the same-run baseline, a bare bulk insert of the same number of message rows.

    .venv/bin/python bench/mailing_bench.py [--sizes 10000 100000] [--pg URL]

With --record the results go to bench/MAILING_RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import insert  # noqa: E402

from delivery_bench import cpu_model, fresh_pg  # noqa: E402
from benchlib import add_record_flag  # noqa: E402
from service.app.book.address_book import ContactInput  # noqa: E402
from service.app.access.auth import Credentials  # noqa: E402
from service.app.mailings.mailings import CreateMailing  # noqa: E402
from service.bootstrap import build_container  # noqa: E402
from service.config import Settings  # noqa: E402
from service.persistence.migrate import upgrade  # noqa: E402
from service.persistence.tables import messages  # noqa: E402

ME = Credentials("bench", "pw")


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the
    parent across fork and exec, so a child would report its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_store(url: str, sizes: list[int]) -> list[dict]:
    c = build_container(Settings(database_url=url))
    upgrade(c.engine)
    uc = c.use_cases
    uc.accounts.create("bench", "pw", Decimal("100000000"))
    rows = []
    for size in sizes:
        group = uc.address_book.create_group(ME, f"g{size}")
        cards = [ContactInput(phone=f"+7{9000000000 + size * 10 + n}", name=f"Client {n}",
                              fields={"code": str(n)}, group_ids=(group.id,))
                 for n in range(size)]
        t0 = time.perf_counter()
        result = uc.address_book.create_contacts(ME, cards)
        while uc.tasks.run_next("bench"):
            pass
        imported = time.perf_counter() - t0
        del cards
        assert uc.tasks.status(ME, result.task_id).task.result_code == 0
        mid = uc.mailings.create(CreateMailing(ME, f"m{size}", "Hello, {name}! Code {code}.",
                                               group_ids=(group.id,))).mailing.id
        t0 = time.perf_counter()
        started = uc.mailings.start(ME, mid)
        accepted = time.perf_counter() - t0
        # The background start runs in a child process, so its peak RSS is its own.
        t0 = time.perf_counter()
        child = subprocess.run([sys.executable, __file__, "--run-tasks", url], check=True,
                               capture_output=True, text=True)
        queued = time.perf_counter() - t0
        task_rss = float(child.stdout.split()[-1])
        view = uc.mailings.get(ME, mid)
        assert started.code == 100 and view.counts.get("QUEUED") == size, view.counts
        now = datetime.now(timezone.utc)
        bare = [{"account_id": 1, "recipient": f"+7{9500000000 + n}", "text": "Hello",
                 "sender": None, "encoding": "GSM7", "segments": 1, "cost": Decimal("1"),
                 "status": "DELIVERED", "valid_until": now + timedelta(days=1),
                 "created_at": now, "updated_at": now} for n in range(size)]
        t0 = time.perf_counter()
        with c.engine.begin() as conn:
            for start in range(0, size, 1000):
                conn.execute(insert(messages), bare[start:start + 1000])
        baseline = time.perf_counter() - t0
        del bare
        rows.append({"size": size, "import_s": imported, "import_rate": size / imported,
                     "accept_s": accepted, "queue_s": queued, "baseline_s": baseline,
                     "rss_mb": task_rss})
        print(url.split(":")[0], rows[-1], flush=True)
    c.engine.dispose()
    return rows


def run_tasks(url: str) -> None:
    """Child process: run every queued task, then print this process's peak RSS in MB."""
    c = build_container(Settings(database_url=url))
    while c.use_cases.tasks.run_next("bench-child"):
        pass
    c.engine.dispose()
    print(f"{peak_rss_mb():.1f}")


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--run-tasks":
        run_tasks(sys.argv[2])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--pg", default=os.environ.get(
        "SMSGW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    add_record_flag(parser, "bench/MAILING_RESULTS.md")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(("SQLite", run_store(f"sqlite:///{tmp}/bench.db", args.sizes)))
    url, drop = fresh_pg(args.pg)
    try:
        results.append(("PostgreSQL", run_store(url, args.sizes)))
    finally:
        drop()
    lines = "\n".join(
        f"| {store} | {r['size']:,} | {r['import_rate']:,.0f} | {r['accept_s'] * 1000:,.0f} ms | "
        f"{r['queue_s']:.1f} s | {r['baseline_s']:.1f} s | {r['queue_s'] / r['baseline_s']:.1f}x | "
        f"{r['rss_mb']:,.0f} MB |"
        for store, rows in results for r in rows)
    report = f"""# Mailing benchmark

`bench/mailing_bench.py`: a group of N contacts (imported by a background task), a template
mailing to it, StartMailing (answers code 100 at once), then the background task renders,
prices, debits and queues every message. The baseline is a bare bulk insert of N message
rows into the same database in the same run.

- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC
- Machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}

| store | recipients | contacts imported/s | StartMailing answers in | priced, debited and queued in | bare insert (baseline) | vs baseline | peak RSS of the start task |
|---|---:|---:|---:|---:|---:|---:|---:|
{lines}

Targets: accepted as a background task in under 1 s, and fully priced, debited and queued
within 30 s, on SQLite and on PostgreSQL, with memory bounded. The start task runs in a child
process (timed from its start, Python start-up included), so its peak RSS is the mailing's
own: it works in chunks of 1,000, and 100k recipients should cost about what 10k do.
"""
    print(report)
    if args.record:
        (ROOT / "bench" / "MAILING_RESULTS.md").write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
