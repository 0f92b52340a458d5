"""Accounts, messages and idempotent send requests.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from service.persistence.types import Money, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("balance", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("blocked", sa.Boolean, nullable=False),
        sa.Column("allowed_ips", sa.Text, nullable=False),
        sa.Column("retention_days", sa.Integer, nullable=True),
        sa.Column("default_sender", sa.String(15), nullable=True),
        sa.Column("callback_url", sa.String(2000), nullable=True),
        sa.Column("callback_secret", sa.String(200), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("login", name="uq_accounts_login"),
    )
    op.create_table(
        "messages",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
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
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name="fk_messages_account_id_accounts"),
    )
    op.create_index("ix_messages_account_id_id", "messages", ["account_id", "id"])
    op.create_index("ix_messages_status_scheduled_at", "messages", ["status", "scheduled_at"])
    op.create_table(
        "send_requests",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("client_ref", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("result", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_send_requests"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name="fk_send_requests_account_id_accounts"),
        sa.UniqueConstraint("account_id", "client_ref", name="uq_send_requests_account_ref"),
    )


def downgrade() -> None:
    op.drop_table("send_requests")
    op.drop_table("messages")
    op.drop_table("accounts")
