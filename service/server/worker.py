"""smsgw's gunicorn worker: no thread is given to a request before all of it has arrived.

gunicorn's gthread worker hands a connection to a thread as soon as its first byte arrives;
the thread then blocks reading the rest, so a client trickling its headers or body holds a
thread for as long as it likes (docs/deployment.md has the measurements). This worker keeps
gthread's threads, accept loop, request handling and shutdown, and changes where requests
are read: the main loop (one selector for every connection) buffers each request's head and
body without blocking, under two deadlines, and only a complete request goes to the thread
pool, where gunicorn's own parser reads it from memory. That is what nginx and waitress do.

- ``SMSGW_HEADER_TIMEOUT_SECONDS``: the whole head must arrive within this time of the
  connection being accepted, or of the first byte of a kept-alive connection's next request.
- ``SMSGW_BODY_TIMEOUT_SECONDS``: the whole body must arrive within this time of the head,
  and the client must take the whole answer within this time of its being ready.
- The answer goes the same way back: the thread writes it to memory (:class:`ResponseBuffer`),
  sends what the socket takes without blocking, and the loop sends the rest, so a client
  that does not read cannot hold a thread either.
- Kept-alive connections wait in the loop (gunicorn's ``keepalive``), never in a thread.
- A connection past its deadline gets ``408 Request Timeout`` (or is just closed if it sent
  nothing) and is closed; a head over ``MAX_HEAD_BYTES`` gets ``431``.
"""

from __future__ import annotations

import errno
import heapq
import itertools
import socket
import time
from functools import partial
import selectors

from gunicorn import http
from gunicorn.workers.gthread import TConn, ThreadWorker

from ..api.refusals import refusal, target_of
from ..config import Settings
from .framing import HEAD_TOO_LARGE, READY, RequestFrame

MAX_HEAD_BYTES = 64 * 1024   # nginx allows 4 x 8 KiB by default; gunicorn's own limits apply too
LINGER_SECONDS = 2.0         # a closing connection's unread input is drained this long at most
LINGER_BYTES = 64 * 1024
RECV_BYTES = 64 * 1024

_408 = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
_100 = b"HTTP/1.1 100 Continue\r\n\r\n"


def _recv_ready(sock) -> bytes | None:
    """What a socket the selector found readable holds: b"" when the client went away or
    reset, None when there was nothing to read after all (a spurious wake-up)."""
    try:
        return sock.recv(RECV_BYTES)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return b""


def door_answer(target: str, status: str, message: str) -> bytes:
    """A whole closing HTTP answer with ``status``, its body in the door's shape."""
    ctype, body = refusal(target, message)
    return (f"HTTP/1.1 {status}\r\nConnection: close\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1") + body


class ResponseBuffer:
    """Stands in for the client socket while a thread serves a request: gunicorn's response
    writes land here, and the loop sends them once the thread is done."""

    def __init__(self, sock, target: str = ""):
        self.sock = sock
        self.target = target  # the request's target, to answer a refusal in its door's shape
        self.data = bytearray()

    def sendall(self, data) -> None:
        self.data += data

    def send(self, data) -> int:
        self.data += data
        return len(data)

    def sendfile(self, file, offset=0, count=None) -> int:
        file.seek(offset)
        data = file.read() if count is None else file.read(count)
        self.data += data
        return len(data)

    def gettimeout(self):
        return None

    def setblocking(self, _flag) -> None:
        """Writes go to memory, which never blocks: gunicorn's mode changes do not apply."""

    def settimeout(self, _value) -> None:
        """As ``setblocking``: the loop, not a socket timeout, bounds the sending."""

    def __getattr__(self, name):  # getsockname, getpeername, fileno...: the real socket's
        return getattr(self.sock, name)


class BufferedConn(TConn):
    """A client connection; its socket is non-blocking except while a thread has it."""

    def __init__(self, cfg, sock, client, server):
        super().__init__(cfg, sock, client, server)
        self.data_ready = True       # gthread's handle() must not wait for data itself
        self.frame: RequestFrame | None = None
        self.deadline = 0.0
        self.state = "idle"          # idle | reading | thread | writing | lingering | closed
        self.registered = False
        self.requests = 0
        self.close_after = False
        self.continued = False
        self.drained = 0
        self.out = memoryview(b"")
        self.keep = False


class BufferingWorker(ThreadWorker):
    """gthread, with requests read whole in the event loop before a thread sees them."""

    def init_process(self):
        if self.cfg.is_ssl:  # gthread wraps sockets in threads; this worker reads in the loop
            raise RuntimeError("smsgw's worker serves plain HTTP: terminate TLS in a proxy")
        settings = Settings.from_env()
        self.header_timeout = settings.header_timeout_seconds
        self.body_timeout = settings.body_timeout_seconds
        self.max_body = settings.max_request_bytes
        self.deadlines: list = []
        self.seq = itertools.count()
        self.conns: set[BufferedConn] = set()
        super().init_process()

    # ------------------------------------------------------------------ loop side

    def accept(self, listener):
        try:
            client_sock, client_addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = BufferedConn(self.cfg, client_sock, client_addr, listener.getsockname())
        self.conns.add(conn)
        self._read_next(conn, b"", self.header_timeout)

    def _read_next(self, conn, leftover: bytes, wait: float) -> None:
        """Wait in the loop for the connection's next request; ``leftover`` starts it."""
        conn.frame = RequestFrame(MAX_HEAD_BYTES, self.max_body)
        conn.state = "idle"
        self._deadline(conn, wait)
        self._register(conn, self._on_readable)
        if leftover:
            self._received(conn, leftover)

    def _on_readable(self, conn, _sock) -> None:
        data = _recv_ready(conn.sock)
        if data is None:
            return
        if not data:
            self._close(conn)  # the client went away, or reset
            return
        self._received(conn, data)

    def _received(self, conn, data: bytes) -> None:
        frame = conn.frame
        if conn.state == "idle":
            conn.state = "reading"
            self._deadline(conn, self.header_timeout)
        was_in_body = frame.in_body
        verdict = frame.feed(data)
        if verdict == HEAD_TOO_LARGE:
            self._refuse(conn, door_answer(target_of(frame.buf), "431 Request Header Fields "
                                           "Too Large", "the request head is too large"))
            return
        if frame.expect_continue and not conn.continued:
            conn.continued = True
            self._send_quietly(conn, _100)
        if verdict == READY:
            self._dispatch(conn)
        elif frame.in_body and not was_in_body:
            self._deadline(conn, self.body_timeout)

    def _dispatch(self, conn) -> None:
        """The request is whole (or doubtful): a thread parses and serves it from memory."""
        self._unregister(conn)
        conn.state = "thread"
        conn.close_after = conn.frame.close_after
        conn.parser = http.get_parser(self.cfg, [bytes(conn.frame.buf)], conn.client)
        conn.parser.req_count = conn.requests
        conn.sock = ResponseBuffer(conn.sock, target_of(conn.frame.buf))
        conn.frame = None
        self.enqueue_req(conn)

    def finish_request(self, conn, fs):
        """Back on the loop after a thread served a request (gthread calls this)."""
        try:
            keep = bool(fs.result()) if not fs.cancelled() else False
        except Exception:
            keep = False
        conn.requests += 1
        answer, conn.sock = conn.sock.data, conn.sock.sock
        leftover = b""
        if conn.parser is not None:
            leftover = conn.parser.unreader.take_buffered()  # a pipelined next request
        conn.parser, conn.continued = None, False
        conn.keep = keep and self.alive and not conn.close_after
        conn.out = memoryview(bytes(answer))
        conn.state = "writing"
        self._deadline(conn, self.body_timeout)
        self._write(conn, leftover)

    def _write(self, conn, leftover: bytes = b"") -> None:
        """Send what is left of the answer; then the next request, or close."""
        try:
            while conn.out:
                conn.out = conn.out[conn.sock.send(conn.out):]
        except (BlockingIOError, InterruptedError):
            self._register(conn, partial(self._on_writable, leftover), selectors.EVENT_WRITE)
            return
        except OSError:
            self._close(conn)
            return
        if conn.keep:
            self._read_next(conn, leftover, self.cfg.keepalive or self.header_timeout)
        else:
            self._linger(conn)

    def _on_writable(self, leftover, conn, _sock) -> None:
        self._write(conn, leftover)

    def handle(self, conn):
        """Runs in a thread: gthread's handling, then one non-blocking send of the answer.
        Most answers leave here at once, while this thread holds the GIL; the loop sends
        whatever the client's socket buffer could not take."""
        keep = super().handle(conn)
        out = conn.sock
        if out.data:
            try:
                del out.data[:out.sock.send(out.data)]
            except OSError:  # would block, or the client is gone: the loop sees to it
                pass
        return keep

    def handle_error(self, req, client, addr, exc):
        """gunicorn's refusal of a request it could not parse (bad framing, a header or line
        too long, an unknown expectation) keeps its status and log line, but the body is the
        door's own error, not gunicorn's HTML page (issue 10: every door answers in its own
        terms). Only the reason phrase is kept: gunicorn's message quotes the request line,
        credentials in the query string included."""
        start = len(client.data) if isinstance(client, ResponseBuffer) else None
        super().handle_error(req, client, addr, exc)
        if start is None or len(client.data) == start:
            return
        status = bytes(client.data[start:]).split(b"\r\n", 1)[0].split(b" ", 1)[-1]
        status = status.decode("latin-1")
        del client.data[start:]
        client.data += door_answer(client.target, status,
                                   "the request cannot be read: " + status.split(" ", 1)[-1])

    def handle_request(self, req, conn):
        """Runs in a thread, on a request read whole, writing to memory: nothing blocks here
        but the application itself."""
        if conn.continued:
            req._expected_100_continue = False  # the loop has already said 100 Continue
        if conn.close_after:
            req.must_close = True
        return super().handle_request(req, conn)

    # ------------------------------------------------------------------ deadlines, closing

    def murder_pending(self):
        """Drop every connection past its deadline (gthread's loop calls this each turn)."""
        now = time.monotonic()
        while self.deadlines and self.deadlines[0][0] <= now:
            deadline, _, conn = heapq.heappop(self.deadlines)
            if conn.deadline != deadline or conn.state in ("thread", "closed"):
                continue
            if conn.state == "reading":
                self._refuse(conn, _408)
            elif conn.state == "writing":
                self._close(conn)  # the client does not take its answer
            else:
                self._close(conn)

    def murder_keepalived(self, force=False):
        if force:
            for conn in [c for c in self.conns if c.state != "thread"]:
                self._close(conn)

    def _cap_keepalive(self, deadline):
        """A stopping worker keeps idle connections briefly (gthread's rule) and finishes
        reading requests that have started."""
        for conn in list(self.conns):
            if conn.state == "idle" and conn.deadline > deadline:
                self._deadline(conn, max(deadline - time.monotonic(), 0.0))

    def _deadline(self, conn, seconds: float) -> None:
        conn.deadline = time.monotonic() + seconds
        heapq.heappush(self.deadlines, (conn.deadline, next(self.seq), conn))

    def _refuse(self, conn, answer: bytes) -> None:
        self._send_quietly(conn, answer)
        self._linger(conn)

    def _send_quietly(self, conn, data: bytes) -> None:
        try:
            conn.sock.send(data)  # a few bytes into an idle socket's buffer: never blocks
        except OSError:  # the client is gone; the connection is closed next anyway
            return

    def _linger(self, conn) -> None:
        """Close after the answer has left: half-close, then drain what the client still
        sends for a moment, in the loop (closing with unread input would reset the
        connection and could destroy the answer before the client read it)."""
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn)
            return
        conn.state, conn.drained = "lingering", 0
        self._deadline(conn, LINGER_SECONDS)
        self._register(conn, self._on_linger_readable)

    def _on_linger_readable(self, conn, _sock) -> None:
        data = _recv_ready(conn.sock)
        if data is None:
            return
        conn.drained += len(data)
        if not data or conn.drained > LINGER_BYTES:
            self._close(conn)

    def _close(self, conn) -> None:
        if conn.state == "closed":
            return
        self._unregister(conn)
        conn.state = "closed"
        self.conns.discard(conn)
        self.nr_conns -= 1
        conn.close()

    def _register(self, conn, callback, events=selectors.EVENT_READ) -> None:
        if conn.registered:
            self.poller.modify(conn.sock, events, partial(callback, conn))
        else:
            self.poller.register(conn.sock, events, partial(callback, conn))
            conn.registered = True

    def _unregister(self, conn) -> None:
        if conn.registered:
            try:
                self.poller.unregister(conn.sock)
            except (KeyError, ValueError, OSError):
                pass
            conn.registered = False
