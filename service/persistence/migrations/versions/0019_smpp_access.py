"""SMPP binds: an account's own SMPP password (hashed) and bind limit, and the registry of
bound SMPP sessions that every node counts an account's binds in.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from service.persistence.types import UtcDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("smpp_password_hash", sa.String(200), nullable=True))
        batch.add_column(sa.Column("smpp_max_binds", sa.Integer(), nullable=True))
    op.create_table(
        "smpp_sessions",
        sa.Column("id", Id, nullable=False, autoincrement=True),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("bind_type", sa.String(3), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("bound_at", UtcDateTime(), nullable=False),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_smpp_sessions"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name="fk_smpp_sessions_account_id_accounts"),
    )
    op.create_index("ix_smpp_sessions_node", "smpp_sessions", ["node"])
    op.create_index("ix_smpp_sessions_seen_at", "smpp_sessions", ["seen_at"])
    op.create_index("ix_smpp_sessions_account_seen", "smpp_sessions", ["account_id", "seen_at"])


def downgrade() -> None:
    op.drop_table("smpp_sessions")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("smpp_max_binds")
        batch.drop_column("smpp_password_hash")
