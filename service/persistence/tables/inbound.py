"""Inbound messages (MO): the numbers and keywords that route them to accounts, the parts held
until their message is whole, the messages kept, and each account's opt-out keywords."""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, ForeignKey, Index, Integer, SmallInteger, String, Table,
                        Text, text)

from ..types import UtcDateTime
from .base import Id, metadata

_UNMATCHED = text("account_id IS NULL")

# A number (E.164 long number or a short code) that belongs to one account whole.
inbound_numbers = Table(
    "inbound_numbers", metadata,
    Column("number", String(20), primary_key=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

# On a shared number, the first word of the text picks the account.
inbound_keywords = Table(
    "inbound_keywords", metadata,
    Column("number", String(20), primary_key=True),
    Column("keyword", String(32), primary_key=True),     # case-folded
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

# What carriers delivered, stored before it is acknowledged; a row goes when its message is
# stored (at once for a single part; a concatenated one's parts stay "done" until the
# reassembly timeout has passed since they arrived, to recognise a late duplicate).
inbound_parts = Table(
    "inbound_parts", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connector", String(16), nullable=False),
    Column("source", String(64), nullable=False),
    Column("destination", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("concat_ref", Integer, nullable=True),
    Column("concat_total", SmallInteger, nullable=True),
    Column("concat_seq", SmallInteger, nullable=True),
    Column("carrier_id", String(64), nullable=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("state", String(10), nullable=False),   # new, waiting, done
    Index("ix_inbound_parts_state_id", "state", "id"),
    Index("ix_inbound_parts_group", "connector", "source", "destination", "concat_ref"),
)

inbound_messages = Table(
    "inbound_messages", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=True),  # None: unmatched
    Column("source", String(64), nullable=False),
    Column("destination", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("connector", String(16), nullable=True),
    Column("parts", SmallInteger, nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("reply_to_message_id", Id, nullable=True),   # no key: the message may be archived
    Column("mailing_id", Id, nullable=True),
    Column("action", String(8), nullable=True),         # stop, start, help
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_inbound_messages_account_id_id", "account_id", "id"),
    Index("ix_inbound_messages_received_at", "received_at"),
    Index("ix_inbound_messages_unmatched", "id", postgresql_where=_UNMATCHED,
          sqlite_where=_UNMATCHED),
    sqlite_autoincrement=True,
)

# An account's own opt-out keywords and replies; NULL: the configured default.
inbound_settings = Table(
    "inbound_settings", metadata,
    Column("account_id", Id, ForeignKey("accounts.id"), primary_key=True),
    Column("stop_words", Text, nullable=True),
    Column("start_words", Text, nullable=True),
    Column("help_words", Text, nullable=True),
    Column("stop_reply", String(1000), nullable=True),
    Column("start_reply", String(1000), nullable=True),
    Column("help_reply", String(1000), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
)
