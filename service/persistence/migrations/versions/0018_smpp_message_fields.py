"""Messages remember what an SMPP client asked for: the receipt bits of registered_delivery,
and the client's own numbering of a part it split itself (UDH or SAR), in the hot table and
the archive alike.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("messages", "messages_archive"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("receipt_request", sa.SmallInteger(), nullable=False,
                                       server_default="0"))
            batch.add_column(sa.Column("concat_ref", sa.Integer(), nullable=True))
            batch.add_column(sa.Column("concat_total", sa.SmallInteger(), nullable=True))
            batch.add_column(sa.Column("concat_seq", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    for table in ("messages_archive", "messages"):
        with op.batch_alter_table(table) as batch:
            for name in ("concat_seq", "concat_total", "concat_ref", "receipt_request"):
                batch.drop_column(name)
