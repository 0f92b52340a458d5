"""RequestFrame finds where a request ends exactly where gunicorn's parser does, as bytes arrive."""

from __future__ import annotations

import io

from gunicorn.config import Config
from gunicorn.http.parser import RequestParser
from hypothesis import given, settings, strategies as st

from service.server.framing import HEAD_TOO_LARGE, MORE, READ_AHEAD, READY, RequestFrame

MAX_HEAD, MAX_BODY = 4096, 10_000


def frame(data: bytes = b"") -> RequestFrame:
    return RequestFrame(MAX_HEAD, MAX_BODY, data)


def gunicorn_reads(data: bytes) -> tuple[bytes, bytes]:
    """The body gunicorn's own parser reads from ``data``, and what it leaves after it."""
    parser = RequestParser(Config(), [data], ("127.0.0.1", 1))
    req = next(parser)
    body = req.body.read()
    return body, parser.unreader.take_buffered()


def chunked(body: bytes, sizes: list[int]) -> bytes:
    out, i = io.BytesIO(), 0
    for size in sizes:
        piece = body[i:i + size]
        if not piece:
            break
        out.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        i += len(piece)
    if i < len(body):
        out.write(b"%x\r\n%s\r\n" % (len(body) - i, body[i:]))
    return out.getvalue() + b"0\r\n\r\n"


def ready_only_at_the_end(request: bytes, cuts: list[int]) -> RequestFrame:
    f = frame()
    points = sorted({c % len(request) for c in cuts if c % len(request)}) + [len(request)]
    start = 0
    for point in points:
        verdict = f.feed(request[start:point])
        assert verdict == (READY if point == len(request) else MORE), (point, len(request))
        start = point
    return f


def test_a_request_without_a_body_is_ready_when_its_head_ends():
    f = frame(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    assert f.feed(b"\r") == MORE
    assert f.feed(b"\n") == READY and not f.close_after


def test_empty_lines_before_the_request_line_are_skipped():
    assert frame(b"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").feed(b"") == READY


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=3000), st.lists(st.integers(0, 10_000), max_size=8))
def test_a_length_delimited_request_is_ready_exactly_when_its_last_byte_arrives(body, cuts):
    request = b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    f = ready_only_at_the_end(request, cuts)
    assert not f.close_after
    assert gunicorn_reads(bytes(f.buf)) == (body, b"")


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=3000), st.lists(st.integers(1, 700), max_size=10),
       st.lists(st.integers(0, 10_000), max_size=8), st.sampled_from([b"", b"X-T: 1\r\n"]))
def test_a_chunked_request_is_ready_exactly_when_its_last_byte_arrives(body, sizes, cuts, trailer):
    encoded = chunked(body, sizes)
    if trailer:
        encoded = encoded[:-2] + trailer + b"\r\n"
    request = b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + encoded
    f = ready_only_at_the_end(request, cuts)
    assert not f.close_after
    assert gunicorn_reads(bytes(f.buf)) == (body, b"")


def test_a_pipelined_request_behind_a_complete_one_stays_for_the_next_frame():
    first = b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    second = b"GET /y HTTP/1.1\r\nHost: x\r\n\r\n"
    f = frame()
    assert f.feed(first + second[:5]) == READY
    body, leftover = gunicorn_reads(bytes(f.buf))
    assert (body, leftover) == (b"abc", second[:5])
    assert frame(leftover).feed(second[5:]) == READY


def test_a_declared_length_over_the_limit_is_handed_over_at_once_and_closes():
    f = frame(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1))
    assert f.feed(b"") == READY and f.close_after
    huge = frame(b"POST /x HTTP/1.1\r\nContent-Length: " + b"9" * 40 + b"\r\n\r\n")
    assert huge.feed(b"") == READY and huge.close_after


def test_a_chunked_body_is_buffered_only_a_little_past_the_limit():
    head = b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    f = frame(head)
    chunks = (MAX_BODY + READ_AHEAD) // 1000 + 1
    verdicts = [f.feed(b"3e8\r\n" + b"x" * 1000 + b"\r\n") for _ in range(chunks)]
    assert verdicts[:-1] == [MORE] * (chunks - 1) and verdicts[-1] == READY and f.close_after
    assert len(f.buf) < len(head) + MAX_BODY + READ_AHEAD + 2000


def test_an_oversized_chunked_body_handed_over_reads_past_the_limit_without_running_dry():
    """gunicorn's reader must find one byte past the limit in the buffer, wherever the chunk
    boundaries fall (the body is then refused as too large, not as unreadable)."""
    head = b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    for size in (1, 7, 1000, 1024, 4096, MAX_BODY, MAX_BODY + 1):
        f = frame(head)
        verdict = MORE
        while verdict == MORE:
            verdict = f.feed(b"%x\r\n%s\r\n" % (size, b"x" * size))
        parser = RequestParser(Config(), [bytes(f.buf)], ("127.0.0.1", 1))
        body = next(parser).body
        read = b""
        while len(read) <= MAX_BODY:
            piece = body.read(4096)
            assert piece, size
            read += piece


def test_tiny_chunks_cannot_buffer_unbounded_framing():
    f = frame(b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    verdict = MORE
    for _ in range(MAX_BODY * 2):
        verdict = f.feed(b"1;e=" + b"v" * 20 + b"\r\nx\r\n")
        if verdict == READY:
            break
    assert verdict == READY and f.close_after


def test_a_head_over_the_limit_is_refused():
    assert frame(b"GET / HTTP/1.1\r\nX: " + b"a" * MAX_HEAD).feed(b"a") == HEAD_TOO_LARGE


def test_a_chunk_size_line_that_never_ends_is_handed_over():
    f = frame(b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert f.feed(b"1" * 5000) == READY and f.close_after


def test_expect_100_continue_is_noticed_only_when_a_body_follows():
    f = frame(b"POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
    assert f.expect_continue and f.feed(b"hello") == READY
    assert not frame(b"GET /x HTTP/1.1\r\nExpect: 100-continue\r\n\r\n").expect_continue
    assert not frame(b"POST /x HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
                     ).expect_continue


def test_doubtful_framing_is_handed_over_at_once_and_closes_the_connection():
    for head in (b"Content-Length: 3\r\nTransfer-Encoding: chunked",
                 b"Content-Length: 3\r\nContent-Length: 4",
                 b"Content-Length: +3",
                 b"Content-Length: \xd9\xa3",
                 b"Transfer-Encoding: gzip, chunked",
                 b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
                 b"X: a\r\n folded",
                 b"no colon"):
        f = frame(b"POST /x HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n\r\n")
        assert f.feed(b"") == READY and f.close_after, head
    f = frame(b"POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert f.feed(b"") == READY and f.close_after
    for body in (b"zz\r\n", b"3\r\nabcXY", b"-1\r\n"):
        f = frame(b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
        assert f.feed(b"") == READY and f.close_after, body


HEADS = st.sampled_from([b"POST /x HTTP/1.1\r\n", b"GET / HTTP/1.0\r\n", b"", b"\r\n",
                         b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n",
                         b"POST /x HTTP/1.1\r\nContent-Length: 7\r\n"])


@settings(max_examples=300, deadline=None)
@given(HEADS, st.lists(st.binary(max_size=300) | st.sampled_from(
    [b"\r\n", b"\r\n\r\n", b"0\r\n", b"ff\r\n", b":", b" ", b"\n\n", b"Content-Length: 3\r\n",
     b"Transfer-Encoding: chunked\r\n", b"Expect: 100-continue\r\n"]), max_size=30))
def test_any_bytes_in_any_pieces_give_a_verdict_and_never_an_exception(head, pieces):
    """The frame runs on the worker's event loop: an exception there would kill the process."""
    f = RequestFrame(512, 1000)
    verdict = f.feed(head)
    for piece in pieces:
        if verdict != MORE:
            break
        verdict = f.feed(piece)
        assert verdict in (MORE, READY, HEAD_TOO_LARGE)
    assert len(f.buf) <= len(head) + sum(map(len, pieces))
