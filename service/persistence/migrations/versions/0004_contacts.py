"""The contact book: contacts, groups and their members, and the blacklist.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from service.persistence.types import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("birthday", sa.Date, nullable=True),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name="fk_contacts_account_id_accounts"),
        sa.UniqueConstraint("account_id", "phone", name="uq_contacts_account_phone"),
    )
    op.create_table(
        "contact_groups",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contact_groups"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name="fk_contact_groups_account_id_accounts"),
        sa.UniqueConstraint("account_id", "name", name="uq_contact_groups_account_name"),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", Id, nullable=False),
        sa.Column("contact_id", Id, nullable=False),
        sa.PrimaryKeyConstraint("group_id", "contact_id", name="pk_group_members"),
        sa.ForeignKeyConstraint(["group_id"], ["contact_groups.id"], ondelete="CASCADE",
                                name="fk_group_members_group_id_contact_groups"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE",
                                name="fk_group_members_contact_id_contacts"),
    )
    op.create_index("ix_group_members_contact_id", "group_members", ["contact_id"])
    op.create_table(
        "blacklist",
        sa.Column("account_id", Id, nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "phone", name="pk_blacklist"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name="fk_blacklist_account_id_accounts"),
    )


def downgrade() -> None:
    op.drop_table("blacklist")
    op.drop_table("group_members")
    op.drop_table("contact_groups")
    op.drop_table("contacts")
