"""Sender IDs: each account's registered names with the operator's decision, the shared
senders per destination prefix, and each account's sender policy.

Back-compat: until now any valid sender was accepted. So that existing clients keep working
unchanged when SMSGW_SENDER_CHECK is on, every sender an account already used (its messages,
its mailings) and every account's default sender is registered APPROVED for every
destination. `smsgw sender adopt` repeats this step later (docs/senders.md).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from service.persistence.types import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "senders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False,
                  autoincrement=True),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("name", sa.String(15), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("prefixes", sa.String(1000), nullable=False, server_default=""),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_senders"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name="fk_senders_account_id_accounts"),
        sa.UniqueConstraint("account_id", "name", name="uq_senders_account_name"),
    )
    op.create_table(
        "shared_senders",
        sa.Column("prefix", sa.String(15), nullable=False),
        sa.Column("name", sa.String(15), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name="pk_shared_senders"),
    )
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("sender_policy", sa.String(10), nullable=False,
                                   server_default="fallback"))
    op.get_bind().execute(adopt_statement(datetime.now(timezone.utc)))


def adopt_statement(now: datetime):
    """INSERT every (account, sender) in use and not registered, APPROVED for every destination."""
    accounts = sa.table("accounts", sa.column("id"), sa.column("default_sender"))
    messages = sa.table("messages", sa.column("account_id"), sa.column("sender"))
    mailings = sa.table("mailings", sa.column("account_id"), sa.column("sender"))
    senders = sa.table("senders", sa.column("account_id"), sa.column("name"),
                       sa.column("state"), sa.column("prefixes"),
                       sa.column("created_at", UtcDateTime()),
                       sa.column("decided_at", UtcDateTime()))
    used = sa.union(
        sa.select(messages.c.account_id, messages.c.sender.label("name"))
        .where(messages.c.sender.is_not(None)),
        sa.select(mailings.c.account_id, mailings.c.sender).where(mailings.c.sender.is_not(None)),
        sa.select(accounts.c.id, accounts.c.default_sender)
        .where(accounts.c.default_sender.is_not(None)),
    ).subquery("used")
    known = sa.select(senders.c.name).where(senders.c.account_id == used.c.account_id,
                                            senders.c.name == used.c.name)
    when = sa.literal(now, UtcDateTime())
    return senders.insert().from_select(
        ["account_id", "name", "state", "prefixes", "created_at", "decided_at"],
        sa.select(used.c.account_id, used.c.name, sa.literal("approved"), sa.literal(""),
                  when, when).where(used.c.name != "", ~sa.exists(known)))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("sender_policy")
    op.drop_table("shared_senders")
    op.drop_table("senders")
