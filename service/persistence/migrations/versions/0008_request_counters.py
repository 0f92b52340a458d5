"""Request counters per account and minute, shared by every web node (smsc error 9).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "request_counters",
        sa.Column("account_id", Id, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("window", sa.Integer, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "key", "window", name="pk_request_counters"),
    )


def downgrade() -> None:
    op.drop_table("request_counters")
