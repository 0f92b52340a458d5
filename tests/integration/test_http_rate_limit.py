"""The HTTP API's rate limit: code 30, HTTP 429 and Retry-After, per account and method."""

from __future__ import annotations

import io
import json
from base64 import b64encode
from decimal import Decimal

from service.bootstrap import build_container, build_wsgi_app
from service.config import Settings
from service.persistence.migrate import upgrade
from tests.fakes import FixedClock


def test_over_the_limit_is_429_with_retry_after_until_the_minute_turns(tmp_path):
    clock = FixedClock()
    c = build_container(Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}",
                                 http_rate_per_minute=3), clock=clock)
    upgrade(c.engine)
    c.use_cases.accounts.create("alice", "pw", Decimal("1"))
    app = build_wsgi_app(c)

    def get(path):
        env = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
               "wsgi.input": io.BytesIO(b""), "REMOTE_ADDR": "127.0.0.1",
               "HTTP_AUTHORIZATION": "Basic " + b64encode(b"alice:pw").decode(),
               "SERVER_NAME": "t", "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
        seen = {}
        body = b"".join(app(env, lambda s, h: seen.update(status=s, headers=dict(h))))
        return seen["status"], seen["headers"], json.loads(body)

    codes = [get("/api/Account/GetBalance")[2]["code"] for _ in range(4)]
    assert codes == [0, 0, 0, 30]
    status, headers, env = get("/api/Account/GetBalance")
    assert status.startswith("429") and 0 < int(headers["Retry-After"]) <= 60
    assert get("/api/Groups/List")[2]["code"] == 0          # another method has its own count
    clock.advance(seconds=60)
    assert get("/api/Account/GetBalance")[2]["code"] == 0
