"""Slow clients cannot hold gunicorn's threads: smsgw's gunicorn worker buffers each
request whole before a thread sees it, and drops a connection whose headers or body do not
arrive in time (SMSGW_HEADER_TIMEOUT_SECONDS, SMSGW_BODY_TIMEOUT_SECONDS).

The servers here have one process with one thread, so a single connection holding the thread
would stall everything. Speed is measured in bench/slow_clients_bench.py, not here.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import time

import pytest
import requests

from tests.e2e.conftest import gunicorn, listening_socket, start_server, stop_server

ONE_THREAD = {"SMSGW_WORKERS": "1", "SMSGW_THREADS": "1", "SMSGW_HEADER_TIMEOUT_SECONDS": "2",
              "SMSGW_BODY_TIMEOUT_SECONDS": "2"}
LIMIT = 100_000


def read_until_closed(sock: socket.socket, bound: float = 30.0) -> bytes:
    """Everything the server sends until it closes; fails if it is still open after ``bound``."""
    sock.settimeout(bound)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    except socket.timeout:
        pytest.fail(f"the server kept a stalled connection open for {bound} s: {received!r}")
    return received


@pytest.fixture(scope="module")
def smsgw(tmp_path_factory):
    srv, proc = start_server(tmp_path_factory.mktemp("slow"), ONE_THREAD)
    yield srv
    stop(proc)


@pytest.fixture(scope="module")
def echo(tmp_path_factory):
    """gunicorn with smsgw's settings serving tests/e2e/body_echo_app.py."""
    sock = listening_socket()
    port = sock.getsockname()[1]
    log = tmp_path_factory.mktemp("echo") / "gunicorn.log"
    env = {**os.environ, **ONE_THREAD, "SMSGW_BIND": f"127.0.0.1:{port}",
           "SMSGW_MAX_REQUEST_BYTES": str(LIMIT)}
    with sock:
        proc = gunicorn("tests.e2e.body_echo_app:application", env, sock,
                        stdout=subprocess.DEVNULL, stderr=open(log, "wb"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            requests.get(base, timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.1)  # a poll: only a connection tells that gunicorn is listening
    yield port
    stop(proc)


def stop(proc: subprocess.Popen) -> None:
    stop_server(proc, timeout=30)


def connect(port: int, data: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(data)
    return sock


def answer(sock: socket.socket) -> tuple[int, bytes]:
    head, _, body = read_until_closed(sock).partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def digest(body: bytes) -> bytes:
    return b"%d %s" % (len(body), hashlib.sha256(body).hexdigest().encode())


def test_connections_stalled_mid_headers_or_mid_body_are_dropped_while_health_answers(smsgw):
    port = int(smsgw.base_url.rsplit(":", 1)[1])
    stalled = [connect(port, b"POST /soap HTTP/1.1\r\nHost: x\r\nContent-Ty") for _ in range(3)]
    stalled += [connect(port, b"POST /soap HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
                              b"Content-Length: 500\r\n\r\n<s:Envelope") for _ in range(3)]

    assert requests.get(smsgw.base_url + "/health", timeout=10).status_code == 200

    for sock in stalled:
        received = read_until_closed(sock)
        assert received == b"" or received.startswith(b"HTTP/1.1 408 "), received
        sock.close()
    assert requests.get(smsgw.base_url + "/health", timeout=10).status_code == 200


def test_a_connection_that_sends_nothing_is_closed_without_an_answer(echo):
    sock = socket.create_connection(("127.0.0.1", echo))
    assert read_until_closed(sock) == b""


def test_an_idle_keep_alive_connection_does_not_hold_the_thread(echo):
    idle = requests.Session()
    assert idle.post(f"http://127.0.0.1:{echo}/", data=b"abc").content == digest(b"abc")
    # the idle session's connection stays open; another client is still served
    assert requests.post(f"http://127.0.0.1:{echo}/", data=b"xyz", timeout=10).content \
        == digest(b"xyz")
    idle.close()


def test_a_client_that_does_not_read_its_answer_does_not_hold_the_thread(echo):
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", echo))
    sock.sendall(b"GET /big?bytes=50000000 HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        assert requests.post(f"http://127.0.0.1:{echo}/", data=b"abc", timeout=10).content \
            == digest(b"abc")
    finally:
        sock.close()


def test_bodies_reach_the_app_intact_with_a_length_or_chunked(echo):
    body = os.urandom(LIMIT)
    url = f"http://127.0.0.1:{echo}/"
    assert requests.post(url, data=body, timeout=10).content == digest(body)
    splits = ([body], [body[:1], body[1:5000], body[5000:]],
              [body[i:i + (i % 9000) + 1] for i in range(0, len(body), 3000)])
    for pieces in splits:
        data = b"".join(pieces)
        response = requests.post(url, data=iter(pieces), timeout=10)  # a generator: chunked
        assert response.status_code == 200 and response.content == digest(data)


def test_a_chunked_body_sent_in_pieces_with_trailers_arrives_intact(echo):
    body = os.urandom(30_000)
    encoded = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(body[i:i + 999]), body[i:i + 999])
                       for i in range(0, len(body), 999)) + b"0\r\nX-Trailer: t\r\n\r\n"
    request = (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               b"Connection: close\r\n\r\n" + encoded)
    sock = socket.create_connection(("127.0.0.1", echo))
    for i in range(0, len(request), 4096):
        sock.sendall(request[i:i + 4096])
    assert answer(sock) == (200, digest(body))


def test_expect_100_continue_is_answered_once_then_the_body_is_read(echo):
    sock = connect(echo, b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                         b"Content-Length: 5\r\nConnection: close\r\n\r\n")
    sock.settimeout(10)
    assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
    sock.sendall(b"hello")
    received = read_until_closed(sock)
    assert b"100 Continue" not in received and received.endswith(digest(b"hello"))


def test_oversized_bodies_get_the_apps_own_error_without_being_buffered(echo):
    declared = connect(echo, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\nab")
    status, _ = answer(declared)
    assert status == 413
    chunk = b"%x\r\n%s\r\n" % (LIMIT // 2, b"x" * (LIMIT // 2))
    streamed = connect(echo, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       + chunk * 3)
    status, _ = answer(streamed)
    assert status == 413


def test_pipelined_requests_on_one_connection_are_all_answered_in_order(echo):
    sock = connect(echo, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                         b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"2\r\nde\r\n0\r\n\r\n"
                         b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    received = read_until_closed(sock)
    assert received.count(b"HTTP/1.1 200 ") == 3
    assert received.index(digest(b"abc")) < received.index(digest(b"de")) \
        < received.index(digest(b""))
