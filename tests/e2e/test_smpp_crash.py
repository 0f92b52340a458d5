"""kill -9 the SMPP server while a client has a window of 50 submits in flight, on PostgreSQL.

What SMPP lets a client know, and so what this test can promise:

- A submit that got a submit_sm_resp (ESME_ROK) was committed before the answer: it is stored
  exactly once, charged exactly once, delivered exactly once, and its receipt reaches the
  client, if need be after it reconnects (receipts wait in a durable queue).
- A submit in flight when the server died got no answer. The server may have committed it
  (the commit finished, the answer never left) or not. The client cannot tell which: SMPP has
  no client-side message reference, and sequence numbers are per session (they restart after
  a reconnect), so a resubmission after the reconnect is, to the server, a new message. A
  client that resubmits everything unanswered (as ESMEs do) therefore sends a message twice
  when the first one had been committed; each copy is stored, charged and delivered once
  (two messages, two charges, never one message charged twice). A client that must not
  duplicate should ask with query_sm or count receipts rather than resubmit blindly.

The test tells the two cases apart only because each submit carries a unique text, which a
real client cannot rely on; it reports how many in-flight submits were committed and lost.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import postgres_database
from tests.e2e.conftest import ROOT, listening_socket, run_cli_in_process
from tests.smpp_esme import SUBMIT_SM, Budget, Esme, pdu, submit_sm_body

pytestmark = pytest.mark.postgres

LOGIN, PASSWORD, SMPP_PASSWORD = "crash", "crash-pw", "crashpw"
OPENING = Decimal("100000")
DESTINATION = "79990000010"         # the simulator connector delivers it and sends a receipt
WINDOW = 50
ACKS_BEFORE_KILL = 300
RECEIPTS_BEFORE_KILL = 50           # and receipts flowing: some are in flight at the kill too
SUBMITS = 10000                     # more than session 1 gets through before the kill


def smsgw(env: dict, *args: str) -> None:
    """An operator's set-up command, in this process (see conftest's Server.admin)."""
    r = run_cli_in_process(env, *args)
    assert r.returncode == 0, (args, r.stderr)


def start_server(env: dict, sock, log: Path) -> tuple[subprocess.Popen, int]:
    """`smsgw smpp-server --fd N` on the socket this test holds; returns once it prints that
    it listens (its one line on stdout), with the port."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "smpp-server", "--fd", str(sock.fileno())],
        cwd=ROOT, env=env, pass_fds=(sock.fileno(),), stdout=subprocess.PIPE,
        stderr=open(log, "ab"), stdin=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()      # EOF ('') if it dies first: no hang
    assert "smpp-server listening on" in line, (line, log.read_text()[-3000:])
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # never let it block on a pipe
    return proc, sock.getsockname()[1]


class Client:
    """The ESME's memory across sessions: which submit (by index) got which answer."""

    def __init__(self) -> None:
        self.sent: set[int] = set()
        self.acked: dict[int, int] = {}            # index -> our message id
        self.refused: dict[int, int] = {}          # index -> command_status
        self.receipts: list[tuple[int, int]] = []  # (session, message id), in arrival order

    @staticmethod
    def text_of(index: int) -> str:
        return f"crash {index:05d}"

    async def session(self, number: int, port: int) -> Esme:
        """Connect and bind a transceiver; its receipts are noted (and acknowledged)."""
        esme = await Esme.connect("127.0.0.1", port)
        assert await esme.bind("trx", LOGIN, SMPP_PASSWORD) == 0
        esme.on_deliver = lambda r: self.receipts.append((number, int(r.message_id)))
        return esme

    def stream(self, esme: Esme, indices: list[int], kill_when=None) -> None:
        """Submit ``indices`` with a window of 50; ``kill_when()`` is asked after each
        acknowledgement, and when it answers with a function, that is called at once."""
        by_seq: dict[int, int] = {}
        queue = iter(indices)

        def make(seq: int) -> bytes | None:
            index = next(queue, None)
            if index is None:
                return None
            by_seq[seq] = index
            self.sent.add(index)
            body = submit_sm_body(DESTINATION, self.text_of(index).encode(),
                                  registered_delivery=1)
            return pdu(SUBMIT_SM, seq, body)

        def answered(seq: int, status: int, message_id: bytes | None) -> None:
            index = by_seq[seq]
            if status != 0:
                self.refused[index] = status
                return
            self.acked[index] = int(message_id)
            kill = kill_when() if kill_when is not None else None
            if kill is not None:
                kill()          # now, with the window full: mid-stream

        esme.on_submit_resp = answered
        esme.start_window(make, WINDOW, Budget())

    async def receipt_for(self, index: int, timeout: float) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while self.acked[index] not in {m for _, m in self.receipts}:
            assert asyncio.get_running_loop().time() < deadline, f"no receipt for {index}"
            await asyncio.sleep(0.05)


def stored(db, account_id: int) -> dict[str, list[dict]]:
    """The account's messages by text (hot and archived)."""
    out: dict[str, list[dict]] = {}
    with db.connect() as conn:
        for table in ("messages", "messages_archive"):
            for row in conn.execute(text(
                    f"SELECT id, text, status, cost, attempts FROM {table} "
                    "WHERE account_id = :a"), {"a": account_id}).mappings():
                out.setdefault(row["text"], []).append(dict(row))
    return out


def wait_until(predicate, timeout: float, what: str) -> None:
    """Poll ``predicate`` (a database read: nothing to wait on but the database itself)."""
    import time
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)  # a poll: the server and worker are other processes


def test_kill_9_mid_window_loses_no_acked_submit_charges_none_twice_and_receipts_arrive(
        tmp_path, capsys):
    with postgres_database() as url:
        env = {**os.environ, "SMSGW_DATABASE_URL": url, "SMSGW_LOG_LEVEL": "warning",
               "SMSGW_SIMULATOR_RECEIPT_DELAY_MS": "50"}
        smsgw(env, "db", "upgrade")
        smsgw(env, "account", "create", LOGIN, "--password", PASSWORD, "--balance", str(OPENING))
        smsgw(env, "account", "set", LOGIN, "--smpp-password", SMPP_PASSWORD, "--rate-send", "0")
        db = create_engine(url)
        with db.connect() as conn:
            account_id = conn.execute(text("SELECT id FROM accounts WHERE login = :l"),
                                      {"l": LOGIN}).scalar_one()
        log = tmp_path / "smpp-server.log"
        worker = subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], cwd=ROOT,
                                  env=env, stdout=subprocess.DEVNULL,
                                  stderr=open(tmp_path / "worker.log", "wb"))
        sock = listening_socket()       # held by the test: the restart serves the same port
        server = None
        try:
            server, port = start_server(env, sock, log)
            client = Client()
            first = server

            def kill_when():
                receipts = len(client.receipts)
                if len(client.acked) >= ACKS_BEFORE_KILL and receipts >= RECEIPTS_BEFORE_KILL:
                    return lambda: os.kill(first.pid, signal.SIGKILL)
                return None

            async def crash() -> None:
                esme = await client.session(1, port)
                client.stream(esme, [0])            # the worker is up: receipts flow
                await asyncio.wait_for(esme.drained, 30)
                await client.receipt_for(0, 60)
                client.stream(esme, list(range(1, SUBMITS)), kill_when)
                await asyncio.wait_for(esme.lost, 60)
                esme.close()
            asyncio.run(crash())
            assert first.wait(10) == -signal.SIGKILL
            in_flight = sorted(client.sent - client.acked.keys() - client.refused.keys())
            acked_before_kill = len(client.acked)
            assert client.refused == {}
            assert len(client.acked) >= ACKS_BEFORE_KILL and in_flight, \
                "the kill must leave submits in flight"
            assert len(client.receipts) >= RECEIPTS_BEFORE_KILL

            server, _ = start_server(env, sock, log)
            before = stored(db, account_id)
            # Acknowledged: stored exactly once, under the id the client was given.
            for index, message_id in client.acked.items():
                rows = before.get(Client.text_of(index), [])
                assert [r["id"] for r in rows] == [message_id], (index, rows)
            # In flight: absent or stored once (the commit finished, its answer was lost).
            committed = [i for i in in_flight if len(before.get(Client.text_of(i), [])) == 1]
            absent = [i for i in in_flight if not before.get(Client.text_of(i))]
            assert len(committed) + len(absent) == len(in_flight), "stored twice"
            assert len(before) == len(client.acked) + len(committed), "a message nobody sent"

            # Reconnect; resubmit what got no answer, as an ESME does; collect receipts.
            async def reconnect() -> None:
                esme = await client.session(2, port)
                client.stream(esme, in_flight)
                await asyncio.wait_for(esme.drained, 60)
                wanted = set(client.acked.values()) | {
                    before[Client.text_of(i)][0]["id"] for i in committed}

                def all_receipts() -> bool:
                    return wanted <= {m for _, m in client.receipts}
                for _ in range(1200):    # up to 120 s: leases of the killed server expire
                    if all_receipts():
                        break
                    await asyncio.sleep(0.1)
                await esme.unbind()
            asyncio.run(reconnect())
            assert client.refused == {}
            assert set(in_flight) <= client.acked.keys()

            after = stored(db, account_id)
            for i in in_flight:             # the resubmission is a new message: see the docstring
                assert len(after[Client.text_of(i)]) == (2 if i in committed else 1)
            for index in client.acked.keys() - set(in_flight):
                assert len(after[Client.text_of(index)]) == 1
            every = [r for rows in after.values() for r in rows]

            # Delivered exactly once: each message went to the carrier once and is final.
            wait_until(lambda: all(r["status"] == "DELIVERED"
                                   for rows in stored(db, account_id).values() for r in rows),
                       120, "every message to be DELIVERED")
            with db.connect() as conn:     # the simulator carrier's record of what it was given
                handed = dict(conn.execute(text(
                    "SELECT s.message_id, count(*) FROM simulator_submissions s "
                    "JOIN messages m ON m.id = s.message_id WHERE m.account_id = :a "
                    "GROUP BY s.message_id"), {"a": account_id}).all())
            assert handed == {r["id"]: 1 for r in every}

            # No double charge: balance = opening - the costs of the stored messages, and the
            # ledger says the same.
            with db.connect() as conn:
                balance = conn.execute(text("SELECT balance FROM accounts WHERE id = :a"),
                                       {"a": account_id}).scalar_one()
                ledger = conn.execute(text(
                    "SELECT reason, amount FROM ledger_entries WHERE account_id = :a"),
                    {"a": account_id}).all()
            costs = sum((Decimal(r["cost"]) for r in every), Decimal(0))
            assert costs > 0
            assert Decimal(balance) == OPENING - costs
            assert sum((Decimal(a) for _, a in ledger), Decimal(0)) == Decimal(balance)
            credits = [reason for reason, amount in ledger if Decimal(amount) > 0]
            assert credits == ["opening_balance"]      # no refund: nothing failed
            debits = -sum((Decimal(a) for _, a in ledger if Decimal(a) < 0), Decimal(0))
            assert debits == costs

            # Every receipt of an acknowledged message reached the client (some before the
            # kill, the rest after it reconnected), each message's receipt once per session.
            received = {m for _, m in client.receipts}
            assert set(client.acked.values()) <= received
            assert {r["id"] for r in every} == received     # the committed-unanswered too
            second = [m for s, m in client.receipts if s == 2]
            assert len(second) == len(set(second)), "a receipt delivered twice in one session"
            with capsys.disabled():
                print(f"\nkill -9 after {acked_before_kill} acks: "
                      f"{len(in_flight)} in flight, {len(committed)} of them committed "
                      f"(resubmitted: sent twice), {len(absent)} absent (resubmitted: once); "
                      f"receipts: {len(client.receipts) - len(second)} before the kill, "
                      f"{len(second)} after the reconnect")
        finally:
            for proc in (server, worker):
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(30)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
            sock.close()
            db.dispose()
