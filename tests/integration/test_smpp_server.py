"""The SMPP server door over raw sockets, against in-memory doubles of its use cases: binds,
submit_sm and its group commit, query_sm, cancel_sm, the error table, every bad PDU of
issue 13, the timers, the bind-flood guard, receipts with their window, and shutdown."""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from service.protocols.smpp import pdu as p
from tests.integration.smpp_doubles import (
    RawClient,
    bind_body,
    cancel_body,
    doubles,
    query_body,
    start_server,
    submit_body,
)


@pytest.fixture
def world():
    d = doubles()
    server, port = start_server(d)
    clients: list[RawClient] = []

    def client() -> RawClient:
        clients.append(RawClient(port))
        return clients[-1]
    yield d, server, client
    for cl in clients:
        cl.close()
    server.stop()


def bound(client, login="alice", password="secret", command=p.BIND_TRANSCEIVER) -> RawClient:
    cl = client()
    assert cl.bind(login, password, command).status == p.ESME_ROK
    return cl


# -- binds -------------------------------------------------------------------------------------

def test_a_transceiver_binds_with_the_accounts_smpp_password_and_learns_our_system_id(world):
    d, _, client = world
    resp = client().bind("alice", "secret")
    assert (resp.command_id, resp.status) == (p.BIND_TRANSCEIVER | p.RESP, p.ESME_ROK)
    assert resp.body.startswith(b"smsgw\0")
    assert struct.pack(">HHB", p.TAG_SC_INTERFACE_VERSION, 1, 0x34) in resp.body
    assert [s.login for s in d.binds.active.values()] == ["alice"]


@pytest.mark.parametrize("login, password", [("alice", "wrong"), ("nobody", "secret"),
                                             ("", ""), ("a" * 64, "b" * 64)])
def test_an_unknown_login_and_a_wrong_password_get_the_same_answer(world, login, password):
    _, _, client = world
    resp = client().bind(login, password)
    assert (resp.command_id, resp.status, resp.body) == (p.BIND_TRANSCEIVER | p.RESP,
                                                         p.ESME_RINVPASWD, b"")


def test_a_blocked_account_is_refused_with_bindfail_and_may_retry_on_the_same_connection(world):
    d, _, client = world
    d.binds.blocked.add(1)
    cl = client()
    assert cl.bind().status == p.ESME_RBINDFAIL
    d.binds.blocked.clear()
    assert cl.bind().status == p.ESME_ROK
    assert cl.bind().status == p.ESME_RALYBND  # a second bind on a bound session


def test_a_system_id_over_64_octets_is_rinvsysid_and_a_cut_bind_is_rinvcmdlen(world):
    _, _, client = world
    cl = client()
    cl.send(p.BIND_TRANSMITTER, b"x" * 80 + b"\0pw\0\0\x34\0\0\0")
    assert cl.read().status == p.ESME_RINVSYSID
    cl.send(p.BIND_TRANSMITTER, b"alice\0secret\0")
    assert cl.read().status == p.ESME_RINVCMDLEN
    assert cl.bind().status == p.ESME_ROK


# -- submit_sm -------------------------------------------------------------------------------

def test_submit_sm_is_answered_with_our_decimal_id_after_the_commit(world):
    d, _, client = world
    cl = bound(client)
    resp = cl.submit("79991234567", b"hello", schedule="000000000500000R",
                     validity="261202120000000+", registered=0x11)
    assert (resp.command_id, resp.status) == (p.SUBMIT_SM | p.RESP, p.ESME_ROK)
    message_id = int(resp.body.rstrip(b"\0"))
    account_id, s = d.submit.stored[message_id]  # stored before it was answered
    assert (account_id, s.recipient, s.text, s.sender, s.receipt_request) == (
        1, "+79991234567", "hello", "SENDER", 0x11)
    assert s.ip == "127.0.0.1"
    assert s.scheduled_at is not None and s.valid_until is not None


def test_submit_sm_before_a_bind_and_on_a_receiver_bind_is_rinvbndsts(world):
    _, _, client = world
    assert client().submit().status == p.ESME_RINVBNDSTS
    rx = bound(client, command=p.BIND_RECEIVER)
    resp = rx.submit()
    assert (resp.command_id, resp.status) == (p.SUBMIT_SM | p.RESP, p.ESME_RINVBNDSTS)
    for command in (p.QUERY_SM, p.CANCEL_SM):
        rx.send(command, b"")
        assert rx.read().status == p.ESME_RINVBNDSTS


@pytest.mark.parametrize("destination, status", [
    ("70000000001", p.ESME_RSUBMITFAIL),     # insufficient funds
    ("70000000002", p.ESME_RTHROTTLED),      # rate limited
    ("70000000003", p.ESME_RINVDSTADR),      # invalid number
    ("70000000004", p.ESME_RSYSERR),         # a domain error without a better row
])
def test_domain_errors_are_answered_through_the_one_table(world, destination, status):
    _, _, client = world
    resp = bound(client).submit(destination)
    assert (resp.status, resp.body) == (status, b"")


def test_an_invalid_sender_and_a_text_too_long_for_the_account(world):
    _, _, client = world
    cl = bound(client)
    assert cl.submit(source="BAD!").status == p.ESME_RINVSRCADR
    payload = struct.pack(">HH", p.TAG_MESSAGE_PAYLOAD, 400) + b"a" * 400
    assert cl.submit(text=b"", tlvs=payload).status == p.ESME_RINVMSGLEN


@pytest.mark.parametrize("body, status", [
    (submit_body(source="S" * 21), p.ESME_RINVSRCADR),
    (submit_body(source=b"S\x01"), p.ESME_RINVSRCADR),
    (submit_body(destination="7" * 21), p.ESME_RINVDSTADR),
    (submit_body(destination=""), p.ESME_RINVDSTADR),
    (submit_body(destination=b"7999\xff"), p.ESME_RINVDSTADR),
    (submit_body(text=b"x" * 255), p.ESME_RINVMSGLEN),                 # sm_length 255
    (submit_body(text=b"short", sm_length=200), p.ESME_RINVMSGLEN),    # past the body
    (submit_body(schedule="garbage"), p.ESME_RINVSCHED),
    (submit_body(validity="991399999999999+"), p.ESME_RINVEXPIRY),
    (submit_body(tlvs=b"\x04\x24\x00\x10ab"), p.ESME_RINVTLVSTREAM),   # TLV past the body
    (submit_body(data_coding=0x08, text=b"\x04"), p.ESME_RINVMSGLEN),   # half a UCS-2 char
    (submit_body(data_coding=0x04), p.ESME_RSUBMITFAIL),               # 8-bit binary: no text
    (submit_body(tlvs=b"\x04\x24\x00\x02ab"), p.ESME_RINVMSGLEN),    # two texts at once
])
def test_bad_submit_sm_fields_are_answered_and_the_session_goes_on(world, body, status):
    _, _, client = world
    cl = bound(client)
    cl.send(p.SUBMIT_SM, body)
    resp = cl.read()
    assert (resp.command_id, resp.status) == (p.SUBMIT_SM | p.RESP, status)
    assert cl.submit().status == p.ESME_ROK


def test_every_truncation_of_a_submit_sm_body_is_rinvcmdlen_or_a_field_error(world):
    _, _, client = world
    cl = bound(client)
    body = submit_body()
    for cut in range(len(body)):
        cl.send(p.SUBMIT_SM, body[:cut])
        resp = cl.read()
        assert resp.command_id == p.SUBMIT_SM | p.RESP
        assert resp.status in (p.ESME_RINVCMDLEN, p.ESME_RINVMSGLEN, p.ESME_RINVDSTADR), cut
    assert cl.submit().status == p.ESME_ROK


def test_a_full_queue_is_answered_with_rmsgqful_at_once(world):
    d, _, _ = world
    d2 = doubles()
    server, port = start_server(d2, max_pending=2)
    try:
        d2.submit.gate = threading.Event()
        cl = RawClient(port)
        assert cl.bind().status == p.ESME_ROK
        cl.send(p.SUBMIT_SM, submit_body())
        assert d2.submit.entered.wait(10)          # the committer holds the first one
        for _ in range(5):
            cl.send(p.SUBMIT_SM, submit_body())
        refused = [cl.read() for _ in range(3)]    # answered before any commit returns
        assert [r.status for r in refused] == [p.ESME_RMSGQFUL] * 3
        d2.submit.gate.set()
        rest = [cl.read() for _ in range(3)]
        assert [r.status for r in rest] == [p.ESME_ROK] * 3
        cl.close()
    finally:
        server.stop()


def test_submits_waiting_together_are_committed_in_one_transaction(world):
    d, _, client = world
    d.submit.gate = threading.Event()
    cl = bound(client)
    cl.send(p.SUBMIT_SM, submit_body())
    assert d.submit.entered.wait(10)
    for _ in range(20):
        cl.send(p.SUBMIT_SM, submit_body())
    d.submit.gate.set()
    answers = [cl.read() for _ in range(21)]
    assert all(a.status == p.ESME_ROK for a in answers)
    assert [len(b) for b in d.submit.batches] == [1, 20]


# -- framing ---------------------------------------------------------------------------------

@pytest.mark.parametrize("length", [0, 15, p.MAX_COMMAND_LENGTH + 1, 0xFFFFFFFF])
def test_a_command_length_out_of_range_is_nacked_and_the_connection_closes(world, length):
    _, _, client = world
    other = bound(client, "bob", "pw")
    cl = client()
    cl.send_raw(struct.pack(">IIII", length, p.SUBMIT_SM, 0, 7))
    resp = cl.read()
    assert (resp.command_id, resp.status, resp.sequence) == (p.GENERIC_NACK, p.ESME_RINVCMDLEN, 7)
    assert cl.closed_by_server()
    assert other.submit().status == p.ESME_ROK   # another session is undisturbed


def test_unknown_and_unsupported_commands_get_generic_nack_rinvcmdid(world):
    _, _, client = world
    cl = bound(client)
    for command in (0x00000077, p.SUBMIT_MULTI, p.DATA_SM, p.REPLACE_SM, p.DELIVER_SM):
        seq = cl.send(command, b"\0" * 5)
        resp = cl.read()
        assert (resp.command_id, resp.status, resp.sequence) == (p.GENERIC_NACK,
                                                                 p.ESME_RINVCMDID, seq)
    assert cl.submit().status == p.ESME_ROK


def test_a_pdu_split_across_many_writes_is_reassembled(world):
    _, _, client = world
    cl = bound(client)
    data = p.pack(p.SUBMIT_SM, 0, 99, submit_body())
    for i in range(len(data)):
        cl.send_raw(data[i:i + 1])
    resp = cl.read()
    assert (resp.sequence, resp.status) == (99, p.ESME_ROK)


# -- query_sm and cancel_sm ------------------------------------------------------------------

def test_query_sm_reports_the_state_of_our_own_messages_only(world):
    _, _, client = world
    cl = bound(client)
    queued = cl.submit(text=b"hello").body.rstrip(b"\0").decode()
    done = cl.submit(text=b"delivered").body.rstrip(b"\0").decode()
    cl.send(p.QUERY_SM, query_body(queued))
    assert cl.read().body == queued.encode() + b"\0\0\x01\x00"          # ENROUTE, no date
    cl.send(p.QUERY_SM, query_body(done))
    body = cl.read().body
    assert body.startswith(done.encode() + b"\0") and body.endswith(b"\0\x02\x00")
    assert body.split(b"\0")[1].endswith(b"000+")                       # final_date, UTC
    other = bound(client, "bob", "pw")
    other.send(p.QUERY_SM, query_body(queued))
    assert other.read().status == p.ESME_RQUERYFAIL
    for bad in ("abc", "0x10", "-1", "9" * 30):
        cl.send(p.QUERY_SM, query_body(bad))
        assert cl.read().status == p.ESME_RINVMSGID


def test_cancel_sm_cancels_once_and_refuses_unknown_ids(world):
    d, _, client = world
    cl = bound(client)
    mid = cl.submit().body.rstrip(b"\0").decode()
    cl.send(p.CANCEL_SM, cancel_body(mid))
    assert (cl.read().command_id, d.cancel.cancelled) == (p.CANCEL_SM | p.RESP, [int(mid)])
    cl.send(p.CANCEL_SM, cancel_body(mid))
    assert cl.read().status == p.ESME_RCANCELFAIL
    cl.send(p.CANCEL_SM, cancel_body("424242"))
    assert cl.read().status == p.ESME_RCANCELFAIL
    cl.send(p.CANCEL_SM, cancel_body(""))
    assert cl.read().status == p.ESME_RCANCELFAIL


# -- links, timers, floods -------------------------------------------------------------------

def test_enquire_link_and_unbind_are_answered(world):
    d, _, client = world
    cl = bound(client)
    seq = cl.send(p.ENQUIRE_LINK)
    assert (cl.read().command_id, cl.sequence) == (p.ENQUIRE_LINK | p.RESP, seq)
    cl.send(p.UNBIND)
    assert cl.read().command_id == p.UNBIND | p.RESP
    assert cl.closed_by_server()
    assert d.binds.wait_for(lambda: not d.binds.active)   # the session no longer counts


def test_a_half_open_peer_is_asked_with_enquire_link_and_dropped_while_others_live():
    d = doubles()
    server, port = start_server(d, enquire_link_seconds=0.2, response_timeout_seconds=0.3)
    try:
        silent, lively = RawClient(port), RawClient(port)
        assert silent.bind().status == lively.bind("bob", "pw").status == p.ESME_ROK
        done, statuses = threading.Event(), []

        def keep_sending() -> None:  # answers our enquire_links while it submits
            while not done.is_set():
                statuses.append(lively.submit().status)
        sender = threading.Thread(target=keep_sending)
        sender.start()
        assert silent.read().command_id == p.ENQUIRE_LINK     # we ask a silent peer...
        assert silent.closed_by_server()                      # ...and drop it without an answer
        done.set()
        sender.join(10)
        assert statuses and set(statuses) == {p.ESME_ROK}
        lively.close()
    finally:
        server.stop()


def test_a_connection_that_does_not_bind_in_time_is_closed():
    d = doubles()
    server, port = start_server(d, bind_timeout_seconds=0.2)
    try:
        assert RawClient(port).closed_by_server()
    finally:
        server.stop()


def test_a_bind_flood_from_one_address_is_cut_at_the_unbound_limit():
    d = doubles()
    server, port = start_server(d, max_unbound_per_ip=3)
    try:
        good = RawClient(port)
        assert good.bind().status == p.ESME_ROK
        waiting = [RawClient(port) for _ in range(3)]
        for cl in waiting:                      # each is served: a failed bind is answered
            assert cl.bind("alice", "nope").status == p.ESME_RINVPASWD
        assert RawClient(port).closed_by_server()   # the fourth unbound one is refused
        assert waiting[0].bind().status == p.ESME_ROK
        late = RawClient(port)                        # one slot is free again
        assert late.bind("bob", "pw").status == p.ESME_ROK
        assert good.submit().status == p.ESME_ROK   # bound sessions never noticed
        assert d.binds.failures == 3
        for cl in (good, late, *waiting):
            cl.close()
    finally:
        server.stop()


def test_shutdown_unbinds_every_session_and_answers_commits_in_flight():
    d = doubles()
    server, port = start_server(d)
    d.submit.gate = threading.Event()
    cl = RawClient(port)
    assert cl.bind().status == p.ESME_ROK
    cl.send(p.SUBMIT_SM, submit_body())
    assert d.submit.entered.wait(10)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    unbind = cl.read()
    assert unbind.command_id == p.UNBIND
    d.submit.gate.set()
    resp = cl.read()
    assert (resp.command_id, resp.status) == (p.SUBMIT_SM | p.RESP, p.ESME_ROK)
    cl.send(p.UNBIND | p.RESP, sequence=unbind.sequence)
    assert cl.closed_by_server()
    stopper.join(30)
    assert not stopper.is_alive() and d.binds.active == {}


# -- receipts ----------------------------------------------------------------------------------

def read_deliver(cl: RawClient):
    pdu = cl.read_skipping_enquire()
    assert pdu is not None and pdu.command_id == p.DELIVER_SM
    return pdu


def receipt_id_of(pdu) -> str:
    tag = struct.pack(">H", p.TAG_RECEIPTED_MESSAGE_ID)
    at = pdu.body.index(tag)
    length = struct.unpack_from(">H", pdu.body, at + 2)[0]
    return pdu.body[at + 4:at + 4 + length].rstrip(b"\0").decode()


def test_receipts_reach_a_receiver_as_deliver_sm_with_text_and_tlvs(world):
    d, _, client = world
    d.receipts.add(1, 1234, "DELIVRD")
    d.receipts.add(1, 1235, "UNDELIV")
    rx = bound(client, command=p.BIND_RECEIVER)
    first, second = read_deliver(rx), read_deliver(rx)
    assert receipt_id_of(first) == "1234" and receipt_id_of(second) == "1235"   # in order
    body = first.body
    assert b"\x01\x0179991234567\0\x05\x00SENDER\0\x04" in body         # handset -> sender
    assert b"id:1234 sub:001 dlvrd:001 submit date:2612011200 done date:2612011200 " \
           b"stat:DELIVRD err:000 text:hello" in body
    assert struct.pack(">HHB", p.TAG_MESSAGE_STATE, 1, 2) in body
    assert struct.pack(">HHBH", p.TAG_NETWORK_ERROR_CODE, 3, 3, 5) in second.body
    rx.send(p.DELIVER_SM | p.RESP, b"\0", sequence=first.sequence)
    rx.send(p.DELIVER_SM | p.RESP, b"\0", sequence=second.sequence)
    assert d.receipts.wait_for(lambda: sorted(d.receipts.delivered_ids) == [1, 2])


def test_the_receipt_window_is_respected():
    d = doubles()
    server, port = start_server(d, window=3)
    try:
        for i in range(5):
            d.receipts.add(1, 2000 + i)
        rx = RawClient(port)
        assert rx.bind(command=p.BIND_TRANSCEIVER).status == p.ESME_ROK
        got = [read_deliver(rx) for _ in range(3)]
        outstanding = server.call(lambda: [len(s.outstanding) for s in server.server.sessions])
        assert outstanding == [3]                      # never more than the window
        rx.send(p.DELIVER_SM | p.RESP, b"\0", sequence=got[0].sequence)
        fourth = read_deliver(rx)                     # an answer opens one slot
        assert receipt_id_of(fourth) == "2003"
        for pdu in (*got[1:], fourth):
            rx.send(p.DELIVER_SM | p.RESP, b"\0", sequence=pdu.sequence)
        rx.send(p.DELIVER_SM | p.RESP, b"\0", sequence=read_deliver(rx).sequence)
        assert d.receipts.wait_for(lambda: len(d.receipts.delivered_ids) == 5)
        rx.close()
    finally:
        server.stop()


def test_an_error_answer_or_none_in_time_means_failed_and_sent_again():
    d = doubles()
    server, port = start_server(d, response_timeout_seconds=0.3)
    try:
        d.receipts.add(1, 3000)
        rx = RawClient(port)
        assert rx.bind(command=p.BIND_RECEIVER).status == p.ESME_ROK
        first = read_deliver(rx)
        rx.send(p.DELIVER_SM | p.RESP, b"", sequence=first.sequence, status=0x64)
        again = read_deliver(rx)                        # failed, claimable again, resent
        assert receipt_id_of(again) == "3000"
        third = read_deliver(rx)                        # no answer to the second: failed again
        assert d.receipts.failed_ids == [1, 1]
        rx.send(p.DELIVER_SM | p.RESP, b"\0", sequence=third.sequence)
        assert d.receipts.wait_for(lambda: d.receipts.delivered_ids == [1])
        rx.close()
    finally:
        server.stop()


def test_receipts_in_flight_when_a_receiver_leaves_are_released_for_its_next_bind(world):
    d, _, client = world
    for i in range(3):
        d.receipts.add(2, 4000 + i)
    rx = bound(client, "bob", "pw", p.BIND_RECEIVER)
    [read_deliver(rx) for _ in range(3)]
    rx.close()                                           # no answers: all three come back
    assert d.receipts.wait_for(lambda: not d.receipts.leases and d.receipts.releases)
    again = bound(client, "bob", "pw", p.BIND_RECEIVER)
    pdus = [read_deliver(again) for _ in range(3)]
    assert [receipt_id_of(x) for x in pdus] == ["4000", "4001", "4002"]
    for pdu in pdus:
        again.send(p.DELIVER_SM | p.RESP, b"\0", sequence=pdu.sequence)
    assert d.receipts.wait_for(lambda: len(d.receipts.delivered_ids) == 3)


def test_a_transmitter_gets_no_receipts_and_another_accounts_receiver_none_of_ours(world):
    d, _, client = world
    tx = bound(client, "alice", "secret", p.BIND_TRANSMITTER)
    other = bound(client, "bob", "pw", p.BIND_RECEIVER)
    d.receipts.add(1, 5000)
    rx = bound(client, "alice", "secret", p.BIND_RECEIVER)
    pdu = read_deliver(rx)
    rx.send(p.DELIVER_SM | p.RESP, b"\0", sequence=pdu.sequence)
    assert d.receipts.wait_for(lambda: d.receipts.delivered_ids == [1])
    for cl in (tx, other):
        seq = cl.send(p.ENQUIRE_LINK)
        assert (cl.read().command_id, seq) == (p.ENQUIRE_LINK | p.RESP, cl.sequence)


# -- TLS ---------------------------------------------------------------------------------------

def test_smpp_over_tls_binds_and_submits_beside_plain(tmp_path):
    import ssl
    import subprocess

    from service.api.smpp.runner import ServerThread
    from service.api.smpp.server import ServerOptions, tls_context
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    d = doubles()
    plain, tls = socket.create_server(("127.0.0.1", 0)), socket.create_server(("127.0.0.1", 0))
    server = ServerThread(d.services(), ServerOptions(node="test"),
                          [(plain, None), (tls, tls_context(str(cert), str(key)))])
    (_, plain_port), (_, tls_port) = server.start()
    try:
        client_context = ssl.create_default_context(cafile=str(cert))
        raw = socket.create_connection(("127.0.0.1", tls_port), timeout=10)
        cl = RawClient.__new__(RawClient)
        cl.port, cl.timeout, cl.sequence = tls_port, 10, 0
        cl.sock = client_context.wrap_socket(raw, server_hostname="localhost")
        assert cl.bind().status == p.ESME_ROK
        assert cl.submit().status == p.ESME_ROK
        cl.close()
        other = RawClient(plain_port)
        assert other.bind("bob", "pw").status == p.ESME_ROK
        other.close()
    finally:
        server.stop()


# -- heartbeat, blocking, idle -----------------------------------------------------------------

def test_the_heartbeat_keeps_sessions_counted_and_unbinds_a_blocked_account():
    d = doubles()
    server, port = start_server(d, heartbeat_seconds=0.05)
    try:
        alice, bob = RawClient(port), RawClient(port)
        assert alice.bind().status == bob.bind("bob", "pw").status == p.ESME_ROK
        assert d.binds.wait_for(lambda: any(len(h) == 2 for h in d.binds.heartbeats))
        d.binds.blocked.add(1)
        unbind = alice.read_skipping_enquire()
        assert unbind.command_id == p.UNBIND
        alice.send(p.UNBIND | p.RESP, sequence=unbind.sequence)
        assert alice.closed_by_server()
        assert bob.submit().status == p.ESME_ROK
        bob.close()
    finally:
        server.stop()


def test_an_idle_session_is_unbound_and_closed_without_an_answer():
    d = doubles()
    server, port = start_server(d, idle_timeout_seconds=0.2, response_timeout_seconds=0.2)
    try:
        cl = RawClient(port)
        assert cl.bind().status == p.ESME_ROK
        assert cl.read_skipping_enquire().command_id == p.UNBIND
        assert cl.closed_by_server()              # no unbind_resp: closed after the timeout
        assert d.binds.wait_for(lambda: not d.binds.active)
    finally:
        server.stop()
