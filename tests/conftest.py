"""Shared fixtures: clocks, databases (SQLite always; PostgreSQL when configured), containers.

PostgreSQL tests use SMSGW_TEST_POSTGRES_URL (a server URL; each test gets a fresh database
that is dropped afterwards). Without it they skip, unless SMSGW_REQUIRE_POSTGRES=1 (CI), where
a missing or unreachable server fails them instead.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.fakes import FixedClock

PG_URL = os.environ.get("SMSGW_TEST_POSTGRES_URL", "")
PG_REQUIRED = os.environ.get("SMSGW_REQUIRE_POSTGRES") == "1"
_TEST_DB_PREFIX = "smsgw_t_"
_POOL_PREFIX = "smsgw_pool_"
# Under pytest-xdist every worker is a process of its own with its own pool: the names carry
# the worker's id and pid, so no worker takes another's database, and a database whose pid is
# dead (a run that was killed before its teardown) is known to be a leftover.
_OWNER = f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}_"
_OWNED_NAME = re.compile(r"^smsgw_(?:t|pool)_[a-z0-9]+_(\d+)_[0-9a-f]+$")


def _db_name(prefix: str) -> str:
    return f"{prefix}{_OWNER}{uuid.uuid4().hex[:12]}"


@pytest.fixture
def clock():
    return FixedClock()


def _postgres_unavailable(reason: str):
    if PG_REQUIRED:
        pytest.fail(f"PostgreSQL is required here (SMSGW_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"PostgreSQL tests need SMSGW_TEST_POSTGRES_URL ({reason})")


@contextmanager
def postgres_database():
    """A URL to a brand-new, empty PostgreSQL database, dropped on exit (any scope)."""
    if not PG_URL:
        _postgres_unavailable("SMSGW_TEST_POSTGRES_URL is not set")
    name = _db_name(_TEST_DB_PREFIX)
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection problem is reported the same way
        admin.dispose()
        _postgres_unavailable(f"the server is unreachable: {exc}")
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        if not _POSTGRES_POOL.take_back(name):
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url():
    """A URL to a brand-new, empty PostgreSQL database, dropped after the test."""
    with postgres_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'smsgw.db'}"


STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def store_url(request, kind: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{request.getfixturevalue('tmp_path') / 'smsgw.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(params=STORES)
def database_url(request):
    """Each integration test runs on both stores."""
    return store_url(request, request.param)


def migrated(url: str):
    """An engine on ``url`` with the schema at head.

    Running all migrations costs ~2 s a test on PostgreSQL (~600 tests) and ~0.3 s on SQLite,
    so a brand-new test database gets what they would give it instead: a new SQLite file is a
    copy of one migrated once per session, and a new PostgreSQL database is swapped for a
    migrated one from a pool (emptied by the previous test's teardown). ``upgrade`` then finds
    nothing to do; it still runs, so a database that is not brand-new is migrated as before.
    """
    from service.persistence.engine import make_engine
    from service.persistence.migrate import upgrade
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _SQLITE.copy_into(parsed.database or "")
    elif PG_URL and (parsed.database or "").startswith(_TEST_DB_PREFIX):
        _POSTGRES_POOL.lend_as(parsed.database or "")
    engine = make_engine(url)
    upgrade(engine)
    return engine


def _migrated_engine_for(url: str):
    from service.persistence.engine import make_engine
    from service.persistence.migrate import upgrade
    engine = make_engine(url)
    upgrade(engine)
    return engine


class _SqliteTemplate:
    """One SQLite file migrated once per session, copied to each new test database file."""

    def __init__(self) -> None:
        self._path: Path | None = None

    def copy_into(self, database: str) -> None:
        if not database or database == ":memory:" or Path(database).exists():
            return
        if self._path is None:
            path = Path(tempfile.mkdtemp(prefix="smsgw-template-")) / "template.db"
            _migrated_engine_for(f"sqlite:///{path}").dispose()  # closes it: no -wal left
            atexit.register(shutil.rmtree, path.parent, True)
            self._path = path
        shutil.copyfile(self._path, database)

    def remove(self) -> None:
        if self._path is not None:
            shutil.rmtree(self._path.parent, ignore_errors=True)
            self._path = None


class _PostgresPool:
    """Migrated PostgreSQL databases lent to tests under their test database's name.

    A lent database comes back at the test database's teardown: when it still has exactly the
    migrated tables at head, its rows are truncated (identities restarted) and it waits for the
    next test; anything else (a test that created a table, downgraded, ...) drops it.
    """

    def __init__(self) -> None:
        self._free: list[str] = []
        self._lent: set[str] = set()
        self._shape: tuple[str, frozenset[str]] | None = None   # (alembic head, tables)

    def lend_as(self, name: str) -> None:
        if not _postgres_is_empty(_pg_url(name)):
            return
        pooled = self._free.pop() if self._free else self._new()
        with _pg_admin() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            conn.execute(text(f'ALTER DATABASE "{pooled}" RENAME TO "{name}"'))
        self._lent.add(name)

    def take_back(self, name: str) -> bool:
        """True when ``name`` was lent and is pooled again (emptied); False: drop it."""
        if name not in self._lent:
            return False
        self._lent.discard(name)
        with _pg_admin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"),
                         {"name": name})
        engine = create_engine(_pg_url(name))
        try:
            with engine.begin() as conn:
                if _shape(conn) != self._shape:
                    return False
                tables = ", ".join(f'"{t}"' for t in sorted(self._shape[1])
                                   if t != "alembic_version")
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        finally:
            engine.dispose()
        pooled = _db_name(_POOL_PREFIX)
        with _pg_admin() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" RENAME TO "{pooled}"'))
        self._free.append(pooled)
        return True

    def _new(self) -> str:
        name = _db_name(_POOL_PREFIX)
        with _pg_admin() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        if not self._free and not self._lent and self._shape is None:
            atexit.register(self._drop_free)
        engine = _migrated_engine_for(_pg_url(name))
        try:
            with engine.connect() as conn:
                self._shape = _shape(conn)
        finally:
            engine.dispose()
        return name

    def _drop_free(self) -> None:
        free, self._free = self._free, []
        with _pg_admin() as conn:
            for name in free:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:     # someone else's process: alive
        return True
    return True


def _drop_leftovers() -> None:
    """Drop the test and pool databases of runs that died before their teardown (SIGKILL,
    a timeout). Only names of the form _db_name writes whose pid is gone: never a live
    worker's, another checkout's run on the same server included. A pid says something only
    on the machine that ran it, so this is done for a server on this machine only."""
    if make_url(PG_URL).host not in (None, "", "127.0.0.1", "localhost", "::1"):
        return
    try:
        with _pg_admin() as conn:
            names = conn.execute(text(
                "SELECT datname FROM pg_database WHERE datname LIKE 'smsgw%'")).scalars().all()
            for name in names:
                owned = _OWNED_NAME.match(name)
                if owned and not _pid_alive(int(owned.group(1))):
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except Exception:  # noqa: BLE001 - tidying only; the tests report an unreachable server
        pass


def pytest_sessionstart(session) -> None:
    # Once per run: in the xdist controller (or a plain run), before any worker starts.
    if PG_URL and not hasattr(session.config, "workerinput"):
        _drop_leftovers()


@pytest.hookimpl(trylast=True)   # after the session fixtures' teardown gave their databases back
def pytest_sessionfinish(session) -> None:
    # Each xdist worker tidies its own; atexit stays as the fallback of an interrupted run.
    _SQLITE.remove()
    if PG_URL and _POSTGRES_POOL._free:
        _POSTGRES_POOL._drop_free()


def _shape(conn) -> tuple[str, frozenset[str]]:
    head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    return head, frozenset(tables.scalars())


@contextmanager
def _pg_admin():
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            yield conn
    finally:
        admin.dispose()


def _pg_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _postgres_is_empty(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not conn.execute(text(
                "SELECT 1 FROM pg_tables WHERE schemaname = 'public' LIMIT 1")).first()
    finally:
        engine.dispose()


_SQLITE = _SqliteTemplate()
_POSTGRES_POOL = _PostgresPool()


@pytest.fixture
def migrated_engine(database_url):
    engine = migrated(database_url)
    yield engine
    engine.dispose()

