"""Engines for the embedded default (SQLite, WAL) and for PostgreSQL.

SQLite allows one writer at a time, and its busy handler waits for the lock by sleeping in
coarse steps (1, 2, 5, 10 ... 100 ms): with several writer processes those sleeps, not the
CPU, would set our tail latency. So writers queue on an ``flock`` of a lock file beside the
database before ``BEGIN IMMEDIATE``: the kernel wakes the next writer the moment the lock is
released, and SQLite's own lock is then free. Reads run in WAL mode and never wait.
"""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

from ..app.errors import SaveConflict

# PostgreSQL SQLSTATEs of a write lost to concurrency: serialization failure, deadlock,
# lock_not_available (lock_timeout). SQLite says "database is locked" once busy_timeout passes.
_CONFLICT_SQLSTATES = {"40001", "40P01", "55P03"}


class WriterQueue:
    """One writer at a time across threads (a lock) and processes (flock on ``path``)."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._fd: int | None = None
        self._pid: int | None = None
        self._threads = threading.Lock()

    def _file(self) -> int | None:
        if self._path is None:
            return None
        if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self) -> None:
        self._threads.acquire()
        try:
            fd = self._file()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        try:
            if self._fd is not None and self._pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()


def make_engine(url: str, *, pool_size: int = 8) -> Engine:
    engine = _sqlite_engine(url, pool_size) if url.startswith("sqlite") else _pg_engine(url, pool_size)
    event.listen(engine, "handle_error", _conflicts_as_save_conflict)
    return engine


def _conflicts_as_save_conflict(context):
    """A write lost to concurrent writers is the client's code 10 (retry), not an internal error."""
    original = context.original_exception
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate in _CONFLICT_SQLSTATES or "database is locked" in str(original):
        return SaveConflict(type(original).__name__)
    return None


def _pg_engine(url: str, pool_size: int) -> Engine:
    # No server-side prepared statements: after five runs psycopg prepares a statement and
    # PostgreSQL may then keep a generic plan made when a table was small (a sequential scan
    # for `phone IN (...)` that stays one at 100,000 rows). Custom plans cost little here.
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                         connect_args={"prepare_threshold": None})


def _sqlite_engine(url: str, pool_size: int) -> Engine:
    path = url.split("///", 1)[1] if "///" in url else ""
    on_disk = bool(path) and path != ":memory:"
    if on_disk:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, poolclass=QueuePool, pool_size=pool_size, max_overflow=pool_size,
                           connect_args={"check_same_thread": False})
    writers = WriterQueue(path + ".writelock" if on_disk else None)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        # busy_timeout only matters for writers outside smsgw (say, the sqlite3 shell).
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                       "busy_timeout=10000", "temp_store=MEMORY"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        write = conn.get_execution_options().get("sqlite_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    _QUEUES[engine] = writers
    return engine


_QUEUES: "weakref.WeakKeyDictionary[Engine, WriterQueue]" = weakref.WeakKeyDictionary()


def writer_queue(engine: Engine) -> WriterQueue | None:
    """The queue SQLite writers of this engine must hold around a write transaction."""
    return _QUEUES.get(engine)


@contextmanager
def write_transaction(engine: Engine):
    """A transaction that will write: on SQLite it queues for, then takes, the write lock."""
    queue = writer_queue(engine)
    if queue is None:
        with engine.begin() as conn:
            yield conn
        return
    queue.acquire()
    try:
        with engine.connect() as conn:
            with conn.execution_options(sqlite_write=True).begin():
                yield conn
    finally:
        queue.release()
