"""The schema, as SQLAlchemy Core tables, one module per capability. Alembic migrations create
it; tests compare the two. Every table is importable from here, as before the split."""

from __future__ import annotations

from .base import Id, metadata
from .accounts import (accounts, api_keys, ledger_entries, login_failures, request_counters,
                       sub_account_spend, sub_accounts)
from .pricing import tariff_prices, tariffs
from .messages import (HOT_ONLY_COLUMNS, callbacks, message_parts, messages, messages_archive,
                       receipts, send_requests, simulator_submissions)
from .book import blacklist, contact_groups, contacts, group_members
from .mailings import mailing_purged_stats, mailing_recipients, mailings, task_errors, tasks
from .limits import account_limits, limit_counters, recent_sends
from .senders import senders, shared_senders
from .smpp import smpp_outbox, smpp_sessions
from .inbound import (inbound_keywords, inbound_messages, inbound_numbers, inbound_parts,
                      inbound_settings)

__all__ = [
    "Id", "metadata",
    "accounts", "api_keys", "ledger_entries", "login_failures", "request_counters",
    "sub_account_spend", "sub_accounts",
    "tariff_prices", "tariffs",
    "HOT_ONLY_COLUMNS", "callbacks", "message_parts", "messages", "messages_archive", "receipts",
    "send_requests", "simulator_submissions",
    "blacklist", "contact_groups", "contacts", "group_members",
    "mailing_purged_stats", "mailing_recipients", "mailings", "task_errors", "tasks",
    "account_limits", "limit_counters", "recent_sends",
    "senders", "shared_senders",
    "smpp_outbox", "smpp_sessions",
    "inbound_keywords", "inbound_messages", "inbound_numbers", "inbound_parts", "inbound_settings",
]
