"""The durable queue of receipts owed to SMPP clients (app/smpp/receipts.py).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from service.persistence.types import UtcDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "smpp_receipts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", Id, sa.ForeignKey("accounts.id",
                                                  name="fk_smpp_receipts_account_id_accounts"),
                  nullable=False),
        sa.Column("message_id", Id, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("stat", sa.String(8), nullable=False),
        sa.Column("err", sa.String(3), nullable=False),
        sa.Column("message_state", sa.SmallInteger(), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
        sa.Column("done_at", UtcDateTime(), nullable=False),
        sa.Column("text", sa.String(20), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_smpp_receipts"),
    )
    op.create_index("ix_smpp_receipts_account_id_id", "smpp_receipts", ["account_id", "id"])
    op.create_index("ix_smpp_receipts_lease_owner", "smpp_receipts", ["lease_owner"])
    op.create_index("ix_smpp_receipts_created_at", "smpp_receipts", ["created_at"])


def downgrade() -> None:
    op.drop_table("smpp_receipts")
