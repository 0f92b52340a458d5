"""The schema, as SQLAlchemy Core tables. Alembic migrations create it; tests compare the two."""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, ForeignKey, Index, Integer, MetaData,
                        SmallInteger, String, Table, Text, UniqueConstraint)

from .types import Money, UtcDateTime

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid (and so autoincrementing).
Id = BigInteger().with_variant(Integer(), "sqlite")

accounts = Table(
    "accounts", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("balance", Money(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("blocked", Boolean, nullable=False, default=False),
    Column("allowed_ips", Text, nullable=False, default=""),
    Column("retention_days", Integer, nullable=True),
    Column("default_sender", String(15), nullable=True),
    Column("callback_url", String(2000), nullable=True),
    Column("callback_secret", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

messages = Table(
    "messages", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("sender", String(15), nullable=True),
    Column("encoding", String(4), nullable=False),
    Column("segments", SmallInteger, nullable=False),
    Column("cost", Money(), nullable=False),
    Column("status", String(24), nullable=False),
    Column("error_code", Integer, nullable=True),
    Column("error_message", String(500), nullable=True),
    Column("client_ref", String(64), nullable=True),
    Column("scheduled_at", UtcDateTime(), nullable=True),
    Column("valid_until", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_messages_account_id_id", "account_id", "id"),
    Index("ix_messages_status_scheduled_at", "status", "scheduled_at"),
)

send_requests = Table(
    "send_requests", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("client_ref", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("result", Text, nullable=True),
    UniqueConstraint("account_id", "client_ref", name="uq_send_requests_account_ref"),
)
