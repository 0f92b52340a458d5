"""The one WSGI app gunicorn serves: routes each path to its front door."""

from __future__ import annotations

import json
import logging
import sys

log = logging.getLogger(__name__)


def _respond(start_response, status: str, body: bytes, content_type: str):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


class Router:
    """Exact-path routing; ``?wsdl`` on a SOAP path serves that endpoint's fixed WSDL."""

    def __init__(self) -> None:
        self._apps: dict[str, object] = {}
        self._wsdl: dict[str, bytes] = {}
        self._prefixes: dict[str, object] = {}

    def mount_prefix(self, prefix: str, app) -> None:
        """Every path under ``prefix`` (``/api/...``) goes to ``app``."""
        self._prefixes[prefix.rstrip("/") + "/"] = app

    def mount(self, path: str, app, wsdl: bytes | None = None) -> None:
        self._apps[path] = app
        if wsdl is not None:
            self._wsdl[path] = wsdl

    def __call__(self, environ, start_response):
        """Nothing escapes to gunicorn: its error page is not any door's answer, and its log
        line would carry the request line, credentials in the query string included."""
        started = []

        def tracking_start_response(status, headers, exc_info=None):
            started.append(status)
            if exc_info is None:
                return start_response(status, headers)
            return start_response(status, headers, exc_info)

        try:
            # Built whole here, so that a failure while rendering is still caught (every
            # door renders its answer in full anyway).
            result = self._route(environ, tracking_start_response)
            try:
                return [b"".join(result)]
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception:
            log.exception("unhandled error on %s %s (a bug: every door answers its own errors)",
                          environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            body = json.dumps({"code": 999, "data": None, "message": "internal error"}).encode()
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            if started:  # the door had begun an answer: replace it (PEP 3333 exc_info)
                start_response("500 Internal Server Error", headers, sys.exc_info())
            else:
                start_response("500 Internal Server Error", headers)
            return [body]

    def _route(self, environ, start_response):
        path = environ.get("PATH_INFO", "") or "/"
        if len(path) > 1:
            path = path.rstrip("/")
        app = self._apps.get(path)
        if app is None:
            app = next((a for p, a in self._prefixes.items() if path.startswith(p)), None)
            if app is not None:
                return app(environ, start_response)
            body = json.dumps({"code": 4, "data": None, "message": f"no endpoint at {path}"}).encode()
            return _respond(start_response, "404 Not Found", body, "application/json")
        query = environ.get("QUERY_STRING", "")
        if path in self._wsdl and environ.get("REQUEST_METHOD") in ("GET", "HEAD") \
                and query.lower() in ("wsdl", "wsdl="):
            return _respond(start_response, "200 OK", self._wsdl[path], "text/xml; charset=utf-8")
        return app(environ, start_response)
