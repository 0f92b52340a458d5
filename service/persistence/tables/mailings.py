"""Mailings, their recipients and purged statistics, and the background tasks that start them."""

from __future__ import annotations

from sqlalchemy import (Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint,
                        text)

from ..types import Money, UtcDateTime
from .base import Id, metadata

_OPEN_TASK = text("state IN ('queued', 'running')")

mailings = Table(
    "mailings", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("sender", String(15), nullable=True),
    Column("state", String(10), nullable=False),
    Column("scheduled_at", UtcDateTime(), nullable=True),
    Column("validity_minutes", Integer, nullable=True),
    Column("rate_per_minute", Integer, nullable=True),
    Column("defaults", Text, nullable=False),     # JSON object
    Column("targets", Text, nullable=False),      # JSON: group ids, contact ids, phones
    Column("recipients", Integer, nullable=False),
    Column("total_cost", Money(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=True),
    Index("ix_mailings_account_id_id", "account_id", "id"),
)

tasks = Table(
    "tasks", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", Text, nullable=False),       # JSON: what to do
    Column("checkpoint", Text, nullable=True),     # JSON: how far it got (survives restarts)
    Column("state", String(10), nullable=False),   # queued, running, done, failed
    Column("total", Integer, nullable=False),
    Column("processed", Integer, nullable=False),
    Column("result_code", Integer, nullable=True),
    Column("message", String(500), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Index("ix_tasks_open", "id", postgresql_where=_OPEN_TASK, sqlite_where=_OPEN_TASK),
)

task_errors = Table(
    "task_errors", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("task_id", Id, ForeignKey("tasks.id"), nullable=False),
    Column("item_index", Integer, nullable=False),
    Column("code", Integer, nullable=False),
    Column("message", String(500), nullable=True),
    Column("field", String(64), nullable=True),
    Index("ix_task_errors_task_id_id", "task_id", "id"),
)

mailing_recipients = Table(
    "mailing_recipients", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("mailing_id", Id, nullable=False),
    Column("phone", String(20), nullable=False),
    Column("contact_id", Id, nullable=True),
    UniqueConstraint("mailing_id", "phone", name="uq_mailing_recipients_mailing_phone"),
)

# What purged messages of a mailing still count for its statistics: per mailing and status,
# how many and at what cost (the texts and numbers themselves are gone).
mailing_purged_stats = Table(
    "mailing_purged_stats", metadata,
    Column("mailing_id", Id, primary_key=True),
    Column("status", String(24), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("cost", Money(), nullable=False),
)
