"""The SMPP server's state: bound sessions of every node, and what is owed to SMPP clients."""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, ForeignKey, Index, SmallInteger, String, Table, Text)

from ..types import UtcDateTime
from .base import Id, metadata

# What is owed to SMPP clients as deliver_sm (app/smpp/receipts.py): receipts (kind 'receipt')
# and inbound messages (kind 'inbound'). No key to messages: a row holds everything its
# deliver_sm needs, so the message may be archived or purged meanwhile.
smpp_outbox = Table(
    "smpp_outbox", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),   # the order they are delivered in
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("kind", String(8), nullable=False, server_default="receipt"),  # receipt, inbound
    Column("message_id", Id, nullable=True),             # kind receipt
    Column("inbound_id", Id, nullable=True),             # kind inbound
    Column("source", String(64), nullable=False),        # the handset
    Column("destination", String(64), nullable=False),   # the message's sender / our number
    Column("stat", String(8), nullable=True),            # stat .. final: receipts only
    Column("err", String(3), nullable=True),
    Column("message_state", SmallInteger, nullable=True),
    Column("submitted_at", UtcDateTime(), nullable=True),
    Column("done_at", UtcDateTime(), nullable=True),
    Column("text", Text, nullable=False),    # receipt: the first 20 characters; inbound: all
    Column("final", Boolean, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("attempts", SmallInteger, nullable=False, default=0, server_default="0"),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Index("ix_smpp_outbox_account_id_id", "account_id", "id"),
    Index("ix_smpp_outbox_lease_owner", "lease_owner"),
    Index("ix_smpp_outbox_created_at", "created_at"),
)

# Bound SMPP sessions of every node; a row counts against its account's bind limit while its
# node keeps heartbeating it (seen_at), see app/smpp/binds.py.
smpp_sessions = Table(
    "smpp_sessions", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("node", String(64), nullable=False, index=True),
    Column("bind_type", String(3), nullable=False),   # tx | rx | trx
    Column("ip", String(64), nullable=True),
    Column("bound_at", UtcDateTime(), nullable=False),
    Column("seen_at", UtcDateTime(), nullable=False, index=True),
    Index("ix_smpp_sessions_account_seen", "account_id", "seen_at"),
)
