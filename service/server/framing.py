"""Where an HTTP/1.x request ends, found as its bytes arrive, so it can be buffered whole.

The worker (``service.server.worker``) feeds each ``recv`` to a :class:`RequestFrame` and
hands the request to a thread only once the frame says it is complete. This module decides
nothing about the request itself: gunicorn's parser does, on the buffered bytes. The frame
only needs to agree with it on where a *valid* request ends; anything it finds doubtful
(two lengths, an unknown transfer coding, a folded header, a malformed chunk) is handed
over at once with ``close_after`` set, so gunicorn answers it with its own 400 and the
connection is closed: no bytes after a doubtful request are ever read as a new one.

Memory is bounded per connection: the head by ``max_head``, the body by ``max_body``
(SMSGW_MAX_REQUEST_BYTES). A body declared larger than ``max_body`` is not waited for: the
head is handed over at once and the application answers with its own "too large" error.
A chunked body is buffered until it is complete or ``READ_AHEAD`` decoded bytes past
``max_body``: the application reads one byte past its limit to see that the body is too
large, and gunicorn reads ahead of what it is asked for (its body reads 1 KiB blocks from a
chunked reader that pulls whole buffered pieces and then the next chunk's size line, about
2 KiB at most). A buffer that ended right at the limit would fail that read ("no more
data"), and the application would answer 400 instead of its own "too large".
"""

from __future__ import annotations

import re

MORE = "more"                     # keep reading
READY = "ready"                   # hand the buffered bytes to a thread
HEAD_TOO_LARGE = "head too large"  # answer 431 and close

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_DIGITS = re.compile(rb"[0-9]{1,18}")
_HEX = re.compile(rb"[0-9a-fA-F]{1,15}")
_MAX_CHUNK_LINE = 4096
READ_AHEAD = 8 * 1024  # four times gunicorn's read-ahead (see above)


class RequestFrame:
    """The bytes of one request (and maybe the start of the next) as they arrive."""

    def __init__(self, max_head: int, max_body: int, data: bytes = b""):
        self.max_head, self.max_body = max_head, max_body
        self.buf = bytearray()
        self.state = "head"
        self.close_after = False      # the connection closes after this request
        self.expect_continue = False  # the client waits for "100 Continue" before its body
        self._pos = 0                 # where scanning resumes
        self._remaining = 0           # body or chunk bytes still to come
        self._decoded = 0             # chunked: body bytes seen so far
        self._raw_limit = 0           # chunked: bound on framing + data bytes
        if data:
            self.feed(data)

    @property
    def started(self) -> bool:
        return bool(self.buf)

    @property
    def in_body(self) -> bool:
        return self.state not in ("head", "done")

    def feed(self, data: bytes) -> str:
        self.buf += data
        if self.state == "done":
            return READY
        if self.state == "head":
            verdict = self._head()
            if verdict is not None:
                return verdict
        return self._body()

    # ------------------------------------------------------------------ head

    def _head(self) -> str | None:
        start = 0
        while start < len(self.buf) and self.buf[start] in b"\r\n":
            start += 1  # RFC 9112 2.2: empty lines before the request line are ignored
        match = _HEAD_END.search(self.buf, max(start, self._pos - 3))
        if match is None:
            if len(self.buf) - start > self.max_head:
                return HEAD_TOO_LARGE
            self._pos = len(self.buf)
            return MORE
        if match.start() - start > self.max_head:
            return HEAD_TOO_LARGE
        self._pos = match.end()
        return self._framing(bytes(self.buf[start:match.start()]))

    def _framing(self, head: bytes) -> str | None:
        lines = head.replace(b"\r\n", b"\n").split(b"\n")
        version = lines[0].rsplit(b" ", 1)[-1]
        lengths, codings, expect = [], [], []
        for line in lines[1:]:
            if line[:1] in (b" ", b"\t") or b":" not in line:
                return self._doubtful()  # obs-fold or garbage: gunicorn decides, then close
            name, value = line.split(b":", 1)
            name, value = name.strip().lower(), value.strip()
            if name == b"content-length":
                lengths.append(value)
            elif name == b"transfer-encoding":
                codings += [c.strip().lower() for c in value.split(b",")]
            elif name == b"expect":
                expect.append(value.lower())
        if codings:
            if lengths or codings != [b"chunked"] or version != b"HTTP/1.1":
                return self._doubtful()
            self.state = "chunk size"
            self._raw_limit = self._pos + 2 * (self.max_body + READ_AHEAD) + 64 * 1024
        elif lengths:
            if len(set(lengths)) != 1 or not _DIGITS.fullmatch(lengths[0]):
                return self._doubtful()
            length = int(lengths[0])
            if length > self.max_body:
                return self._doubtful()  # the application refuses it without reading it
            if length == 0:
                return self._done()
            self.state, self._remaining = "body", length
        else:
            return self._done()
        self.expect_continue = version == b"HTTP/1.1" and b"100-continue" in expect
        return None

    # ------------------------------------------------------------------ body

    def _body(self) -> str:
        buf = self.buf
        while True:
            if self.state == "body":
                if len(buf) - self._pos >= self._remaining:
                    return self._done()
                return MORE
            if len(buf) > self._raw_limit:
                return self._doubtful()  # framing overhead beyond any sane client's
            if self.state == "chunk size":
                end = buf.find(b"\r\n", self._pos)
                if end < 0:
                    return self._doubtful() if len(buf) - self._pos > _MAX_CHUNK_LINE else MORE
                size = bytes(buf[self._pos:end]).split(b";", 1)[0].rstrip(b" \t")
                if not _HEX.fullmatch(size):
                    return self._doubtful()
                self._pos, self._remaining = end + 2, int(size, 16)
                self.state = "chunk data" if self._remaining else "trailers"
            elif self.state == "chunk data":
                have = min(len(buf) - self._pos, self._remaining)
                self._pos += have
                self._remaining -= have
                self._decoded += have
                if self._decoded > self.max_body + READ_AHEAD:
                    return self._doubtful()  # enough for the application to refuse it
                if self._remaining:
                    return MORE
                self.state = "chunk end"
            elif self.state == "chunk end":
                if len(buf) - self._pos < 2:
                    return MORE
                if buf[self._pos:self._pos + 2] != b"\r\n":
                    return self._doubtful()
                self._pos += 2
                self.state = "chunk size"
            elif self.state == "trailers":
                if buf[self._pos:self._pos + 2] == b"\r\n":
                    self._pos += 2
                    return self._done()
                end = buf.find(b"\r\n\r\n", self._pos)
                if end >= 0:
                    self._pos = end + 4
                    return self._done()
                if len(buf) - self._pos > self.max_head:
                    return self._doubtful()
                return MORE
            else:
                return READY

    def _done(self) -> str:
        self.state = "done"
        return READY

    def _doubtful(self) -> str:
        self.close_after = True
        return self._done()
