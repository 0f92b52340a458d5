"""Delivery: leases and attempts on messages, parts, the receipt inbox, the callback outbox,
and the simulator's carrier-side record.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from service.persistence.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("accounts", sa.Column("paused", sa.Boolean, nullable=False,
                                        server_default=sa.false()))
    op.add_column("accounts", sa.Column("simulator_rules", sa.String(500), nullable=True))
    for column in (
        sa.Column("attempts", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.Column("submit_state", sa.String(8), nullable=True),
        sa.Column("submitted_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("dlr_stat", sa.String(8), nullable=True),
        sa.Column("dlr_error", sa.String(8), nullable=True),
    ):
        op.add_column("messages", column)
    op.create_index("ix_messages_status_valid_until", "messages", ["status", "valid_until"])

    op.create_table(
        "message_parts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("message_id", Id, nullable=False),
        sa.Column("part_no", sa.SmallInteger, nullable=False),
        sa.Column("connector", sa.String(16), nullable=False),
        sa.Column("carrier_id", sa.String(64), nullable=False),
        sa.Column("carrier_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(24), nullable=True),
        sa.Column("dlr_stat", sa.String(8), nullable=True),
        sa.Column("dlr_error", sa.String(8), nullable=True),
        sa.Column("receipt_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_message_parts"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"],
                                name="fk_message_parts_message_id_messages"),
        sa.UniqueConstraint("message_id", "part_no", name="uq_message_parts_message_part"),
    )
    op.create_index("ix_message_parts_carrier", "message_parts", ["connector", "carrier_key"])

    op.create_table(
        "receipts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("connector", sa.String(16), nullable=False),
        sa.Column("carrier_id", sa.String(64), nullable=False),
        sa.Column("stat", sa.String(16), nullable=False),
        sa.Column("error", sa.String(16), nullable=True),
        sa.Column("done_at", UtcDateTime(), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_receipts"),
    )
    op.create_index("ix_receipts_state_next", "receipts", ["state", "next_attempt_at"])

    op.create_table(
        "callbacks",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("message_id", Id, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("delivered_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_callbacks"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name="fk_callbacks_account_id_accounts"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"],
                                name="fk_callbacks_message_id_messages"),
    )
    op.create_index("ix_callbacks_state_next", "callbacks", ["state", "next_attempt_at"])
    op.create_index("ix_callbacks_message_id", "callbacks", ["message_id", "id"])

    op.create_table(
        "simulator_submissions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("carrier_id", sa.String(64), nullable=False),
        sa.Column("message_id", Id, nullable=False),
        sa.Column("part_no", sa.SmallInteger, nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("stat", sa.String(8), nullable=True),
        sa.Column("error", sa.String(8), nullable=True),
        sa.Column("receipt_due_at", UtcDateTime(), nullable=True),
        sa.Column("receipt_sent", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_simulator_submissions"),
        sa.UniqueConstraint("carrier_id", name="uq_simulator_submissions_carrier_id"),
    )
    op.create_index("ix_simulator_due", "simulator_submissions", ["receipt_sent", "receipt_due_at"])


def downgrade() -> None:
    op.drop_table("simulator_submissions")
    op.drop_table("callbacks")
    op.drop_table("receipts")
    op.drop_table("message_parts")
    op.drop_index("ix_messages_status_valid_until", "messages")
    with op.batch_alter_table("messages") as batch:
        for name in ("dlr_error", "dlr_stat", "finished_at", "submitted_at", "submit_state",
                     "lease_until", "lease_owner", "next_attempt_at", "attempts"):
            batch.drop_column(name)
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("simulator_rules")
        batch.drop_column("paused")
