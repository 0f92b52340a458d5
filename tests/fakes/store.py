"""The in-memory store every fake repository shares, and the helpers they all use."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from service.domain.account import Account
from service.domain.api_keys import ApiKey
from service.domain.contacts import Contact
from service.domain.mailing import Mailing
from service.domain.message import Message


class _Store:
    def __init__(self) -> None:
        self.accounts: dict[int, Account] = {}
        self.messages: dict[int, Message] = {}
        self.send_requests: dict[tuple[int, str], list] = {}
        self.blacklist: dict[int, dict] = {}  # account id: {phone: BlacklistEntry}
        self.login_failures: dict[tuple[str, str], dict] = {}
        self.counters: dict[tuple[int, str, int], int] = {}
        self.api_keys: dict[int, ApiKey] = {}
        self.next_account = 1
        self.next_message = 1
        self.next_api_key = 1
        self.tasks: dict[int, dict] = {}  # each: the TaskRecord's fields, lease and errors
        self.next_task = 1
        self.retention = FakeRetentionState()
        self.ledger: list = []  # LedgerEntry, in the order written
        # the contact book: cards without their group ids (those come from ``members``)
        self.contacts: dict[int, Contact] = {}
        self.groups: dict[int, dict] = {}      # each: account_id, name, created_at
        self.members: set[tuple[int, int]] = set()  # (group id, contact id)
        self.mailings: dict[int, Mailing] = {}
        self.staged: dict[int, tuple[int, str, int | None]] = {}  # id: (mailing, phone, contact)
        # the messages' delivery bookkeeping (lease, submit state, attempts ...), by message id
        self.tracking: dict[int, dict] = {}
        self.parts: dict[int, dict] = {}       # message_parts rows, by id
        self.receipts: dict[int, dict] = {}
        self.callbacks: dict[int, dict] = {}
        self.smpp_receipts: dict[int, dict] = {}  # the SMPP receipt outbox's rows, by id
        self.smpp_sessions: dict[int, dict] = {}  # bound SMPP sessions, by id
        self.inbound_parts: dict[int, dict] = {}  # id: connector, part (InboundPart), state
        self.inbound_numbers: dict[str, dict] = {}  # number: account_id, created_at
        self.inbound_keywords: dict[tuple[str, str], dict] = {}  # (number, keyword): same
        self.inbound_messages: dict = {}  # id: InboundMessage
        self.inbound_created: dict[int, datetime] = {}  # inbound message id: created_at
        # each account's own opt-out settings: account id -> (OwnKeywordSettings, updated at)
        self.inbound_settings: dict[int, tuple] = {}
        self.next_id: dict[str, int] = {}      # one sequence per table above


def _next(store: _Store, table: str) -> int:
    store.next_id[table] = store.next_id.get(table, 0) + 1
    return store.next_id[table]


def _tracking(store: _Store, message_id: int) -> dict:
    """A message's delivery columns, as a fresh row has them."""
    return store.tracking.setdefault(message_id, dict(
        attempts=0, next_attempt_at=None, lease_owner=None, lease_until=None, submit_state=None,
        submitted_at=None, finished_at=None, dlr_stat=None, dlr_error=None))


def make_account(login="alice", password_hash="x", balance="100") -> Account:
    return Account(id=None, login=login, password_hash=password_hash, balance=Decimal(balance))


class FakeRetentionState:
    """What the retention fake knows beyond the Message dataclass: when each message became
    final, the state of its notifications, which ones are archived, and purged mailing stats.
    The archive is a flag: an archived message is still found by the fake message repository,
    as the SQL one finds it in the archive table."""

    def __init__(self) -> None:
        self.finished_at: dict[int, datetime] = {}
        self.callbacks: dict[int, list[str]] = {}   # message id -> states of its notifications
        self.archived: set[int] = set()
        self.purged_stats: dict[tuple[int, str], tuple[int, Decimal]] = {}
