"""Sending limits: per-account settings, day/month counters, and the recent sends the flood and
duplicate guards read."""

from __future__ import annotations

from sqlalchemy import (Column, ForeignKey, Index, Integer, SmallInteger, String, Table)

from ..types import UtcDateTime
from .base import Id, metadata

# Sending limits (app/limits/): each account's own limits (NULL: the gateway's default; 0 or
# '' turns one off), and its accepted messages counted per UTC day and month.
account_limits = Table(
    "account_limits", metadata,
    Column("account_id", Id, ForeignKey("accounts.id"), primary_key=True),
    Column("per_day", Integer, nullable=True),
    Column("per_month", Integer, nullable=True),
    Column("flood_count", Integer, nullable=True),
    Column("flood_minutes", Integer, nullable=True),
    Column("duplicate_minutes", Integer, nullable=True),
    Column("countries", String(1000), nullable=True),     # comma-separated region codes
    Column("quiet_start", SmallInteger, nullable=True),
    Column("quiet_end", SmallInteger, nullable=True),
)

limit_counters = Table(
    "limit_counters", metadata,
    Column("account_id", Id, primary_key=True),
    Column("period", String(16), primary_key=True),        # d2026-12-01, m2026-12
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("count", Integer, nullable=False),
)

# What the flood and duplicate guards look back at (app/limits): the accepted messages of the
# accounts that have a guard on, as (number, digest of the text), kept while a guard may look.
# Not an index on messages: every send of every account would pay for it.
recent_sends = Table(
    "recent_sends", metadata,
    Column("account_id", Id, nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_recent_sends_account_recipient_created", "account_id", "recipient", "created_at"),
    Index("ix_recent_sends_account_created", "account_id", "created_at"),
)
