"""Two-way messaging: inbound numbers and keywords, inbound parts and messages, each account's
opt-out keywords; the blacklist remembers who listed a number and why; the callback outbox
carries inbound events beside status events; the SMPP receipt queue becomes the SMPP outbox
of receipts and inbound messages; messages get the index a reply's thread is found by.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from service.persistence.types import UtcDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UNMATCHED = sa.text("account_id IS NULL")


def _account_fk(table: str) -> sa.ForeignKey:
    return sa.ForeignKey("accounts.id", name=f"fk_{table}_account_id_accounts")


def upgrade() -> None:
    op.create_table(
        "inbound_numbers",
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("account_id", Id, _account_fk("inbound_numbers"), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("number", name="pk_inbound_numbers"),
    )
    op.create_index("ix_inbound_numbers_account_id", "inbound_numbers", ["account_id"])
    op.create_table(
        "inbound_keywords",
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("keyword", sa.String(32), nullable=False),
        sa.Column("account_id", Id, _account_fk("inbound_keywords"), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("number", "keyword", name="pk_inbound_keywords"),
    )
    op.create_index("ix_inbound_keywords_account_id", "inbound_keywords", ["account_id"])
    op.create_table(
        "inbound_parts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("connector", sa.String(16), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("concat_ref", sa.Integer(), nullable=True),
        sa.Column("concat_total", sa.SmallInteger(), nullable=True),
        sa.Column("concat_seq", sa.SmallInteger(), nullable=True),
        sa.Column("carrier_id", sa.String(64), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_parts"),
    )
    op.create_index("ix_inbound_parts_state_id", "inbound_parts", ["state", "id"])
    op.create_index("ix_inbound_parts_group", "inbound_parts",
                    ["connector", "source", "destination", "concat_ref"])
    op.create_table(
        "inbound_messages",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", Id, _account_fk("inbound_messages"), nullable=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("connector", sa.String(16), nullable=True),
        sa.Column("parts", sa.SmallInteger(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("reply_to_message_id", Id, nullable=True),
        sa.Column("mailing_id", Id, nullable=True),
        sa.Column("action", sa.String(8), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_messages"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_inbound_messages_account_id_id", "inbound_messages", ["account_id", "id"])
    op.create_index("ix_inbound_messages_received_at", "inbound_messages", ["received_at"])
    op.create_index("ix_inbound_messages_unmatched", "inbound_messages", ["id"],
                    postgresql_where=_UNMATCHED, sqlite_where=_UNMATCHED)
    op.create_table(
        "inbound_settings",
        sa.Column("account_id", Id, _account_fk("inbound_settings"), nullable=False),
        sa.Column("stop_words", sa.Text(), nullable=True),
        sa.Column("start_words", sa.Text(), nullable=True),
        sa.Column("help_words", sa.Text(), nullable=True),
        sa.Column("stop_reply", sa.String(1000), nullable=True),
        sa.Column("start_reply", sa.String(1000), nullable=True),
        sa.Column("help_reply", sa.String(1000), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_inbound_settings"),
    )

    with op.batch_alter_table("blacklist") as batch:
        batch.add_column(sa.Column("source", sa.String(10), nullable=False, server_default="api"))
        batch.add_column(sa.Column("reason", sa.String(200), nullable=True))

    with op.batch_alter_table("callbacks") as batch:
        batch.alter_column("message_id", existing_type=Id, nullable=True)
        batch.add_column(sa.Column("inbound_id", Id, nullable=True))
    op.create_index("ix_callbacks_inbound_id", "callbacks", ["inbound_id"])

    op.create_index("ix_messages_account_recipient_id", "messages",
                    ["account_id", "recipient", "id"])

    for name in ("account_id_id", "lease_owner", "created_at"):
        op.drop_index(f"ix_smpp_receipts_{name}", table_name="smpp_receipts")
    op.rename_table("smpp_receipts", "smpp_outbox")
    with op.batch_alter_table("smpp_outbox") as batch:
        batch.add_column(sa.Column("kind", sa.String(8), nullable=False,
                                   server_default="receipt"))
        batch.add_column(sa.Column("inbound_id", Id, nullable=True))
        batch.alter_column("message_id", existing_type=Id, nullable=True)
        for column, kind in (("stat", sa.String(8)), ("err", sa.String(3)),
                             ("message_state", sa.SmallInteger()),
                             ("submitted_at", UtcDateTime()), ("done_at", UtcDateTime()),
                             ("final", sa.Boolean())):
            batch.alter_column(column, existing_type=kind, nullable=True)
        batch.alter_column("text", existing_type=sa.String(20), type_=sa.Text(),
                           existing_nullable=False)
    op.create_index("ix_smpp_outbox_account_id_id", "smpp_outbox", ["account_id", "id"])
    op.create_index("ix_smpp_outbox_lease_owner", "smpp_outbox", ["lease_owner"])
    op.create_index("ix_smpp_outbox_created_at", "smpp_outbox", ["created_at"])


def downgrade() -> None:
    for name in ("account_id_id", "lease_owner", "created_at"):
        op.drop_index(f"ix_smpp_outbox_{name}", table_name="smpp_outbox")
    op.execute("DELETE FROM smpp_outbox WHERE kind <> 'receipt'")
    with op.batch_alter_table("smpp_outbox") as batch:
        batch.alter_column("text", existing_type=sa.Text(), type_=sa.String(20),
                           existing_nullable=False)
        for column, kind in (("stat", sa.String(8)), ("err", sa.String(3)),
                             ("message_state", sa.SmallInteger()),
                             ("submitted_at", UtcDateTime()), ("done_at", UtcDateTime()),
                             ("final", sa.Boolean())):
            batch.alter_column(column, existing_type=kind, nullable=False)
        batch.alter_column("message_id", existing_type=Id, nullable=False)
        batch.drop_column("inbound_id")
        batch.drop_column("kind")
    op.rename_table("smpp_outbox", "smpp_receipts")
    op.create_index("ix_smpp_receipts_account_id_id", "smpp_receipts", ["account_id", "id"])
    op.create_index("ix_smpp_receipts_lease_owner", "smpp_receipts", ["lease_owner"])
    op.create_index("ix_smpp_receipts_created_at", "smpp_receipts", ["created_at"])
    op.drop_index("ix_messages_account_recipient_id", table_name="messages")
    op.drop_index("ix_callbacks_inbound_id", table_name="callbacks")
    op.execute("DELETE FROM callbacks WHERE message_id IS NULL")
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("inbound_id")
        batch.alter_column("message_id", existing_type=Id, nullable=False)
    with op.batch_alter_table("blacklist") as batch:
        batch.drop_column("reason")
        batch.drop_column("source")
    for table in ("inbound_settings", "inbound_messages", "inbound_parts", "inbound_keywords",
                  "inbound_numbers"):
        op.drop_table(table)
