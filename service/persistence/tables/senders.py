"""Sender IDs: registrations with their approvals, and the shared senders."""

from __future__ import annotations

from sqlalchemy import (Column, ForeignKey, String, Table, UniqueConstraint)

from ..types import UtcDateTime
from .base import Id, metadata

# Sender IDs (app/senders): each account's registered names with the operator's decision;
# prefixes is a comma-separated list of destination prefixes ('' = every destination).
senders = Table(
    "senders", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("name", String(15), nullable=False),
    Column("state", String(10), nullable=False),
    Column("prefixes", String(1000), nullable=False, default="", server_default=""),
    Column("reason", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=True),
    UniqueConstraint("account_id", "name", name="uq_senders_account_name"),
)

# The shared senders per destination prefix (longest match; '' = every destination).
shared_senders = Table(
    "shared_senders", metadata,
    Column("prefix", String(15), primary_key=True),
    Column("name", String(15), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
