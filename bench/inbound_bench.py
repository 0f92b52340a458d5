"""Inbound MO per second: from the loopback SMSC over SMPP into `smsgw worker`, on PostgreSQL.

The SMSC (service/delivery/smsc_simulator.py, in this process) sends N single-part MO with at
most ``--window`` deliver_sm unanswered, as real SMSCs do. Two runs in one invocation:

- baseline: an SmppConnector in this process whose inbound sink returns at once (the same MO
  stream over the same wire, acknowledged without storing anything);
- stored: one `smsgw worker` process (SMSGW_CONNECTOR=smpp) on a fresh PostgreSQL database;
  each deliver_sm_resp goes out only after InboundService.accept committed its part, and the
  worker's loop joins, routes and stores them as inbound messages (process()). With
  ``--push`` the number is assigned to an account whose callback URL is a local receiver, and
  the run also waits for every inbound callback (needs the push helper's work on main).

Figures: MO/s acknowledged (the SMSC got ESME_ROK for every one), MO/s stored as inbound
messages, and the ratio to the baseline. Run: ``python bench/inbound_bench.py [--record]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from benchlib import ROOT, CallbackReceiver, add_record_flag, cpu_model, fresh_postgres

sys.path.insert(0, str(ROOT))

from service.delivery.smpp import SmppConfig, SmppConnector  # noqa: E402
from service.delivery.smsc_simulator import Behaviour, SmscSimulator  # noqa: E402

NUMBER = "+4915100000001"


class Receiver(CallbackReceiver):
    """Counts the inbound callbacks (``"event": "inbound"``) it receives."""

    def __init__(self) -> None:
        self.inbound = 0
        super().__init__(self._count)

    def _count(self, body: bytes) -> None:
        if b'"inbound"' in body:
            self.inbound += 1


def ok_acks(smsc: SmscSimulator) -> int:
    return sum(1 for a in list(smsc.mo_acks) if a.status == 0)


def send_stream(smsc: SmscSimulator, count: int) -> None:
    for n in range(count):
        smsc.send_mo(f"4917{n % 10**8:08d}", f"Reply number {n}", NUMBER.lstrip("+"))


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def baseline(count: int, window: int) -> dict:
    smsc = SmscSimulator(Behaviour(mo_window=window, record=False)).start()
    connector = SmppConnector(SmppConfig(port=smsc.port, system_id="smsgw", password="secret",
                                         tps=0, response_timeout=10.0))
    connector.start(lambda receipts: None, lambda parts: None)
    try:
        assert connector.wait_bound(5), "no bind"
        started = time.monotonic()
        send_stream(smsc, count)
        done = wait_for(lambda: ok_acks(smsc) >= count, 120)
        elapsed = time.monotonic() - started
    finally:
        connector.stop()
        smsc.stop()
    return {"acked": ok_acks(smsc), "seconds": elapsed, "complete": done}


class StoredCount:
    """``count()``: how many inbound messages are stored, over one connection kept open (a new
    engine per poll would cost the box's CPU that the worker is measured on)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        self._engine = create_engine(url, pool_size=1)

    def count(self) -> int:
        from sqlalchemy import text
        with self._engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM inbound_messages")).scalar_one()

    def close(self) -> None:
        self._engine.dispose()


def prepare(url: str, push: Receiver | None) -> None:
    from decimal import Decimal

    from service.bootstrap import build_container
    from service.config import Settings
    from service.persistence.migrate import upgrade
    container = build_container(Settings(database_url=url))
    upgrade(container.engine)
    if push is not None:
        accounts = container.use_cases.accounts
        accounts.create("bench", "pw", Decimal("100"))
        accounts.configure("bench", callback_url=f"http://127.0.0.1:{push.port}/cb",
                           callback_secret="bench")
        env = {**os.environ, "SMSGW_DATABASE_URL": url}
        subprocess.run([sys.executable, "-m", "service.cli", "number", "assign", NUMBER,
                        "bench"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    container.engine.dispose()


def stored(admin_url: str, count: int, window: int, push: Receiver | None,
           limit: float, profile: str | None = None) -> dict:
    url, drop = fresh_postgres(admin_url, "smsgw_inbound_bench")
    smsc = SmscSimulator(Behaviour(mo_window=window, record=False)).start()
    proc = None
    try:
        prepare(url, push)
        env = {**os.environ, "SMSGW_DATABASE_URL": url, "SMSGW_CONNECTOR": "smpp",
               "SMSGW_SMPP_PORT": str(smsc.port), "SMSGW_SMPP_SYSTEM_ID": "smsgw",
               "SMSGW_SMPP_PASSWORD": "secret", "SMSGW_LOG_LEVEL": "warning"}
        wrapper = [str(Path(ROOT, "bench", "profiled.py")), profile] if profile else []
        proc = subprocess.Popen([sys.executable, *wrapper, "-m", "service.cli", "worker"], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for(lambda: any(s.bound for s in list(smsc._sessions.values())), 30), \
            "the worker did not bind"                           # noqa: SLF001
        cpu_before = _cpu(proc.pid)
        started = time.monotonic()
        send_stream(smsc, count)
        acked = wait_for(lambda: ok_acks(smsc) >= count, 300)
        acked_at = time.monotonic() - started
        counter = StoredCount(url)
        try:
            kept = wait_for(lambda: counter.count() >= count, limit)
            stored_at = time.monotonic() - started
            stored_n = counter.count()
        finally:
            counter.close()
        pushed_at, pushed_n = None, 0
        if push is not None:
            wait_for(lambda: push.inbound >= count, limit)
            pushed_at, pushed_n = time.monotonic() - started, push.inbound
        cpu = _cpu(proc.pid) - cpu_before
        temporary = sum(1 for a in list(smsc.mo_acks) if a.status != 0)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=60)
        smsc.stop()
        drop()
    return {"acked": acked, "acked_s": acked_at, "stored": kept, "stored_s": stored_at,
            "stored_n": stored_n, "pushed_s": pushed_at, "pushed_n": pushed_n,
            "worker_cpu_s": cpu, "temporary_errors": temporary}


def _cpu(pid: int) -> float:
    import psutil
    try:
        t = psutil.Process(pid).cpu_times()
        return t.user + t.system
    except psutil.Error:
        return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mos", type=int, default=10000, help="MO messages per run")
    parser.add_argument("--window", type=int, default=100,
                        help="deliver_sm the SMSC leaves unanswered at once")
    parser.add_argument("--pg", default=os.environ.get(
        "SMSGW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--push", action="store_true",
                        help="assign the number to an account with a callback URL and wait "
                             "for the inbound callbacks too")
    parser.add_argument("--limit", type=float, default=60.0,
                        help="seconds to wait for the stored (and pushed) messages; the rate "
                             "is then what was done by that time")
    parser.add_argument("--profile", metavar="OUT.prof",
                        help="run the worker under cProfile in every thread (bench/profiled.py) "
                             "and write the merged profile there")
    add_record_flag(parser, "bench/INBOUND_RESULTS.md")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    base = baseline(args.mos, args.window)
    base_rate = base["acked"] / base["seconds"]
    receiver = Receiver() if args.push else None
    run = stored(args.pg, args.mos, args.window, receiver, args.limit, args.profile)
    acked_rate = args.mos / run["acked_s"]
    stored_rate = run["stored_n"] / run["stored_s"]
    lines = [
        f"| baseline: acknowledged, not stored (connector in-process) | {args.mos:,} | "
        f"{base['seconds']:.2f} | {base_rate:,.0f} | 1.00 |",
        f"| stored (accept committed) and acknowledged, `smsgw worker` | {args.mos:,} | "
        f"{run['acked_s']:.2f} | {acked_rate:,.0f} | {acked_rate / base_rate:.2f} |",
        f"| ... and joined, routed, stored as inbound messages (process) | "
        f"{run['stored_n']:,} | {run['stored_s']:.2f} | {stored_rate:,.0f} | "
        f"{stored_rate / base_rate:.2f} |",
    ]
    if run["pushed_s"] is not None:
        pushed_rate = run["pushed_n"] / run["pushed_s"]
        lines.append(f"| ... and pushed to a local receiver (callbacks) | {run['pushed_n']:,} | "
                     f"{run['pushed_s']:.2f} | {pushed_rate:,.0f} | "
                     f"{pushed_rate / base_rate:.2f} |")
    table = "\n".join(["| what | MO | seconds | MO/s | vs baseline |",
                       "|---|---:|---:|---:|---:|", *lines])
    notes = (f"worker CPU: {run['worker_cpu_s']:.1f} s "
             f"({run['worker_cpu_s'] * 1000 / args.mos:.2f} ms a MO); load average (1 min) "
             f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after; temporary errors "
             f"answered: {run['temporary_errors']}; all acknowledged: {run['acked']}; all stored: "
             f"{run['stored']}; window {args.window}; {cpu_model()}, {os.cpu_count()} CPUs; "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(table)
    print(notes)
    if args.record:
        path = Path(ROOT, "bench", "INBOUND_RESULTS.md")
        text = path.read_text() if path.exists() else ""
        marker = "<!-- figures -->"
        if marker in text:
            head, _, tail = text.partition(marker)
            tail = tail.split("<!-- /figures -->", 1)[-1]
            text = f"{head}{marker}\n{table}\n\n{notes}\n<!-- /figures -->{tail}"
        else:
            text += f"\n{marker}\n{table}\n\n{notes}\n<!-- /figures -->\n"
        path.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
