"""The one way every door reads a request: werkzeug, bounded, whole or not at all.

- The body is read through werkzeug's input stream: a ``Content-Length`` body, or a chunked
  one when the server terminates the stream (gunicorn sets ``wsgi.input_terminated``). More
  than the limit is refused, never cut; a body that ends early is refused too.
- A media type the door does not speak (SOAP with attachments, say) is refused before any
  byte of the body is parsed.
- Strings a client sends (query, form, JSON, HTTP Basic) must be storable: PostgreSQL text
  cannot hold NUL, and a lone surrogate (JSON ``"\\ud800"``) is not UTF-8 at all. Such a
  string is a ValidationError naming the field, raised before anything (authentication
  included) reaches the database, on every store alike.
- HTTP Basic is parsed here only (werkzeug's ``Authorization``), never trimmed.

Each door answers RequestRefused in its own terms (SOAP fault, smsc error 1, OMS fault,
``{code, data, message}``); ``error`` is the domain error it carries, ``status`` the HTTP one.
"""

from __future__ import annotations

import io
import re
from typing import Callable, Iterable
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import Authorization
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request
from werkzeug.wsgi import get_content_length, get_input_stream

from ..domain.errors import ConstraintViolation, SmsgwError, ValidationError

# What PostgreSQL text cannot store: NUL, and surrogates (not encodable as UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class RequestRefused(Exception):
    """The request cannot be read as this door speaks: too large (413), a media type the door
    does not speak (415), or a body that could not be read whole (400)."""

    def __init__(self, error: SmsgwError, status: int) -> None:
        super().__init__(error.message)
        self.error = error
        self.status = status

    @property
    def status_line(self) -> str:
        return _STATUS_LINES[self.status]


_STATUS_LINES = {413: "413 Payload Too Large", 415: "415 Unsupported Media Type",
                 400: "400 Bad Request"}


def read_request(environ, max_bytes: int,
                 media_types: Iterable[str] | Callable[[str], bool] | None = None) -> Request:
    """A werkzeug Request over the body read whole by ``read_body`` (so its form and JSON
    parsing can never see a cut body), bounded by ``max_bytes``."""
    body = read_body(environ, max_bytes, media_types)
    check_percent_encoded("query", environ.get("QUERY_STRING", ""))
    request = Request(buffered_environ(environ, body))
    if request.mimetype == "application/x-www-form-urlencoded":
        check_percent_encoded("body", body)
    request.max_content_length = max_bytes
    request.max_form_memory_size = max_bytes
    return request


def check_percent_encoded(name: str, raw: str | bytes) -> None:
    """Percent-encoded parameters must decode to UTF-8: werkzeug would put U+FFFD in place of
    bad bytes, and a message would be stored other than it was sent. RequestRefused (400)."""
    data = raw.encode("latin-1", "replace") if isinstance(raw, str) else raw
    try:
        unquote_to_bytes(data.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRefused(ValidationError(
            f"the {name} is not UTF-8 once percent-decoded", field=name), 400) from None


def too_large(max_bytes: int) -> RequestRefused:
    return RequestRefused(ConstraintViolation(
        "body", f"the request body must be at most {max_bytes} bytes", limit=max_bytes), 413)


def not_multipart(mimetype: str) -> bool:
    """For a door that reads any body as XML (as smsc's own does), but never attachments."""
    return not mimetype.startswith("multipart/")


def read_body(environ, max_bytes: int,
              media_types: Iterable[str] | Callable[[str], bool] | None = None) -> bytes:
    """The whole body (chunked or not), or RequestRefused; never a truncated one.

    ``media_types``: the types the door speaks (a tuple, or a predicate on the mimetype),
    checked before a byte is read when a body is announced.
    """
    mimetype = Request(environ).mimetype
    if media_types is not None and _announces_body(environ):
        ok = media_types(mimetype) if callable(media_types) else mimetype in media_types
        if not ok:
            wanted = "" if callable(media_types) else f"; send {' or '.join(media_types)}"
            raise RequestRefused(ValidationError(
                f"content type {mimetype or 'none'} is not accepted here{wanted}",
                field="Content-Type"), 415)
    length = get_content_length(environ)
    if length is not None and length > max_bytes:
        raise too_large(max_bytes)
    # werkzeug stops a streamed (chunked) body at its maximum without a word, so the maximum
    # given is one byte more than allowed: reading that byte is what tells "too large".
    try:
        body = get_input_stream(environ, max_content_length=max_bytes + 1).read()
    except RequestEntityTooLarge:
        raise too_large(max_bytes) from None
    except HTTPException as exc:  # the client went away or sent less than it announced
        raise RequestRefused(ValidationError(
            f"the request body could not be read: {exc.description}", field="body"),
            400) from exc
    except Exception as exc:  # noqa: BLE001 - the server's own stream refused the framing
        # (gunicorn raises its parse errors, a malformed chunk size say, from read(), and
        # none of them is werkzeug's): the body cannot be read, which is the client's doing.
        raise RequestRefused(ValidationError(
            "the request body could not be read: malformed framing", field="body"),
            400) from exc
    if len(body) > max_bytes:
        raise too_large(max_bytes)
    return body


def charset_of(environ) -> str | None:
    """The ``charset`` parameter of the Content-Type, if any: for XML it overrides the
    document's own declaration (RFC 7303 section 3.2), on every XML door alike."""
    return Request(environ).mimetype_params.get("charset") or None


def _announces_body(environ) -> bool:
    """Whether the client says a body follows (an empty one has no type to refuse)."""
    length = get_content_length(environ)
    return bool(length) or (length is None and "HTTP_TRANSFER_ENCODING" in environ)


def buffered_environ(environ, body: bytes) -> dict:
    """A copy of ``environ`` whose input is ``body``, for code that reads ``wsgi.input`` itself
    (spyne): it then sees a plain Content-Length request, whatever the client sent."""
    out = dict(environ)
    out["wsgi.input"] = io.BytesIO(body)
    out["CONTENT_LENGTH"] = str(len(body))
    out.pop("HTTP_TRANSFER_ENCODING", None)
    return out


def check_storable(name: str, value: str | None) -> str | None:
    """``value``, if the database can store it; else a ValidationError naming ``name``."""
    if value is not None and _UNSTORABLE.search(value):
        raise ValidationError(f"{name} contains a character that cannot be stored "
                              "(NUL or an unpaired surrogate)", field=name)
    return value


def check_values(values) -> None:
    """Walk parameters (``{name: [values...]}``, values possibly decoded JSON) and refuse any
    key or string that cannot be stored, naming the top-level parameter."""
    for name, items in values.items():
        check_storable(name, name)
        stack = list(items) if isinstance(items, list) else [items]
        while stack:  # iterative: a deeply nested JSON value must not exhaust the stack
            item = stack.pop()
            if isinstance(item, str):
                check_storable(name, item)
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                for k, v in item.items():
                    check_storable(name, k)
                    stack.append(v)


def authorization(environ) -> Authorization | None:
    """The parsed ``Authorization`` header (werkzeug's parser; malformed Basic is None)."""
    auth = Authorization.from_header(environ.get("HTTP_AUTHORIZATION"))
    if auth is not None and auth.type == "bearer":
        check_storable("apikey", auth.token)
    return auth


def basic_credentials(environ) -> tuple[str, str] | None:
    """(login, password) of HTTP Basic, exactly as sent: nothing trimmed, nothing folded."""
    auth = authorization(environ)
    if auth is None or auth.type != "basic" or auth.username is None:
        return None
    check_storable("login", auth.username)
    check_storable("password", auth.password)
    return auth.username, auth.password or ""
