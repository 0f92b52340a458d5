"""Who set an account's callback URL: the operator (trusted) or a client through an API.

A URL a client set may reach loopback and private networks only where the operator allows
them (SMSGW_CALLBACK_ALLOWED_NETWORKS); one the operator set with the CLI is trusted.
Existing URLs were all set with the CLI.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("callback_url_trusted", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("callback_url_trusted")
