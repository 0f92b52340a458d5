"""Shared fixtures: clocks, databases (SQLite always; PostgreSQL when configured), containers.

PostgreSQL tests use SMSGW_TEST_POSTGRES_URL (a server URL; each test gets a fresh database
that is dropped afterwards). Without it they skip, unless SMSGW_REQUIRE_POSTGRES=1 (CI), where
a missing or unreachable server fails them instead.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.fakes import FixedClock

PG_URL = os.environ.get("SMSGW_TEST_POSTGRES_URL", "")
PG_REQUIRED = os.environ.get("SMSGW_REQUIRE_POSTGRES") == "1"


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
    name = f"smsgw_t_{uuid.uuid4().hex[:12]}"
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
    from service.persistence.engine import make_engine
    from service.persistence.migrate import upgrade
    engine = make_engine(url)
    upgrade(engine)
    return engine


@pytest.fixture
def migrated_engine(database_url):
    engine = migrated(database_url)
    yield engine
    engine.dispose()
