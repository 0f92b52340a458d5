"""Engines for the embedded default (SQLite, WAL) and for PostgreSQL.

SQLite allows one writer at a time. Its own busy handler sleeps in coarse steps (up to
100 ms), which would set our tail latency. So a write unit of work takes the write lock up
front with ``BEGIN IMMEDIATE`` and, when another process holds it, retries in short,
growing sleeps of its own (from 0.2 ms) until ``lock_timeout`` runs out. Reads never block
writers in WAL mode.
"""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

LOCK_TIMEOUT_SECONDS = 10.0


def make_engine(url: str, *, pool_size: int = 8) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, pool_size)
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_engine(url: str, pool_size: int) -> Engine:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, poolclass=QueuePool, pool_size=pool_size, max_overflow=pool_size,
                           connect_args={"check_same_thread": False, "timeout": 0})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                       "busy_timeout=5000", "temp_store=MEMORY"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("sqlite_write"):
            _begin_immediate(conn.connection.dbapi_connection)
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def _begin_immediate(dbapi_conn) -> None:
    deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
    delay = 0.0002
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                cur.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 1.5, 0.005)
    finally:
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()
