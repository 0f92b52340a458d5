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
