"""Partial indexes for the workers' scans (due messages, in-flight messages, open receipts,
pending notifications), so that each claim costs what is waiting, not what is history.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_messages_due", "messages", ["id"], "status IN ('QUEUED', 'SCHEDULED') AND submit_state IS NULL"),
    ("ix_messages_in_flight", "messages", ["id"], "submit_state = 'inflight'"),
    ("ix_receipts_open", "receipts", ["id"], "state IN ('new', 'unmatched')"),
    ("ix_callbacks_pending", "callbacks", ["id"], "state = 'pending'"),
    ("ix_callbacks_pending_message", "callbacks", ["message_id", "id"], "state = 'pending'"),
]


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        op.create_index(name, table, columns, postgresql_where=sa.text(where),
                        sqlite_where=sa.text(where))


def downgrade() -> None:
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table)
