"""Kannel, a client no one here wrote, against smsgw's SMPP server on real processes:

    sendsms (smsbox) -> bearerbox -> submit_sm -> `smsgw smpp-server` -> SQLite
    -> `smsgw worker` (simulator connector) -> receipt -> deliver_sm -> bearerbox -> dlr-url

and the other way, an inbound message (MO) to the account's number:

    `smsgw simulate inbound` -> `smsgw worker` (joins, routes, owes it) -> deliver_sm
    -> bearerbox -> smsbox's sms-service -> get-url

One gateway (a fresh SQLite database, the SMPP server, a delivery worker) and one Kannel serve
every case. Kannel's configuration is the one docs/smpp-server.md gives (tests/e2e/kannel.py).
Kannel's %F in the dlr-url is the SMSC's message id: ours, in decimal."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import func, select

from service.domain.clock import SystemClock
from service.domain.message import Message
from service.domain.status import MessageStatus
from service.persistence.engine import make_engine
from service.persistence.tables import messages, smpp_outbox
from service.persistence.uow import SqlUnitOfWorkFactory
from tests.e2e.conftest import ROOT, Server, listening_socket, stop_server
from tests.e2e.kannel import RAW_QUERY, DlrReceiver, Kannel, SmscLink, require_kannel

LOGIN, SMPP_PASSWORD = "kannel", "kpw-1234"
NUMBER = "+79000000077"                  # the account's inbound number
# Kannel's %d, the report types: delivered, undelivered, buffered (intermediate), SMSC ack/reject
DLR_DELIVERED, DLR_UNDELIVERED, DLR_BUFFERED = "1", "2", "4"
DLR_SMSC_ACK, DLR_SMSC_REJECT = "8", "16"


class Gateway:
    """A fresh SQLite database, `smsgw smpp-server` on a socket this test holds (so that the
    server can be restarted on the same port), and a delivery worker (simulator connector)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.url = f"sqlite:///{tmp / 'smsgw.db'}"
        self.env = {**os.environ, "SMSGW_DATABASE_URL": self.url,
                    "SMSGW_SIMULATOR_RECEIPT_DELAY_MS": "100"}
        self.cli = Server("", self.env).admin
        self.sock = listening_socket()
        self.host, self.port = self.sock.getsockname()[:2]
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self._uow = SqlUnitOfWorkFactory(make_engine(self.url, pool_size=1), SystemClock())

    def start_server(self) -> None:
        self.server = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "smpp-server", "--fd", str(self.sock.fileno())],
            cwd=ROOT, env=self.env, pass_fds=(self.sock.fileno(),), stdout=subprocess.PIPE,
            stderr=open(self.tmp / "smpp-server.log", "ab"), text=True)
        line = first_line(self.server, timeout=30)   # printed once it accepts connections
        assert line == f"smpp-server listening on {self.host}:{self.port}\n", (
            line + (self.tmp / "smpp-server.log").read_text())

    def stop_server(self) -> None:
        """SIGTERM: the server unbinds its sessions and exits 0."""
        stop_server(self.server)
        self.server.stdout.close()
        assert self.server.returncode == 0, (self.tmp / "smpp-server.log").read_text()

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "worker"], cwd=ROOT, env=self.env,
            stdout=subprocess.DEVNULL, stderr=open(self.tmp / "worker.log", "ab"))

    def stop_worker(self) -> None:
        stop_server(self.worker)
        assert self.worker.returncode == 0, (self.tmp / "worker.log").read_text()

    def messages(self, ids: list[int]) -> dict[int, Message]:
        """The messages as our own repositories read them from the database."""
        with self._uow() as u:
            account = u.accounts.get_by_login(LOGIN)
            return u.messages.get_many(account.id, ids)

    def parts_of(self, part: Message) -> list[int]:
        """The ids of every part stored with this part's recipient and concat reference."""
        with self._uow.engine.connect() as conn:
            rows = conn.execute(select(messages.c.id).where(
                messages.c.account_id == part.account_id,
                messages.c.recipient == part.recipient,
                messages.c.concat_ref == part.concat.reference))
            return [row.id for row in rows]

    def final(self, ids: list[int], timeout: float = 30) -> dict[int, Message]:
        """The messages once all are final (or as they are after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(ids)
            if (len(found) == len(ids) and all(m.status.final for m in found.values())
                    or time.monotonic() > deadline):
                return found
            time.sleep(0.05)  # a poll: the worker is another process

    def balance(self) -> Decimal:
        with self._uow() as u:
            return u.accounts.get_by_login(LOGIN).balance

    def outbox_rows(self) -> int:
        """How many deliver_sm (receipts and inbound messages) the SMPP outbox still owes."""
        with self._uow.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(smpp_outbox)).scalar_one()

    def outbox_drained(self, timeout: float = 30) -> int:
        """The outbox's row count once it is 0 (or as it is after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while (rows := self.outbox_rows()) and time.monotonic() < deadline:
            time.sleep(0.05)  # a poll: the server deletes a row when Kannel acknowledges it
        return rows


def first_line(proc: subprocess.Popen, timeout: float) -> str:
    """The first line ``proc`` prints, or '' if it exits or stays silent for ``timeout``."""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        return proc.stdout.readline() if sel.select(timeout) else ""


def _ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    require_kannel()
    gw = Gateway(tmp_path_factory.mktemp("kannel-gw"))
    _ok(gw.cli("db", "upgrade"))
    _ok(gw.cli("account", "create", LOGIN, "--password", "pw", "--balance", "100"))
    _ok(gw.cli("account", "set", LOGIN, "--smpp-password", SMPP_PASSWORD))
    _ok(gw.cli("number", "assign", NUMBER, LOGIN))
    try:
        gw.start_server()
        gw.start_worker()
        yield gw
    finally:
        for proc in (gw.worker, gw.server):
            if proc is not None and proc.poll() is None:
                stop_server(proc)
        gw.sock.close()
        gw._uow.engine.dispose()
    assert gw.server.returncode == 0, (gw.tmp / "smpp-server.log").read_text()
    assert gw.worker.returncode == 0, (gw.tmp / "worker.log").read_text()


@pytest.fixture(scope="module")
def dlr():
    receiver = DlrReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def kannel(gateway, dlr, tmp_path_factory):
    # The sms-service hands every MO to the same receiver: %p the handset (the call's ref),
    # %P our number, %b the text's octets as Kannel holds them (%a would squeeze spaces),
    # %c their coding, %u the UDH.
    mo_url = f"http://127.0.0.1:{dlr.port}/mo?ref=mo%p&from=%p&to=%P&bin=%b&coding=%c&udh=%u"
    k = Kannel(tmp_path_factory.mktemp("kannel"),
               SmscLink(gateway.host, gateway.port, LOGIN, SMPP_PASSWORD), get_url=mo_url).start()
    yield k
    k.stop()


def test_a_message_sent_through_kannel_is_delivered_and_its_receipt_reaches_the_dlr_url(
        gateway, kannel, dlr):
    before = gateway.balance()
    r = kannel.send("+79991234567", "Hello from Kannel", dlr_mask=31, dlr_url=dlr.url("one"))
    assert r.status_code == 202, r.text
    calls = dlr.wait_for("one", count=3, final=True)
    # dlr-mask 31: the SMSC ack (8) first, then the intermediate receipt (4, asked by
    # registered_delivery bit 0x10) and the final one (1). We send those two in order, but
    # smsbox calls the dlr-url from concurrent HTTP requests, so under load they may cross.
    assert calls[0]["type"] == DLR_SMSC_ACK, calls
    assert sorted(c["type"] for c in calls[1:]) == sorted([DLR_BUFFERED, DLR_DELIVERED]), calls
    [message_id] = {c["smsc_id"] for c in calls}   # submit_sm_resp and receipt: the same id
    assert message_id.isdigit()
    [final] = [c for c in calls if c["type"] == DLR_DELIVERED]
    assert f"id:{message_id} " in final["reply"] and "stat:DELIVRD" in final["reply"]
    assert final["to"] == "+79991234567"
    stored = gateway.messages([int(message_id)])[int(message_id)]
    assert (stored.recipient, stored.text, stored.sender) == (
        "+79991234567", "Hello from Kannel", "Kannel")
    assert stored.status is MessageStatus.DELIVERED and stored.segments == 1
    assert gateway.balance() == before - stored.cost


def test_an_undeliverable_message_comes_back_as_a_failure_report(gateway, kannel, dlr):
    kannel.send("+79991230000", "to nowhere", dlr_mask=3, dlr_url=dlr.url("undeliv"))
    [call] = dlr.wait_for("undeliv", final=True)
    assert call["type"] == DLR_UNDELIVERED and "stat:UNDELIV" in call["reply"], call
    stored = gateway.messages([int(call["smsc_id"])])[int(call["smsc_id"])]
    assert stored.status is MessageStatus.UNDELIVERABLE


def test_a_refused_submit_reaches_the_dlr_url_as_an_smsc_reject_and_costs_nothing(
        gateway, kannel, dlr):
    before = gateway.balance()
    kannel.send("+7999123", "too short a number", dlr_mask=31, dlr_url=dlr.url("refused"))
    [call] = dlr.wait_for("refused", final=True)
    assert (call["type"], call["smsc_id"]) == (DLR_SMSC_REJECT, ""), call
    assert call["reply"] == "NACK/0x0000000b/Invalid Destination Address"   # ESME_RINVDSTADR
    assert gateway.balance() == before


def test_kannel_split_parts_are_billed_one_segment_each_and_delivered(gateway, kannel, dlr):
    text = "".join(f"{i:03d} part of a long text. " for i in range(14))   # 350 GSM chars
    before = gateway.balance()
    kannel.send("+79991234568", text, dlr_mask=3, dlr_url=dlr.url("long"))
    # Kannel asks a receipt for the first part only (and reports nothing of the others).
    [call] = dlr.wait_for("long", final=True)
    assert call["type"] == DLR_DELIVERED, call
    first = gateway.messages([int(call["smsc_id"])])[int(call["smsc_id"])]
    assert first.concat is not None and (first.concat.total, first.concat.sequence) == (3, 1)
    ordered = sorted(gateway.final(gateway.parts_of(first)).values(),
                     key=lambda m: m.concat.sequence)
    assert [(m.concat.total, m.concat.sequence) for m in ordered] == [(3, 1), (3, 2), (3, 3)]
    assert "".join(m.text for m in ordered) == text
    assert [m.segments for m in ordered] == [1, 1, 1]
    assert gateway.balance() == before - sum(m.cost for m in ordered)
    assert {m.status for m in ordered} == {MessageStatus.DELIVERED}


def test_parts_the_client_numbered_each_get_a_receipt(gateway, kannel, dlr):
    words = ("first half, ", "second half")
    for seq, word in enumerate(words, 1):
        kannel.send("+79991234569", word, coding=0, udh=bytes([5, 0, 3, 0x7E, 2, seq]),
                    dlr_mask=3, dlr_url=dlr.url(f"udh{seq}"))
    calls = dlr.wait_for("udh1", final=True) + dlr.wait_for("udh2", final=True)
    assert [c["type"] for c in calls] == [DLR_DELIVERED, DLR_DELIVERED], calls
    ids = [int(c["smsc_id"]) for c in calls]
    parts = gateway.messages(ids)
    assert [(parts[i].text, parts[i].concat.sequence, parts[i].segments) for i in ids] == [
        (words[0], 1, 1), (words[1], 2, 1)]
    assert {parts[i].status for i in ids} == {MessageStatus.DELIVERED}


def test_a_ucs2_text_arrives_intact(gateway, kannel, dlr):
    text = "Привет, мир! ✓ 😀"
    kannel.send("+79991234570", text, coding=2, charset="UTF-8", dlr_mask=3,
                dlr_url=dlr.url("ucs2"))
    [call] = dlr.wait_for("ucs2", final=True)
    assert call["type"] == DLR_DELIVERED, call
    stored = gateway.messages([int(call["smsc_id"])])[int(call["smsc_id"])]
    assert stored.text == text and stored.status is MessageStatus.DELIVERED


def mo_text(call: dict[str, str]) -> str:
    """The text Kannel handed its sms-service, from %b (the octets) read by %c (the coding):
    UTF-16BE for UCS-2 (2), else the UTF-8 Kannel converts GSM 03.38 into."""
    [octets] = [v.encode("latin-1") for k, v in parse_qsl(call[RAW_QUERY], encoding="latin-1")
                if k == "bin"]
    return octets.decode("utf-16-be" if call["coding"] == "2" else "utf-8")


def inject_mo(gateway: Gateway, handset: str, text: str, parts: int = 1) -> None:
    """An MO from ``handset`` to our number, as the simulator carrier hands it over; the
    running worker joins, routes and stores it and owes it to the account's SMPP session."""
    _ok(gateway.cli("simulate", "inbound", "--from", handset, "--to", NUMBER, "--text", text,
                    "--parts", str(parts)))


@pytest.mark.parametrize(("handset", "text", "parts", "coding"), [
    ("+79991110001", "Yes, see you at 10:30 @ the café (£5)!", 1, "0"),
    ("+79991110002", "Да, буду в 10:30. Спасибо!", 1, "2"),
    ("+79991110003", "".join(f"{i:02d} a long reply, joined by smsgw. " for i in range(7)), 2,
     "0"),
    ("+79991110004", "Длинный ответ: " + "съешь ещё этих мягких булок. " * 4, 2, "2"),
], ids=["gsm", "ucs2", "long-gsm", "long-ucs2"])
def test_an_inbound_message_reaches_kannels_sms_service_unchanged(
        gateway, kannel, dlr, handset, text, parts, coding):
    inject_mo(gateway, handset, text, parts)
    calls = dlr.wait_for(f"mo{handset}")
    assert len(calls) == 1, f"{calls}\n{kannel.logs()}"
    [call] = calls
    assert (call["from"], call["to"], call["coding"]) == (handset, NUMBER, coding), call
    assert mo_text(call) == text, call
    assert call["udh"] == "", call              # one whole message, no parts left to join
    assert gateway.outbox_drained() == 0        # Kannel's deliver_sm_resp removed it


def test_a_receipt_owed_while_kannel_was_away_reaches_it_after_it_binds_again(
        gateway, kannel, dlr):
    gateway.stop_worker()                   # the message waits, stored, until Kannel is gone
    kannel.send("+79991234572", "while you were away", dlr_mask=11, dlr_url=dlr.url("away"))
    [ack] = dlr.wait_for("away")
    assert ack["type"] == DLR_SMSC_ACK, ack
    gateway.stop_server()                   # Kannel's link drops; it keeps its DLR entry
    gateway.start_worker()
    message_id = int(ack["smsc_id"])
    [stored] = gateway.final([message_id]).values()
    assert stored.status is MessageStatus.DELIVERED   # its receipt is owed to no session
    assert [c["type"] for c in dlr.calls if c["ref"] == "away"] == [DLR_SMSC_ACK]
    gateway.start_server()                  # Kannel reconnects (reconnect-delay = 1)
    calls = dlr.wait_for("away", final=True)
    assert [c["type"] for c in calls] == [DLR_SMSC_ACK, DLR_DELIVERED], calls
    assert calls[1]["smsc_id"] == str(message_id) and "stat:DELIVRD" in calls[1]["reply"]
