"""Accounts and what hangs on them: API keys, sign-in failures, request counters, sub-clients and
their spending, the money ledger."""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Date, ForeignKey, Index, Integer, String,
                        Table, Text, false, true)

from ..types import Money, UtcDateTime
from .base import Id, metadata

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
    # its own price list (tables/pricing.py); NULL: the gateway's default
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
