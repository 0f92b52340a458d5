"""``GET /health``: liveness plus a database round trip, as a small JSON document."""

from __future__ import annotations

import json
import logging
from typing import Callable

log = logging.getLogger(__name__)


def health_app(check_database: Callable[[], None], version: str):
    def app(environ, start_response):
        try:
            check_database()
            database, status, code = "ok", "ok", "200 OK"
        except Exception as exc:  # any failure of the store means "not healthy", never a 500 page
            log.warning("health check: database unavailable: %s", exc)
            database, status, code = "unavailable", "degraded", "503 Service Unavailable"
        body = json.dumps({"status": status, "database": database, "version": version}).encode()
        start_response(code, [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body))), ("Cache-Control", "no-store")])
        return [body]
    return app
