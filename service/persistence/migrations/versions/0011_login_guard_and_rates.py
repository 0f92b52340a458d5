"""The login guard's shared failure counts, and per-account rate limits by operation class.

login_failures: failed logins per (login, address), per login (address '') and per address
(login ''), so a brute-force lock holds on every node. accounts.rate_send/_query/_manage:
requests per minute for this account (NULL: the global default, 0: no limit).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("strikes", sa.Integer, nullable=False),
        sa.Column("blocked_until", sa.BigInteger, nullable=True),
        sa.Column("last_failure", sa.BigInteger, nullable=False),
        sa.Column("last_success", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("login", "address", name="pk_login_failures"),
    )
    op.create_index("ix_login_failures_last_failure", "login_failures", ["last_failure"])
    with op.batch_alter_table("accounts") as batch:
        for name in ("rate_send", "rate_query", "rate_manage"):
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        for name in ("rate_send", "rate_query", "rate_manage"):
            batch.drop_column(name)
    op.drop_index("ix_login_failures_last_failure", "login_failures")
    op.drop_table("login_failures")
