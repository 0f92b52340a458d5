"""History retention and the archive.

messages_archive: final messages older than SMSGW_ARCHIVE_AFTER_HOURS, moved out of messages
with the same id (the hot-only delivery columns stay behind). mailing_purged_stats: what
purged messages still count for their mailing's statistics. ix_messages_finished_at: the
archive and purge scans. Final messages stored before this revision get finished_at from
updated_at (a message refused at send time was final at once).

On SQLite the messages table is rebuilt with AUTOINCREMENT: once the newest rows can be
archived or purged, SQLite would otherwise hand their ids (max(rowid) + 1) out again.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""
import re

import sqlalchemy as sa
from alembic import op

from service.persistence.types import Money, UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

FINAL = ("DELIVERED", "CLICKED", "EXPIRED", "UNDELIVERABLE", "REJECTED", "DELETED",
         "INVALID_NUMBER", "BANNED", "NO_FUNDS", "UNAVAILABLE")
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _sqlite_autoincrement() -> None:
    """Rebuild messages with ``INTEGER PRIMARY KEY AUTOINCREMENT`` (SQLite's 12-step ALTER;
    env.py turns foreign keys off around SQLite migrations, as that procedure requires)."""
    bind = op.get_bind()
    rows = bind.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'messages'").all()
    table_sql = next(sql for kind, _name, sql in rows if kind == "table")
    if "AUTOINCREMENT" in table_sql.upper():
        return
    indexes = [sql for kind, _name, sql in rows if kind == "index" and sql]
    new_sql = re.sub(r",\s*CONSTRAINT pk_messages PRIMARY KEY \(id\)", "", table_sql)
    new_sql = new_sql.replace("id INTEGER NOT NULL,",
                              "id INTEGER NOT NULL CONSTRAINT pk_messages PRIMARY KEY AUTOINCREMENT,", 1)
    new_sql = new_sql.replace("CREATE TABLE messages", "CREATE TABLE messages__rebuilt", 1)
    bind.exec_driver_sql(new_sql)
    bind.exec_driver_sql("INSERT INTO messages__rebuilt SELECT * FROM messages")
    bind.exec_driver_sql("DROP TABLE messages")
    bind.exec_driver_sql("ALTER TABLE messages__rebuilt RENAME TO messages")
    for sql in indexes:
        bind.exec_driver_sql(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_autoincrement()
    final = ", ".join(f"'{name}'" for name in FINAL)
    op.execute(f"UPDATE messages SET finished_at = updated_at "
               f"WHERE finished_at IS NULL AND status IN ({final})")
    where = sa.text("finished_at IS NOT NULL")
    op.create_index("ix_messages_finished_at", "messages", ["finished_at"],
                    postgresql_where=where, sqlite_where=where)
    op.create_table(
        "messages_archive",
        sa.Column("id", Id, nullable=False, autoincrement=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("sender", sa.String(15), nullable=True),
        sa.Column("encoding", sa.String(4), nullable=False),
        sa.Column("segments", sa.SmallInteger, nullable=False),
        sa.Column("cost", Money(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("error_code", sa.Integer, nullable=True),
        sa.Column("error_message", sa.String(500), nullable=True),
        sa.Column("client_ref", sa.String(64), nullable=True),
        sa.Column("scheduled_at", UtcDateTime(), nullable=True),
        sa.Column("valid_until", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.SmallInteger, nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("dlr_stat", sa.String(8), nullable=True),
        sa.Column("dlr_error", sa.String(8), nullable=True),
        sa.Column("mailing_id", Id, nullable=True),
        sa.Column("external_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_messages_archive"),
    )
    op.create_index("ix_messages_archive_account_id_id", "messages_archive", ["account_id", "id"])
    op.create_index("ix_messages_archive_account_external", "messages_archive",
                    ["account_id", "external_id"])
    op.create_index("ix_messages_archive_mailing_id", "messages_archive", ["mailing_id"])
    op.create_index("ix_messages_archive_finished_at", "messages_archive", ["finished_at"])
    op.create_table(
        "mailing_purged_stats",
        sa.Column("mailing_id", Id, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("cost", Money(), nullable=False),
        sa.PrimaryKeyConstraint("mailing_id", "status", name="pk_mailing_purged_stats"),
    )


def downgrade() -> None:
    op.drop_table("mailing_purged_stats")
    op.drop_table("messages_archive")
    op.drop_index("ix_messages_finished_at", "messages")
