"""``GET|POST /api/{Module}/{Method}``: the HTTP/JSON API with the ``{code, data, message}``
envelope. Unknown module 4, unknown method 5, unknown format 6; every answer is an envelope."""

from __future__ import annotations

import logging

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from ...app.access.auth import Credentials
from ...domain.errors import SmsgwError
from ..client_ip import ClientIpResolver
from ..reading import (RequestRefused, authorization, basic_credentials, buffered_environ,
                       read_request)
from .envelope import error_answer, render
from .methods import ROUTES
from .params import Params

log = logging.getLogger(__name__)
# A body in any other type would be ignored, and the request answered as if it had none.
MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "application/json")


def _format(request: Request) -> str | None:
    fmt = (request.args.get("format") or "").lower()
    if fmt:
        return fmt if fmt in ("json", "xml") else None
    accept = request.headers.get("Accept", "")
    return "xml" if "xml" in accept and "json" not in accept else "json"


def _credentials(request: Request, p: Params, ip: str | None) -> Credentials:
    auth = authorization(request.environ)
    if auth is not None and auth.type == "bearer" and auth.token:
        return Credentials(None, None, ip, api_key=auth.token)
    basic = basic_credentials(request.environ)
    if basic is not None:
        return Credentials(*basic, ip)
    if p.get("apikey"):
        return Credentials(p.get("login"), p.get("password"), ip, api_key=p.get("apikey"))
    return Credentials(p.get("login"), p.get("password"), ip)


def http_api(use_cases, client_ip: ClientIpResolver, max_request_bytes: int):
    def app(environ, start_response):
        refused = None
        try:
            request = read_request(environ, max_request_bytes, MEDIA_TYPES)
        except RequestRefused as exc:  # too large, cut short, a type we do not read: the envelope
            request, refused = Request(buffered_environ(environ, b"")), exc
        fmt = _format(request)
        headers: list[tuple[str, str]] = []
        if fmt is None:
            code, data, message, fmt = 6, None, "unknown format: use json or xml", "json"
        elif refused is not None:
            error = refused.error
            code, data, message = error_answer(error).code, {"field": error.field}, error.message
        else:
            code, data, message = _dispatch(request, use_cases, client_ip, headers)
        status, body, ctype = render(code, data, message, fmt)
        headers += [("Content-Type", ctype), ("Content-Length", str(len(body)))]
        if code == 8:
            headers.append(("WWW-Authenticate", 'Basic realm="smsgw"'))
        start_response(status, headers)
        return [body]

    return app


def _dispatch(request, use_cases, client_ip, headers):
    parts = [x for x in request.path.split("/") if x]
    if len(parts) != 3 or parts[0] != "api":
        return 4, None, "use /api/{Module}/{Method}"
    module = ROUTES.get(parts[1].lower())
    if module is None:
        return 4, None, f"unknown module {parts[1]!r}"
    handler = module.get(parts[2].lower())
    if handler is None:
        return 5, None, f"unknown method {parts[2]!r} of {parts[1]}"
    try:
        params = Params.from_request(request)
        creds = _credentials(request, params, client_ip.resolve(request.environ))
        return handler(use_cases, params, creds)
    except SmsgwError as exc:
        answer = error_answer(exc)
        if answer.retry_after is not None:
            headers.append(("Retry-After", str(answer.retry_after)))
        return answer.code, answer.data, exc.message
    except HTTPException as exc:  # werkzeug's own: body too large, bad form encoding
        return 12 if exc.code == 413 else 1, None, exc.description or exc.name
    except Exception:
        log.exception("HTTP API %s failed", request.path)
        return 999, None, "internal error"
