"""Sub-clients: the parent link with its balance mode and caps, and the spend counters that
enforce the caps.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from service.persistence.types import Money, UtcDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sub_accounts",
        sa.Column("account_id", Id, nullable=False),
        sa.Column("parent_id", Id, nullable=False),
        sa.Column("balance_mode", sa.String(8), nullable=False),
        sa.Column("daily_cap", Money(), nullable=True),
        sa.Column("monthly_cap", Money(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("account_id", name="pk_sub_accounts"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name="fk_sub_accounts_account_id_accounts"),
        sa.ForeignKeyConstraint(["parent_id"], ["accounts.id"],
                                name="fk_sub_accounts_parent_id_accounts"),
    )
    op.create_index("ix_sub_accounts_parent_id", "sub_accounts", ["parent_id"])
    op.create_table(
        "sub_account_spend",
        sa.Column("account_id", Id, nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("spent", Money(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "period", "start", name="pk_sub_account_spend"),
    )


def downgrade() -> None:
    op.drop_table("sub_account_spend")
    op.drop_index("ix_sub_accounts_parent_id", "sub_accounts")
    op.drop_table("sub_accounts")
