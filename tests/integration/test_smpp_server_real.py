"""The SMPP server over the real use cases (SmppBinds, SubmitService, CancelService,
SmppOutboxQueue) as ``smsgw smpp-server`` builds them, on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest

from service.api.smpp.runner import ServerThread
from service.bootstrap import build_container, build_smpp_server
from service.config import Settings
from service.persistence.migrate import upgrade
from service.protocols.smpp import pdu as p
from tests.integration.smpp_doubles import RawClient, cancel_body, query_body, submit_body

SMPP_PASSWORD = "sekret1"


@pytest.fixture
def gateway(database_url):
    settings = Settings(database_url=database_url, rate_send_per_minute=1000)
    admin = build_container(settings)
    upgrade(admin.engine)
    accounts = admin.use_cases.accounts
    for login, balance in (("alice", "10"), ("broke", "0"), ("nosmpp", "10"), ("one", "10")):
        accounts.create(login, "pw", Decimal(balance))
        if login != "nosmpp":
            accounts.configure(login, smpp_password=SMPP_PASSWORD)
    accounts.configure("one", smpp_max_binds=1)
    services, options = build_smpp_server(settings)
    sock = socket.create_server(("127.0.0.1", 0))
    server = ServerThread(services, options, [(sock, None)])
    (_, port), = server.start()
    clients: list[RawClient] = []

    def client(login: str | None = None, command: int = p.BIND_TRANSCEIVER) -> RawClient:
        clients.append(RawClient(port))
        if login is not None:
            assert clients[-1].bind(login, SMPP_PASSWORD, command).status == p.ESME_ROK
        return clients[-1]
    yield admin, client
    for cl in clients:
        cl.close()
    server.stop()
    admin.engine.dispose()


def test_binds_check_the_smpp_password_blocking_and_the_bind_limit(gateway):
    admin, client = gateway
    assert client().bind("alice", "wrong").status == p.ESME_RINVPASWD
    assert client().bind("nobody", SMPP_PASSWORD).status == p.ESME_RINVPASWD
    assert client().bind("nosmpp", "pw").status == p.ESME_RINVPASWD   # the web password: no
    client("one")
    assert client().bind("one", SMPP_PASSWORD).status == p.ESME_RBINDFAIL   # one bind at most
    admin.use_cases.accounts.configure("alice", blocked=True)
    assert client().bind("alice", SMPP_PASSWORD).status == p.ESME_RBINDFAIL


def test_a_submit_is_stored_and_debited_before_it_is_answered(gateway):
    admin, client = gateway
    cl = client("alice")
    resp = cl.submit("79991234567", b"hello", registered=1)
    assert resp.status == p.ESME_ROK
    message_id = int(resp.body.rstrip(b"\0"))
    alice = admin.use_cases.accounts.show("alice")
    stored = admin.use_cases.submit.find(alice.id, message_id)
    assert stored is not None and (stored.recipient, stored.text, stored.receipt_request) == (
        "+79991234567", "hello", 1)
    assert alice.balance == Decimal("9")


def test_a_window_of_submits_is_answered_each_with_its_own_id(gateway):
    _, client = gateway
    cl = client("alice")
    for i in range(8):
        cl.send(p.SUBMIT_SM, submit_body(f"7999123456{i}", f"text {i}".encode()), sequence=100 + i)
    answers = {pdu.sequence: pdu for pdu in (cl.read_skipping_enquire() for _ in range(8))}
    assert sorted(answers) == list(range(100, 108))
    ids = {a.body for a in answers.values() if a.status == p.ESME_ROK}
    assert len(ids) == 8


def test_no_funds_is_rsubmitfail_and_nothing_is_stored(gateway):
    _, client = gateway
    resp = client("broke").submit()
    assert (resp.status, resp.body) == (p.ESME_RSUBMITFAIL, b"")


def test_query_and_cancel_of_a_scheduled_message(gateway):
    admin, client = gateway
    cl = client("alice")
    resp = cl.submit(schedule="000001000000000R")
    mid = resp.body.rstrip(b"\0").decode()
    cl.send(p.QUERY_SM, query_body(mid))
    assert cl.read_skipping_enquire().body == mid.encode() + b"\0\0\x01\x00"   # ENROUTE
    cl.send(p.CANCEL_SM, cancel_body(mid))
    assert cl.read_skipping_enquire().status == p.ESME_ROK
    assert admin.use_cases.accounts.show("alice").balance == Decimal("10")      # refunded
    cl.send(p.CANCEL_SM, cancel_body(mid))
    assert cl.read_skipping_enquire().status == p.ESME_RCANCELFAIL
    cl.send(p.QUERY_SM, query_body(mid))
    body = cl.read_skipping_enquire().body
    assert body.endswith(b"\0\x04\x04")                                        # DELETED, err 004
    other = client("one")
    other.send(p.QUERY_SM, query_body(mid))
    assert other.read_skipping_enquire().status == p.ESME_RQUERYFAIL          # not theirs


def test_a_message_refused_at_submit_owes_its_receipt_to_the_next_receiver(gateway):
    from service.app.access.auth import Credentials
    admin, client = gateway
    admin.use_cases.address_book.add_to_blacklist(Credentials("alice", "pw"), ["+79990000000"])
    tx = client("alice", p.BIND_TRANSMITTER)
    resp = tx.submit("79990000000", b"to a banned number", registered=1)
    assert resp.status == p.ESME_ROK                  # stored (BANNED) and billed nothing
    mid = resp.body.rstrip(b"\0")
    rx = client("alice", p.BIND_RECEIVER)
    receipt = rx.read_skipping_enquire()
    assert receipt.command_id == p.DELIVER_SM
    assert b"id:" + mid + b" " in receipt.body and b"stat:REJECTD" in receipt.body
    rx.send(p.DELIVER_SM | p.RESP, b"\0", sequence=receipt.sequence)
    tx.send(p.QUERY_SM, query_body(mid.decode()))
    assert tx.read_skipping_enquire().body.endswith(b"\0\x08\x08")   # REJECTED, err 008
