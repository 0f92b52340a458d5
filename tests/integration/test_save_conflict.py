"""A write lost to concurrent writers is SaveConflict (code 10), on SQLite and PostgreSQL, and
the HTTP API answers it 503 with Retry-After: the client retries; nothing was half-saved."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
from base64 import b64encode
from decimal import Decimal

import pytest
from sqlalchemy import text

from service.app.errors import SaveConflict
from service.bootstrap import build_container, build_wsgi_app
from service.config import Settings
from service.persistence.engine import make_engine
from service.persistence.migrate import upgrade


def test_sqlite_lock_timeout_is_a_save_conflict(tmp_path):
    path = tmp_path / "x.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    holder = sqlite3.connect(path, isolation_level=None)  # a writer outside smsgw holds the lock
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA busy_timeout=50")
        c.commit()
        with pytest.raises(SaveConflict) as caught:
            with c.begin():
                c.exec_driver_sql("INSERT INTO t VALUES (2)")
    holder.execute("ROLLBACK")
    assert caught.value.code == 10
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0


@pytest.mark.postgres
def test_postgres_deadlock_is_a_save_conflict(postgres_url):
    engine = make_engine(postgres_url)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE conflict_t (id INT PRIMARY KEY, v INT)"))
        c.execute(text("INSERT INTO conflict_t VALUES (1, 0), (2, 0)"))
    first_locked = threading.Barrier(2)
    outcomes = []

    def writer(a: int, b: int) -> None:
        try:
            with engine.begin() as c:
                c.execute(text("UPDATE conflict_t SET v = v + 1 WHERE id = :a"), {"a": a})
                first_locked.wait(timeout=10)
                c.execute(text("UPDATE conflict_t SET v = v + 1 WHERE id = :b"), {"b": b})
            outcomes.append("saved")
        except SaveConflict as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=writer, args=(1, 2)), threading.Thread(target=writer, args=(2, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    engine.dispose()
    assert sorted(outcomes, key=str) == [10, "saved"]


def test_http_answers_a_save_conflict_503_with_retry_after(tmp_path, monkeypatch):
    c = build_container(Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}",
                                 rate_send_per_minute=0))
    upgrade(c.engine)
    c.use_cases.accounts.create("alice", "pw", Decimal("100"))

    def lost(*_a, **_k):
        raise SaveConflict("OperationalError")
    monkeypatch.setattr(c.use_cases.sending, "send", lost)
    app = build_wsgi_app(c)
    body = json.dumps({"recipients": ["+79991234567"], "text": "hi"}).encode()
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/Sms/Send", "QUERY_STRING": "",
           "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
           "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": "127.0.0.1",
           "HTTP_AUTHORIZATION": "Basic " + b64encode(b"alice:pw").decode(),
           "SERVER_NAME": "t", "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
    seen = {}
    answer = json.loads(b"".join(app(env, lambda s, h: seen.update(status=s, headers=dict(h)))))
    assert seen["status"].startswith("503") and seen["headers"]["Retry-After"] == "1"
    assert answer["code"] == 10 and "retry" in answer["message"]
