"""One TCP connection to an SMSC: whole PDUs out, framed PDUs in. Used by one thread only."""

from __future__ import annotations

import select
import socket
import time

from .pdus import HEADER, Frame

MAX_PDU = 64 * 1024


class ConnectionLost(Exception):
    """The connection is gone (closed by the peer, reset, timed out, or its framing broke)."""


class Transport:
    """A connected socket plus a receive buffer that is cut into PDUs.

    Writes block for at most ``timeout`` seconds; a failed write means the PDU did not reach
    the SMSC whole, so the SMSC cannot have acted on it.
    """

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        sock.settimeout(timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock: socket.socket | None = sock
        self._buffer = bytearray()

    @classmethod
    def connect(cls, host: str, port: int, timeout: float) -> "Transport":
        try:
            return cls(socket.create_connection((host, port), timeout=timeout), timeout)
        except OSError as exc:
            raise ConnectionLost(f"connect to {host}:{port} failed: {exc}") from exc

    def fileno(self) -> int:
        if self._sock is None:
            raise ConnectionLost("closed")
        return self._sock.fileno()

    def send(self, data: bytes) -> None:
        if self._sock is None:
            raise ConnectionLost("closed")
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise ConnectionLost(f"send failed: {exc}") from exc

    def receive(self) -> list[Frame]:
        """The whole PDUs available now (call when the socket is readable)."""
        if self._sock is None:
            raise ConnectionLost("closed")
        try:
            chunk = self._sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return []
        except OSError as exc:
            raise ConnectionLost(f"receive failed: {exc}") from exc
        if not chunk:
            raise ConnectionLost("closed by the SMSC")
        self._buffer += chunk
        return self._frames()

    def buffered(self) -> list[Frame]:
        """Whole PDUs already received but not yet taken (e.g. right after the bind)."""
        return self._frames()

    def _frames(self, limit: int = 0) -> list[Frame]:
        frames, buf, pos = [], self._buffer, 0
        while len(buf) - pos >= 16 and not (limit and len(frames) >= limit):
            length, command_id, status, sequence = HEADER.unpack_from(buf, pos)
            if not 16 <= length <= MAX_PDU:
                raise ConnectionLost(f"broken framing: command_length {length}")
            if len(buf) - pos < length:
                break
            frames.append(Frame(command_id, status, sequence, bytes(buf[pos:pos + length])))
            pos += length
        del buf[:pos]
        return frames

    def read_frame(self, timeout: float) -> Frame:
        """Wait for the next PDU (used while binding, before the I/O loop runs)."""
        deadline = time.monotonic() + timeout
        while True:
            frames = self._frames(limit=1)
            if frames:
                return frames[0]
            left = deadline - time.monotonic()
            if left <= 0:
                raise ConnectionLost("no response in time")
            readable, _, _ = select.select([self._sock], [], [], left)
            if readable:
                try:
                    chunk = self._sock.recv(65536)
                except OSError as exc:
                    raise ConnectionLost(f"receive failed: {exc}") from exc
                if not chunk:
                    raise ConnectionLost("closed by the SMSC")
                self._buffer += chunk

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None
