"""The simulator's subscribers reply: simulator_submissions keeps the reply a part owes
(rules reply:SUFFIX=TEXT), its destination and when it is due (also its lease).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from service.persistence.types import UtcDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("simulator_submissions") as batch:
        batch.add_column(sa.Column("reply_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reply_to", sa.String(64), nullable=True))
        batch.add_column(sa.Column("reply_due_at", UtcDateTime(), nullable=True))
        batch.create_index("ix_simulator_reply_due", ["reply_due_at"])


def downgrade() -> None:
    with op.batch_alter_table("simulator_submissions") as batch:
        batch.drop_index("ix_simulator_reply_due")
        batch.drop_column("reply_due_at")
        batch.drop_column("reply_to")
        batch.drop_column("reply_text")
