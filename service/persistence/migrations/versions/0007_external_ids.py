"""The client's own message id (smsc's ``id``), by which smsc clients ask for a status.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("external_id", sa.String(64), nullable=True))
    op.create_index("ix_messages_account_external", "messages", ["account_id", "external_id"])


def downgrade() -> None:
    op.drop_index("ix_messages_account_external", "messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("external_id")
