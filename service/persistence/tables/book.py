"""The address book: contacts, groups and their members, the blacklist."""

from __future__ import annotations

from sqlalchemy import (Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint)

from ..types import UtcDateTime
from .base import Id, metadata

contacts = Table(
    "contacts", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("name", String(200), nullable=True),
    Column("email", String(254), nullable=True),
    Column("birthday", Date, nullable=True),
    Column("fields", Text, nullable=False),          # JSON object of the custom fields
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("account_id", "phone", name="uq_contacts_account_phone"),
)

contact_groups = Table(
    "contact_groups", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("account_id", "name", name="uq_contact_groups_account_name"),
)

group_members = Table(
    "group_members", metadata,
    Column("group_id", Id, ForeignKey("contact_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", Id, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_group_members_contact_id", "contact_id"),
)

blacklist = Table(
    "blacklist", metadata,
    Column("account_id", Id, ForeignKey("accounts.id"), primary_key=True),
    Column("phone", String(20), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("source", String(10), nullable=False, server_default="api"),  # OptOutSource
    Column("reason", String(200), nullable=True),
)
