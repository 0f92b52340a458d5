"""Sending limits: each account's own limits, its day and month counts, and the recent sends
the flood and duplicate guards look back at.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from service.persistence.types import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_limits",
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("accounts.id", name="fk_account_limits_account_id_accounts"),
                  nullable=False),
        sa.Column("per_day", sa.Integer, nullable=True),
        sa.Column("per_month", sa.Integer, nullable=True),
        sa.Column("flood_count", sa.Integer, nullable=True),
        sa.Column("flood_minutes", sa.Integer, nullable=True),
        sa.Column("duplicate_minutes", sa.Integer, nullable=True),
        sa.Column("countries", sa.String(1000), nullable=True),
        sa.Column("quiet_start", sa.SmallInteger, nullable=True),
        sa.Column("quiet_end", sa.SmallInteger, nullable=True),
        sa.PrimaryKeyConstraint("account_id", name="pk_account_limits"),
    )
    op.create_table(
        "limit_counters",
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "period", name="pk_limit_counters"),
    )
    op.create_table(
        "recent_sends",
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_recent_sends_account_recipient_created", "recent_sends",
                    ["account_id", "recipient", "created_at"])
    op.create_index("ix_recent_sends_account_created", "recent_sends",
                    ["account_id", "created_at"])


def downgrade() -> None:
    op.drop_table("recent_sends")
    op.drop_table("limit_counters")
    op.drop_table("account_limits")
