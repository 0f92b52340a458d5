"""Random and mutated PDUs against a live SMPP server: it never crashes, never answers with
anything but well-formed PDUs, and leaks no session, task, bind or file descriptor."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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

TEMPLATES = [
    p.pack(p.BIND_TRANSCEIVER, 0, 1, bind_body("alice", "secret")),
    p.pack(p.BIND_RECEIVER, 0, 2, bind_body("bob", "pw")),
    p.pack(p.BIND_TRANSMITTER, 0, 3, bind_body("carol", "nope")),
    p.pack(p.SUBMIT_SM, 0, 4, submit_body()),
    p.pack(p.SUBMIT_SM, 0, 5, submit_body(data_coding=8, text="привет".encode("utf-16-be"),
                                          esm_class=0x40)),
    p.pack(p.SUBMIT_SM, 0, 6, submit_body(text=b"", tlvs=struct.pack(">HH", 0x0424, 3) + b"abc")),
    p.pack(p.QUERY_SM, 0, 7, query_body("1001")),
    p.pack(p.CANCEL_SM, 0, 8, cancel_body("1001")),
    p.pack(p.ENQUIRE_LINK, 0, 9),
    p.pack(p.DELIVER_SM | p.RESP, 0, 10, b"\0"),
    p.pack(p.GENERIC_NACK, 3, 11),
    p.pack(p.UNBIND, 0, 12),
    p.pack(0x1234, 0, 13, b"junk"),
]


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(TEMPLATES)))
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "grow", "length"]))
        if kind == "flip" and data:
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        elif kind == "cut" and data:
            del data[draw(st.integers(0, len(data) - 1)):]
        elif kind == "grow":
            data += draw(st.binary(max_size=40))
        elif kind == "length" and len(data) >= 4:
            data[0:4] = struct.pack(">I", draw(st.sampled_from(
                [0, 1, 15, 16, len(data) - 1, len(data) + 1, 70_001, 0xFFFFFFFF,
                 draw(st.integers(0, 0xFFFFFFFF))])))
    return bytes(data)


streams = st.lists(st.one_of(mutated(), st.binary(max_size=120)), min_size=1, max_size=6).map(
    b"".join)


@pytest.fixture(scope="module")
def live():
    d = doubles()
    server, port = start_server(d, bind_timeout_seconds=5)
    yield d, server, port, open_fds()
    server.stop()


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def server_state(server) -> tuple[int, int, int]:
    s = server.server
    return server.call(lambda: (len(s.sessions), len(s.unbound_by_ip),
                                len(asyncio.all_tasks(server.loop))))


def settle(server, expected, timeout: float = 10):
    """The server's state once it has processed every close (a deadline, not a sleep)."""
    deadline = time.monotonic() + timeout
    while (state := server_state(server)) != expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return state


def exchange(port: int, data: bytes) -> list[tuple[int, int, int]]:
    """Send ``data``, end our side, and read every PDU until the server closes."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    finally:
        sock.close()
    pdus = []
    while received:
        assert len(received) >= 16, received
        length, cid, status, seq = struct.unpack_from(">IIII", received)
        assert 16 <= length <= len(received) and length < 1024
        pdus.append((cid, status, seq))
        received = received[length:]
    return pdus


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=streams)
def test_random_and_mutated_pdus_never_crash_the_server_nor_leak(live, data):
    d, server, port, _ = live
    for cid, status, seq in exchange(port, data):
        assert cid & p.RESP or cid in (p.ENQUIRE_LINK, p.UNBIND, p.DELIVER_SM)


def test_after_the_fuzzing_nothing_is_left_and_the_server_still_serves(live):
    d, server, port, fds_at_start = live
    baseline_tasks = 4  # the pump, its wait_for, the heartbeat, and the inspection itself
    assert settle(server, (0, 0, baseline_tasks)) == (0, 0, baseline_tasks)
    assert d.binds.wait_for(lambda: not d.binds.active)
    assert open_fds() <= fds_at_start
    cl = RawClient(port)
    assert cl.bind().status == p.ESME_ROK
    assert cl.submit().status == p.ESME_ROK
    cl.close()
    assert settle(server, (0, 0, baseline_tasks)) == (0, 0, baseline_tasks)
    assert open_fds() <= fds_at_start
