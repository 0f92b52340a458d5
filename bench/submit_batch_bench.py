"""The SMPP group commit in-process: what one ``SubmitService.submit_many`` batch costs on a
SQLite file database (or PostgreSQL with --database-url), by batch size, without any network.

The SMPP server answers a window of submit_sm after one such call, so this is the floor
under its durable submits per second. Each batch is single-recipient submits of one account
(or --accounts of them, interleaved), with the send rate counted (a limit far above the load)
and the sender check as configured by default. ``cpu ms`` is this process's CPU time per
batch (the median): on a shared machine it moves less than the wall time.

    .venv/bin/python bench/submit_batch_bench.py [--items 3000] [--accounts 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.app.sending.submit import Submission  # noqa: E402
from service.bootstrap import build_container  # noqa: E402
from service.config import Settings  # noqa: E402
from service.persistence.migrate import upgrade  # noqa: E402


def run(url: str, batch: int, items: int, accounts: int) -> dict[str, float]:
    container = build_container(Settings(database_url=url, rate_send_per_minute=10_000_000))
    upgrade(container.engine)
    uc = container.use_cases
    ids = []
    for n in range(accounts):
        login = f"bench{batch}x{n}"
        uc.accounts.create(login, "pw", Decimal("1000000"))
        ids.append(uc.accounts.show(login).stored_id)
    submits = [Submission(ids[i % accounts], "127.0.0.1", f"+7999{(i + batch * 100_000) % 10_000_000:07d}",
                          "Your code is 1234", "Bench")
               for i in range(items)]
    times, cpu = [], []
    for start in range(0, items - batch + 1, batch):
        began, began_cpu = time.perf_counter(), time.process_time()
        results = uc.submit.submit_many(submits[start:start + batch])
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
        assert all(r.error is None for r in results), results
    container.engine.dispose()
    total = sum(times)
    times.sort()
    return {"batches": len(times), "median_ms": statistics.median(times) * 1000,
            "p99_ms": times[int(len(times) * 0.99) - 1] * 1000,
            "cpu_ms": statistics.median(cpu) * 1000,
            "per_item_ms": total / (len(times) * batch) * 1000,
            "items_per_s": len(times) * batch / total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--accounts", type=int, default=1)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        print(f"{url.split(':')[0]}, {args.accounts} account(s), {args.items} submits per size")
        print(f"{'batch':>5} {'batches':>8} {'median ms':>10} {'p99 ms':>8} {'cpu ms':>7} "
              f"{'ms/item':>8} {'items/s':>9}")
        for batch in (1, 10, 50):
            r = run(url, batch, args.items if batch > 1 else min(args.items, 1000),
                    args.accounts)
            print(f"{batch:>5} {r['batches']:>8.0f} {r['median_ms']:>10.2f} {r['p99_ms']:>8.2f} "
                  f"{r['cpu_ms']:>7.2f} {r['per_item_ms']:>8.3f} {r['items_per_s']:>9.0f}")


if __name__ == "__main__":
    main()
