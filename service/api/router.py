"""The one WSGI app gunicorn serves: routes each path to its front door."""

from __future__ import annotations

import json


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
