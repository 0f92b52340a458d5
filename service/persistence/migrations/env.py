"""Alembic environment: the engine comes from the caller (service.persistence.migrate)."""

from alembic import context

from service.persistence.tables import metadata

engine = context.config.attributes["engine"]
sqlite = engine.dialect.name == "sqlite"

with engine.connect() as connection:
    if sqlite:
        # Batch migrations rebuild a table (copy, drop, rename); with foreign keys enforced the
        # drop fails as soon as another table's rows point at it. SQLite's documented recipe:
        # keys off for the migration, then foreign_key_check before anything is committed.
        # On the DBAPI connection: SQLAlchemy would open a transaction first, and inside one
        # SQLite ignores this pragma.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=sqlite)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows whose keys point nowhere: "
                                       f"{broken[:5]}")
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
