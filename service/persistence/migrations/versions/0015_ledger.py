"""The money ledger, and postpaid credit limits.

ledger_entries: one row per balance change (amount, balance after, reason, reference, actor,
time). Every account that exists at the upgrade gets one "opening_balance" row of its balance,
so the ledger's invariant (balance = sum of the account's amounts) holds from the first moment.
accounts.credit_limit: how far below zero the balance may go (0: prepaid, as before).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from service.persistence.types import Money, UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("credit_limit", Money(), nullable=False, server_default="0"))
    op.create_table(
        "ledger_entries",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("balance_after", Money(), nullable=False),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("ref_kind", sa.String(16), nullable=True),
        sa.Column("ref_id", sa.String(64), nullable=True),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name="fk_ledger_entries_account_id_accounts"),
    )
    op.create_index("ix_ledger_entries_account_id_id", "ledger_entries", ["account_id", "id"])
    # Money is stored the same way in both columns (NUMERIC, or SQLite's ten-thousandths), so
    # the balance is copied as it is, without a round trip through Python.
    op.get_bind().execute(sa.text(
        "INSERT INTO ledger_entries (account_id, amount, balance_after, reason, note, actor, "
        "created_at) SELECT id, balance, balance, 'opening_balance', "
        "'the balance when the ledger was introduced', 'migration', :now FROM accounts "
        "ORDER BY id").bindparams(sa.bindparam("now", type_=UtcDateTime())),
        {"now": datetime.now(timezone.utc)})


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_account_id_id", "ledger_entries")
    op.drop_table("ledger_entries")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("credit_limit")
