"""Messages and their delivery: parts, carrier receipts, the callback outbox, idempotent send
requests, the simulator carrier's record, and the archive."""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, ForeignKey, Index, Integer, SmallInteger, String, Table,
                        Text, UniqueConstraint, text)

from ..types import Money, UtcDateTime
from .base import Id, metadata

_DUE = text("status IN ('QUEUED', 'SCHEDULED') AND submit_state IS NULL")
_IN_FLIGHT = text("submit_state = 'inflight'")
_OPEN_RECEIPT = text("state IN ('new', 'unmatched')")
_PENDING = text("state = 'pending'")

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
    # delivery bookkeeping
    Column("attempts", SmallInteger, nullable=False, default=0, server_default="0"),
    Column("next_attempt_at", UtcDateTime(), nullable=True),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("submit_state", String(8), nullable=True),
    Column("submitted_at", UtcDateTime(), nullable=True),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("dlr_stat", String(8), nullable=True),
    Column("dlr_error", String(8), nullable=True),
    Column("mailing_id", Id, nullable=True),
    Column("external_id", String(64), nullable=True),   # an smsc client's own message id
    # no Python-side default: inserts that leave it out (old-schema test data) let the
    # database fill it in
    Column("receipt_request", SmallInteger, nullable=False, server_default="0"),
    Column("concat_ref", Integer, nullable=True),        # a client-split part (ConcatPart)
    Column("concat_total", SmallInteger, nullable=True),
    Column("concat_seq", SmallInteger, nullable=True),
    Index("ix_messages_account_id_id", "account_id", "id"),
    # an inbound message's thread: the account's latest message to its sender
    Index("ix_messages_account_recipient_id", "account_id", "recipient", "id"),
    Index("ix_messages_account_external", "account_id", "external_id"),
    Index("ix_messages_mailing_id_status", "mailing_id", "status"),
    Index("ix_messages_status_scheduled_at", "status", "scheduled_at"),
    Index("ix_messages_status_valid_until", "status", "valid_until"),
    # Partial indexes keep the workers' scans proportional to the work, not to the history.
    Index("ix_messages_due", "id", postgresql_where=_DUE, sqlite_where=_DUE),
    Index("ix_messages_in_flight", "id", postgresql_where=_IN_FLIGHT, sqlite_where=_IN_FLIGHT),
    # Ids are never reused, even after the newest rows were archived or purged (SQLite would
    # otherwise hand out max(id) + 1 again); PostgreSQL's sequence never goes back anyway.
    sqlite_autoincrement=True,
)

message_parts = Table(
    "message_parts", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_id", Id, ForeignKey("messages.id"), nullable=False),
    Column("part_no", SmallInteger, nullable=False),
    Column("connector", String(16), nullable=False),
    Column("carrier_id", String(64), nullable=False),
    Column("carrier_key", String(64), nullable=False),
    Column("status", String(24), nullable=True),
    Column("dlr_stat", String(8), nullable=True),
    Column("dlr_error", String(8), nullable=True),
    Column("receipt_at", UtcDateTime(), nullable=True),
    UniqueConstraint("message_id", "part_no", name="uq_message_parts_message_part"),
    Index("ix_message_parts_carrier", "connector", "carrier_key"),
)

receipts = Table(
    "receipts", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connector", String(16), nullable=False),
    Column("carrier_id", String(64), nullable=False),
    Column("stat", String(16), nullable=False),
    Column("error", String(16), nullable=True),
    Column("done_at", UtcDateTime(), nullable=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("state", String(10), nullable=False),  # new, matched, unmatched
    Column("attempts", SmallInteger, nullable=False, default=0, server_default="0"),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Index("ix_receipts_state_next", "state", "next_attempt_at"),
    Index("ix_receipts_open", "id", postgresql_where=_OPEN_RECEIPT, sqlite_where=_OPEN_RECEIPT),
)

callbacks = Table(
    "callbacks", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    # exactly one of message_id (a status event) and inbound_id (an inbound message) is set
    Column("message_id", Id, ForeignKey("messages.id"), nullable=True),
    Column("inbound_id", Id, nullable=True),
    Column("url", String(2000), nullable=False),
    Column("payload", Text, nullable=False),
    Column("state", String(10), nullable=False),  # pending, delivered, dead
    Column("attempts", SmallInteger, nullable=False, default=0, server_default="0"),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("delivered_at", UtcDateTime(), nullable=True),
    Index("ix_callbacks_state_next", "state", "next_attempt_at"),
    Index("ix_callbacks_message_id", "message_id", "id"),
    Index("ix_callbacks_inbound_id", "inbound_id"),
    Index("ix_callbacks_pending", "id", postgresql_where=_PENDING, sqlite_where=_PENDING),
    Index("ix_callbacks_pending_message", "message_id", "id",
          postgresql_where=_PENDING, sqlite_where=_PENDING),
)

simulator_submissions = Table(
    "simulator_submissions", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("carrier_id", String(64), nullable=False, unique=True),
    Column("message_id", Id, nullable=False),
    Column("part_no", SmallInteger, nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("stat", String(8), nullable=True),       # None: this carrier never sends a receipt
    Column("error", String(8), nullable=True),
    Column("receipt_due_at", UtcDateTime(), nullable=True),
    Column("receipt_sent", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # A reply the simulated subscriber owes (rules reply:SUFFIX=TEXT): NULL when none is owed
    # any more (or ever); reply_due_at doubles as its lease, like receipt_due_at.
    Column("reply_text", Text, nullable=True),
    Column("reply_to", String(64), nullable=True),
    Column("reply_due_at", UtcDateTime(), nullable=True),
    Index("ix_simulator_due", "receipt_sent", "receipt_due_at"),
    Index("ix_simulator_reply_due", "reply_due_at"),
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

# History retention and the archive (app/retention, docs/retention.md). When a message became
# final (finished_at) decides when it is archived and purged; the partial index keeps that
# scan proportional to the final messages, not to everything queued.
_FINISHED = text("finished_at IS NOT NULL")

Index("ix_messages_finished_at", messages.c.finished_at,
      postgresql_where=_FINISHED, sqlite_where=_FINISHED)

# Columns that only matter while a message is being delivered stay out of the archive.
HOT_ONLY_COLUMNS = ("next_attempt_at", "lease_owner", "lease_until", "submit_state")

# Final messages older than SMSGW_ARCHIVE_AFTER_HOURS, moved out of `messages` with the same id
# and every other column (derived from `messages`, so a column added there is archived too; its
# migration must add it here as well, which the migration test enforces).
messages_archive = Table(
    "messages_archive", metadata,
    *[Column(col.name, col.type, primary_key=col.primary_key, nullable=col.nullable,
             autoincrement=False)
      for col in messages.columns if col.name not in HOT_ONLY_COLUMNS],
    Index("ix_messages_archive_account_id_id", "account_id", "id"),
    Index("ix_messages_archive_account_external", "account_id", "external_id"),
    Index("ix_messages_archive_mailing_id", "mailing_id"),
    Index("ix_messages_archive_finished_at", "finished_at"),
)
