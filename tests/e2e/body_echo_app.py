"""A WSGI app for the worker's tests: answers with the length and SHA-256 of the body it read
(or, at /big?bytes=N, with N bytes).

A body over SMSGW_MAX_REQUEST_BYTES is its own 413: a declared length is checked before
reading, a chunked body by reading one byte past the limit. (werkzeug's ``get_data()`` with
``max_content_length`` is not enough: it returns a chunked body cut at the limit, no error.)
"""

from __future__ import annotations

import hashlib

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from service.config import Settings

LIMIT = Settings.from_env().max_request_bytes


@Request.application
def application(request: Request) -> Response:
    if request.path == "/big":  # an answer far larger than the socket buffers
        return Response(b"x" * int(request.args["bytes"]), content_type="text/plain")
    if (request.content_length or 0) > LIMIT:
        raise RequestEntityTooLarge()
    body = request.environ["wsgi.input"].read(LIMIT + 1)
    if len(body) > LIMIT:
        raise RequestEntityTooLarge()
    return Response(f"{len(body)} {hashlib.sha256(body).hexdigest()}", content_type="text/plain")
