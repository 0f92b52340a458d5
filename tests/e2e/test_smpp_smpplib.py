"""smpplib, a client no one here wrote, against `smsgw smpp-server` and a delivery worker on a
fresh SQLite database: bind, submit single and multipart (GSM and UCS-2), receipts for every
part id, query_sm, cancel_sm, throttling in segments, and receipts that waited for a reconnect."""

from __future__ import annotations

import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field

import pytest
import smpplib.client
import smpplib.consts
import smpplib.gsm

from tests.e2e.conftest import ROOT, listening_socket, run_cli_in_process

PASSWORD = "s3cret"


@dataclass
class Gateway:
    env: dict
    port: int
    server: subprocess.Popen
    log: object

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """`smsgw ARGS` in this process (see conftest's Server.admin)."""
        return run_cli_in_process(self.env, *args)

    def account(self, login: str, balance: str = "100", *options: str) -> str:
        assert self.cli("account", "create", login, "--password", "pw",
                        "--balance", balance).returncode == 0
        r = self.cli("account", "set", login, "--smpp-password", PASSWORD, *options)
        assert r.returncode == 0, r.stderr
        return login


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("smpp")
    env = {**os.environ, "SMSGW_DATABASE_URL": f"sqlite:///{tmp / 'smpp.db'}",
           "SMSGW_SIMULATOR_RECEIPT_DELAY_MS": "100", "SMSGW_SMPP_SERVER_BIND": "",
           "SMSGW_SMPP_SERVER_RESPONSE_TIMEOUT_SECONDS": "5", "SMSGW_LOG_LEVEL": "info"}
    upgrade = run_cli_in_process(env, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    log = open(tmp / "smpp-server.log", "wb")
    with listening_socket() as sock:
        server = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "smpp-server", "--fd", str(sock.fileno())],
            env=env, cwd=ROOT, pass_fds=(sock.fileno(),), stdout=subprocess.PIPE, stderr=log)
        port = sock.getsockname()[1]
    line = server.stdout.readline().decode()
    assert line == f"smpp-server listening on 127.0.0.1:{port}\n", (tmp / "smpp-server.log"
                                                                    ).read_text()
    worker = subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=open(tmp / "worker.log", "wb"))
    yield Gateway(env, port, server, log)
    worker.terminate()
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
    assert worker.wait(timeout=30) == 0


@dataclass
class Esme:
    """An smpplib client that records what it hears instead of acting on it."""

    port: int
    sent: dict[int, tuple[int, str]] = field(default_factory=dict)   # sequence -> (status, id)
    receipts: list = field(default_factory=list)
    queries: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client = smpplib.client.Client("127.0.0.1", self.port, timeout=2,
                                            allow_unknown_opt_params=True)
        self.client.set_message_sent_handler(self._sent)
        self.client.set_message_received_handler(self._received)
        self.client.set_query_resp_handler(self.queries.append)
        self.client.set_error_pdu_handler(lambda pdu: None)  # recorded by the handlers
        self.client.connect()

    def _sent(self, pdu) -> None:
        mid = pdu.message_id.decode() if isinstance(pdu.message_id, bytes) else pdu.message_id
        self.sent[pdu.sequence] = (pdu.status, (mid or "").strip("\0"))

    def _received(self, pdu) -> int:
        self.receipts.append(pdu)
        return 0

    def until(self, predicate, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, "timed out"
            self.client.read_once()   # blocks on the socket; on its timeout it sends enquire_link

    def submit(self, text: str, destination: str = "79991234567", **extra) -> list[int]:
        parts, coding, esm_class = smpplib.gsm.make_parts(text)
        sequences = []
        for part in parts:
            pdu = self.client.send_message(
                source_addr_ton=smpplib.consts.SMPP_TON_ALNUM, source_addr="SHOP",
                dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN, destination_addr=destination,
                short_message=part, data_coding=coding, esm_class=esm_class,
                registered_delivery=1, **extra)
            sequences.append(pdu.sequence)
        self.until(lambda: all(s in self.sent for s in sequences))
        return sequences

    def ids(self, sequences: list[int]) -> list[str]:
        assert [self.sent[s][0] for s in sequences] == [0] * len(sequences), self.sent
        return [self.sent[s][1] for s in sequences]

    def receipt_ids(self) -> dict[str, bytes]:
        found = {}
        for pdu in self.receipts:
            rid = pdu.receipted_message_id
            rid = (rid.decode() if isinstance(rid, bytes) else str(rid)).strip("\0")
            found[rid] = pdu.short_message
        return found

    def close(self) -> None:
        try:
            self.client.unbind()
        finally:
            self.client.disconnect()


def transceiver(gateway: Gateway, login: str) -> Esme:
    esme = Esme(gateway.port)
    esme.client.bind_transceiver(system_id=login, password=PASSWORD)
    return esme


def test_bind_submit_and_get_the_receipt_with_our_decimal_id(gateway):
    esme = transceiver(gateway, gateway.account("single"))
    [mid] = esme.ids(esme.submit("Hello from smpplib"))
    assert re.fullmatch(r"[1-9][0-9]*", mid)
    esme.until(lambda: mid in esme.receipt_ids())
    text = esme.receipt_ids()[mid].decode()
    assert text.startswith(f"id:{mid} sub:001 dlvrd:001 ") and "stat:DELIVRD err:000" in text
    receipt = esme.receipts[0]
    assert receipt.esm_class == 0x04 and receipt.source_addr in (b"79991234567", "79991234567")
    esme.client.query_message(message_id=mid, source_addr_ton=5, source_addr="SHOP")
    esme.until(lambda: esme.queries)
    assert esme.queries[0].message_state == 2   # DELIVERED
    esme.close()


@pytest.mark.parametrize("text, parts", [("Long GSM text, " * 14, 2), ("Привет, мир! " * 10, 2)])
def test_multipart_gsm_and_ucs2_get_an_id_and_a_receipt_per_part(gateway, text, parts):
    login = gateway.account("multi" + str(len(text)))
    esme = transceiver(gateway, login)
    ids = esme.ids(esme.submit(text))
    assert len(ids) == parts and len(set(ids)) == parts
    esme.until(lambda: set(ids) <= set(esme.receipt_ids()))
    shown = gateway.cli("account", "show", login).stdout
    assert "98.0000" in shown  # billed per segment (1.00 each), not once per message
    esme.close()


def test_throttling_counts_segments_and_answers_rthrottled(gateway):
    login = gateway.account("throttled", "100", "--rate-send", "3")
    esme = transceiver(gateway, login)
    first = esme.submit("Long GSM text, " * 14)            # 2 segments of the 3
    assert [esme.sent[s][0] for s in first] == [0, 0]
    second = esme.submit("Long GSM text, " * 14)           # 2 more: over the limit
    statuses = [esme.sent[s][0] for s in second]
    assert smpplib.consts.SMPP_ESME_RTHROTTLED in statuses
    esme.close()


class RawTransmitter:
    """query_sm and cancel_sm over a raw transmitter bind: smpplib has no cancel_sm, and sends
    query_sm only on receiver binds (its own restriction; SMPP 3.4 says transmitter)."""

    def __init__(self, port: int, login: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sequence = 0
        assert self.call(0x02, login.encode() + b"\0" + PASSWORD.encode() + b"\0\0\x34\0\0\0"
                         )[:2] == (0x80000002, 0)

    def call(self, command_id: int, body: bytes) -> tuple[int, int, bytes]:
        self.sequence += 1
        self.sock.sendall(struct.pack(">IIII", 16 + len(body), command_id, 0, self.sequence)
                          + body)
        while True:
            header = self._exactly(16)
            length, cid, status, seq = struct.unpack(">IIII", header)
            rest = self._exactly(length - 16)
            if cid == 0x15:  # our enquire_link: answer it and read on
                self.sock.sendall(struct.pack(">IIII", 16, 0x80000015, 0, seq))
                continue
            return cid, status, rest

    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            assert chunk, "the server closed the connection"
            data += chunk
        return data

    def cancel(self, message_id: str) -> int:
        cid, status, _ = self.call(0x08, b"\0" + message_id.encode() + b"\0\0\0\0\0\0\0")
        assert cid == 0x80000008
        return status

    def state(self, message_id: str) -> int:
        """message_state of query_sm_resp (2 DELIVERED, 1 ENROUTE, 6 ACCEPTED ...)."""
        cid, status, body = self.call(0x03, message_id.encode() + b"\0\x05\x00SHOP\0")
        assert (cid, status) == (0x80000003, 0)
        return body.split(b"\0", 2)[2][0]

    def close(self) -> None:
        self.sock.close()


def test_cancel_sm_cancels_a_scheduled_message_once_and_refunds_it(gateway):
    login = gateway.account("canceller", "10")
    esme = transceiver(gateway, login)
    [mid] = esme.ids(esme.submit("Later", schedule_delivery_time="000001000000000R"))
    assert "9.0000" in gateway.cli("account", "show", login).stdout
    raw = RawTransmitter(gateway.port, login)
    assert raw.cancel(mid) == 0
    assert "10.0000" in gateway.cli("account", "show", login).stdout
    assert raw.cancel(mid) == 0x11                               # ESME_RCANCELFAIL
    assert raw.cancel("999999999") == 0x11
    assert raw.state(mid) == 4                                   # DELETED
    raw.close()
    esme.close()


def test_receipts_that_waited_reach_the_client_when_it_binds_again(gateway):
    login = gateway.account("reconnect")
    tx = Esme(gateway.port)
    tx.client.bind_transmitter(system_id=login, password=PASSWORD)
    ids = tx.ids(tx.submit("Waiting receipt one")) + tx.ids(tx.submit("Waiting receipt two"))
    tx.close()
    # the worker delivers while nobody can receive; the receipts wait in the queue
    probe = RawTransmitter(gateway.port, login)
    deadline = time.monotonic() + 60
    while [probe.state(mid) for mid in ids] != [2, 2]:
        assert time.monotonic() < deadline
        time.sleep(0.2)  # a poll: the worker is another process
    probe.close()
    rx = Esme(gateway.port)
    rx.client.bind_receiver(system_id=login, password=PASSWORD)
    rx.until(lambda: set(ids) <= set(rx.receipt_ids()))
    assert [r for r in rx.receipt_ids()] == ids           # oldest first
    rx.close()


def test_serve_starts_the_smpp_server_and_prints_the_demo_accounts_smpp_login(tmp_path):
    from tests.e2e.conftest import candidate_port
    from tests.e2e.test_cli_and_serve import Serve
    smpp_port = candidate_port()
    serve = Serve(tmp_path, env={"SMSGW_SMPP_SERVER_BIND": f"127.0.0.1:{smpp_port}"})
    try:
        serve.wait_ready()
        deadline = time.monotonic() + 60
        while f"smpp-server listening on 127.0.0.1:{smpp_port}" not in serve.out.read_text():
            assert time.monotonic() < deadline and serve.proc.poll() is None, serve.err.read_text()
            time.sleep(0.1)  # a poll: the line comes from serve's child
        banner = serve.out.read_text()
        found = re.search(rf"SMPP: 127\.0\.0\.1:{smpp_port}  system_id: demo  password: (\S+)",
                          banner)
        assert found, banner
        esme = Esme(smpp_port)
        esme.client.bind_transceiver(system_id="demo", password=found.group(1))
        [mid] = esme.ids(esme.submit("Hello from serve"))
        assert mid.isdigit()
        esme.close()
        children = subprocess.run(["pgrep", "-P", str(serve.proc.pid)], capture_output=True,
                                  text=True).stdout.split()
        assert len(children) == 3  # gunicorn, the worker, the SMPP server
        os.killpg(serve.proc.pid, signal.SIGINT)
        assert serve.proc.wait(timeout=40) == 0, serve.err.read_text()
    finally:
        serve.stop()
