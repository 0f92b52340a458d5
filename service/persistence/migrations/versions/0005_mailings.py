"""Mailings, and the link from a message to its mailing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from service.persistence.types import Money, UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "mailings",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("sender", sa.String(15), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("scheduled_at", UtcDateTime(), nullable=True),
        sa.Column("validity_minutes", sa.Integer, nullable=True),
        sa.Column("rate_per_minute", sa.Integer, nullable=True),
        sa.Column("defaults", sa.Text, nullable=False),
        sa.Column("targets", sa.Text, nullable=False),
        sa.Column("recipients", sa.Integer, nullable=False),
        sa.Column("total_cost", Money(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mailings"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name="fk_mailings_account_id_accounts"),
    )
    op.create_index("ix_mailings_account_id_id", "mailings", ["account_id", "id"])
    op.add_column("messages", sa.Column("mailing_id", Id, nullable=True))
    op.create_index("ix_messages_mailing_id_status", "messages", ["mailing_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_messages_mailing_id_status", "messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("mailing_id")
    op.drop_table("mailings")
