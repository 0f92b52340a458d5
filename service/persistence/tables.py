"""The schema, as SQLAlchemy Core tables. Alembic migrations create it; tests compare the two."""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Date, ForeignKey, Index, Integer, MetaData,
                        SmallInteger, String, Table, Text, UniqueConstraint, false, text, true)

from .types import Money, UtcDateTime

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

_DUE = text("status IN ('QUEUED', 'SCHEDULED') AND submit_state IS NULL")
_IN_FLIGHT = text("submit_state = 'inflight'")
_OPEN_RECEIPT = text("state IN ('new', 'unmatched')")
_PENDING = text("state = 'pending'")
_OPEN_TASK = text("state IN ('queued', 'running')")

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
    Column("paused", Boolean, nullable=False, default=False, server_default=false()),
    Column("simulator_rules", String(500), nullable=True),
    # False when a client set callback_url through an API: it may then reach only public
    # addresses and the operator's SMSGW_CALLBACK_ALLOWED_NETWORKS.
    Column("callback_url_trusted", Boolean, nullable=False, default=True, server_default=true()),
    # requests per minute by operation class; NULL: the global default, 0: no limit
    Column("rate_send", Integer, nullable=True),
    Column("rate_query", Integer, nullable=True),
    Column("rate_manage", Integer, nullable=True),
    # its own price list (tariffs, at the end of this file); NULL: the gateway's default
    Column("tariff_id", Id, ForeignKey("tariffs.id"), nullable=True),
    Column("sender_policy", String(10), nullable=False, default="fallback",
           server_default="fallback"),
    # postpaid: the balance may go down to minus this; 0 is prepaid (see docs/ledger.md)
    Column("credit_limit", Money(), nullable=False, default=0, server_default="0"),
    # SMPP binds (docs/smpp-server.md): their own password, hashed like password_hash; NULL:
    # no SMPP password (every bind refused). Simultaneous binds; NULL: the gateway's default.
    Column("smpp_password_hash", String(200), nullable=True),
    Column("smpp_max_binds", Integer, nullable=True),
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
    Column("receipt_request", SmallInteger, nullable=False, default=0, server_default="0"),
    Column("concat_ref", Integer, nullable=True),        # a client-split part (ConcatPart)
    Column("concat_total", SmallInteger, nullable=True),
    Column("concat_seq", SmallInteger, nullable=True),
    Index("ix_messages_account_id_id", "account_id", "id"),
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
    Column("message_id", Id, ForeignKey("messages.id"), nullable=False),
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
    Index("ix_callbacks_pending", "id", postgresql_where=_PENDING, sqlite_where=_PENDING),
    Index("ix_callbacks_pending_message", "message_id", "id",
          postgresql_where=_PENDING, sqlite_where=_PENDING),
)

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
    Index("ix_simulator_due", "receipt_sent", "receipt_due_at"),
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
)

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

request_counters = Table(
    "request_counters", metadata,
    Column("account_id", Id, primary_key=True),
    Column("key", String(64), primary_key=True),      # sha256 of what is being counted
    Column("window", Integer, primary_key=True),      # minute number since the epoch
    Column("count", Integer, nullable=False),
)

# The login guard (app/access/login_guard.py): failed logins per (login, address) pair, per login
# (address '') and per address (login ''). Times are epoch seconds.
login_failures = Table(
    "login_failures", metadata,
    Column("login", String(64), primary_key=True),
    Column("address", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", BigInteger, nullable=False),
    Column("strikes", Integer, nullable=False),
    Column("blocked_until", BigInteger, nullable=True),
    Column("last_failure", BigInteger, nullable=False, index=True),
    Column("last_success", BigInteger, nullable=True),
)

api_keys = Table(
    "api_keys", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("prefix", String(16), nullable=False, index=True),
    Column("key_hash", String(64), nullable=False),
    Column("name", String(100), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

# Sub-clients (app/subaccounts/): an account under a parent, one level deep. ``deleted_at``:
# deleted by its parent (the account is blocked and hidden; its login stays taken).
sub_accounts = Table(
    "sub_accounts", metadata,
    Column("account_id", Id, ForeignKey("accounts.id"), primary_key=True),
    Column("parent_id", Id, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("balance_mode", String(8), nullable=False),   # own | parent
    Column("daily_cap", Money(), nullable=True),
    Column("monthly_cap", Money(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("deleted_at", UtcDateTime(), nullable=True),
)

# What a sub-client in balance mode ``parent`` spent per window (period daily|monthly, the
# window's first UTC day); its caps are enforced by a guarded UPDATE on this row.
sub_account_spend = Table(
    "sub_account_spend", metadata,
    Column("account_id", Id, primary_key=True),
    Column("period", String(8), primary_key=True),
    Column("start", Date, primary_key=True),
    Column("spent", Money(), nullable=False),
)

# Named price lists (docs/tariffs.md): a default price, and a price per destination prefix.
# ``version`` grows on every re-import; processes cache a tariff's prices by (id, version).
tariffs = Table(
    "tariffs", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    Column("default_price", Money(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

tariff_prices = Table(
    "tariff_prices", metadata,
    Column("tariff_id", Id, ForeignKey("tariffs.id", ondelete="CASCADE"), primary_key=True),
    Column("prefix", String(15), primary_key=True),
    Column("price", Money(), nullable=False),
)

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

# The money ledger (docs/ledger.md): one row per balance change, written in the transaction of
# the change; the balance always equals the sum of an account's amounts.
ledger_entries = Table(
    "ledger_entries", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("amount", Money(), nullable=False),          # signed
    Column("balance_after", Money(), nullable=False),
    Column("reason", String(24), nullable=False),
    Column("ref_kind", String(16), nullable=True),      # message, mailing, request, transfer
    Column("ref_id", String(64), nullable=True),
    Column("note", String(200), nullable=True),
    Column("actor", String(64), nullable=False),        # a login, operator, worker
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_ledger_entries_account_id_id", "account_id", "id"),
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

# What purged messages of a mailing still count for its statistics: per mailing and status,
# how many and at what cost (the texts and numbers themselves are gone).
mailing_purged_stats = Table(
    "mailing_purged_stats", metadata,
    Column("mailing_id", Id, primary_key=True),
    Column("status", String(24), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("cost", Money(), nullable=False),
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
