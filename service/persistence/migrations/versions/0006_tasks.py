"""Background tasks, their per-item errors, and the staging list of a large mailing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from service.persistence.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN = "state IN ('queued', 'running')"


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("checkpoint", sa.Text, nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("processed", sa.Integer, nullable=False),
        sa.Column("result_code", sa.Integer, nullable=True),
        sa.Column("message", sa.String(500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_tasks_account_id_accounts"),
    )
    op.create_index("ix_tasks_open", "tasks", ["id"], postgresql_where=sa.text(OPEN),
                    sqlite_where=sa.text(OPEN))
    op.create_table(
        "task_errors",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("task_id", Id, nullable=False),
        sa.Column("item_index", sa.Integer, nullable=False),
        sa.Column("code", sa.Integer, nullable=False),
        sa.Column("message", sa.String(500), nullable=True),
        sa.Column("field", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_task_errors"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name="fk_task_errors_task_id_tasks"),
    )
    op.create_index("ix_task_errors_task_id_id", "task_errors", ["task_id", "id"])
    op.create_table(
        "mailing_recipients",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("mailing_id", Id, nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("contact_id", Id, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mailing_recipients"),
        sa.UniqueConstraint("mailing_id", "phone", name="uq_mailing_recipients_mailing_phone"),
    )


def downgrade() -> None:
    op.drop_table("mailing_recipients")
    op.drop_table("task_errors")
    op.drop_table("tasks")
