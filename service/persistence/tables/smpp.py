"""The SMPP server's state: bound sessions of every node, and the receipts owed to SMPP clients."""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, ForeignKey, Index, SmallInteger, String, Table)

from ..types import UtcDateTime
from .base import Id, metadata

# Receipts owed to SMPP clients (app/smpp/receipts.py). No key to messages: a row holds
# everything its deliver_sm needs, so the message may be archived or purged meanwhile.
smpp_receipts = Table(
    "smpp_receipts", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),   # the order they are delivered in
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("message_id", Id, nullable=False),
    Column("source", String(64), nullable=False),        # the handset (message's recipient)
    Column("destination", String(64), nullable=False),   # the message's sender ('' if none)
    Column("stat", String(8), nullable=False),
    Column("err", String(3), nullable=False),
    Column("message_state", SmallInteger, nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("done_at", UtcDateTime(), nullable=False),
    Column("text", String(20), nullable=False),          # the message's first 20 characters
    Column("final", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("attempts", SmallInteger, nullable=False, default=0, server_default="0"),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Index("ix_smpp_receipts_account_id_id", "account_id", "id"),
    Index("ix_smpp_receipts_lease_owner", "lease_owner"),
    Index("ix_smpp_receipts_created_at", "created_at"),
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
