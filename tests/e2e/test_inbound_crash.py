"""kill -9 of `smsgw worker` while the parts of a multipart MO wait for the rest, on PostgreSQL.

The worker binds to the loopback SMSC over SMPP; the SMSC sends parts 1 and 2 of 3, each
acknowledged only once stored (inbound_parts). The worker is killed with SIGKILL, a new one
binds, and the SMSC sends part 3: the message is completed from the parts the dead worker
stored, and stored exactly once (no part is left over to make a second one).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, func, select

from service.delivery.smsc_simulator import Behaviour, SmscSimulator
from service.persistence.tables import inbound_messages, inbound_parts
from tests.conftest import migrated
from tests.e2e.conftest import ROOT
from tests.polling import wait_until

pytestmark = pytest.mark.postgres


def start_worker(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "SMSGW_DATABASE_URL": url, "SMSGW_CONNECTOR": "smpp",
           "SMSGW_SMPP_PORT": str(port), "SMSGW_SMPP_SYSTEM_ID": "smsgw",
           "SMSGW_SMPP_PASSWORD": "secret", "SMSGW_SMPP_RECONNECT_MAX_SECONDS": "1",
           "SMSGW_LOG_LEVEL": "warning"}
    return subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def bound(smsc: SmscSimulator) -> bool:
    return any(s.bound for s in list(smsc._sessions.values()))      # noqa: SLF001


def test_parts_stored_before_a_kill_complete_the_message_after_the_restart(postgres_url):
    engine = migrated(postgres_url)
    smsc = SmscSimulator(Behaviour(redeliver_delay=0.05)).start()
    worker = start_worker(postgres_url, smsc.port)
    text = "first part, " "second part, " "third part."
    try:
        assert wait_until(lambda: bound(smsc), 30)
        mo_id = smsc.send_mo("79991234567", text, parts=3, concat="udh16", reference=4242,
                             order=[1, 2])
        assert wait_until(lambda: [s for _, s in smsc.mo_statuses(mo_id)] == [0, 0], 10)

        def count(table) -> int:
            with engine.connect() as conn:
                return conn.execute(select(func.count()).select_from(table)).scalar_one()

        def open_parts() -> int:
            """Parts still waiting for their message (a stored message's parts stay 'done'
            until the reassembly timeout, to recognise a carrier's resend)."""
            with engine.connect() as conn:
                return conn.execute(select(func.count()).select_from(inbound_parts).where(
                    inbound_parts.c.state != "done")).scalar_one()

        assert count(inbound_messages) == 0
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        assert wait_until(lambda: not bound(smsc), 10)
        # the parts the dead worker acknowledged are in the database
        assert count(inbound_parts) == 2

        worker = start_worker(postgres_url, smsc.port)
        assert wait_until(lambda: bound(smsc), 30)
        smsc.send_mo("79991234567", text, parts=3, concat="udh16", reference=4242, order=[3])
        assert wait_until(lambda: count(inbound_messages) >= 1 and open_parts() == 0, 20)
        with engine.connect() as conn:
            rows = conn.execute(select(inbound_messages)).all()
        assert [(r.text, r.parts, r.complete) for r in rows] == [(text, 3, True)]
        assert open_parts() == 0
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
        smsc.stop()
        engine.dispose()
