"""The Alembic migrations build exactly the schema the code declares, on both stores."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from service.persistence.migrate import current_revision, head_revision, upgrade
from service.persistence.tables import metadata


def test_migrated_schema_matches_the_declared_tables(migrated_engine):
    with migrated_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_reaches_head(migrated_engine):
    upgrade(migrated_engine)
    assert current_revision(migrated_engine) == head_revision()


def test_sqlite_upgrades_rebuild_tables_that_rows_point_at_and_keep_keys_enforced(tmp_path):
    """Batch migrations rebuild tables on SQLite; with rows pointing at them (messages at their
    account) the rebuild must still succeed, and the pool's connections keep enforcing keys."""
    from service.persistence.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(engine, "0011")
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO accounts (id, login, password_hash, balance, currency, allowed_ips, "
                "created_at, blocked, paused, callback_url_trusted) VALUES "
                "(7, 'old', 'x', 10000, 'RUB', '', '2026-11-01 00:00:00', 0, 0, 1)")
            conn.exec_driver_sql(
                "INSERT INTO messages (account_id, recipient, text, encoding, segments, cost, "
                "status, created_at, updated_at, valid_until) VALUES (7, '+79990000001', 'x', "
                "'GSM7', 1, 10000, 'DELIVERED', '2026-11-01 00:00:00', '2026-11-01 00:00:00', "
                "'2026-11-02 00:00:00')")
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("SELECT account_id FROM messages").scalar() == 7
    finally:
        engine.dispose()
