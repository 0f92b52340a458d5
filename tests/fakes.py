"""In-memory fakes of the persistence ports, held to the same contract tests as the SQL ones."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from service.app.delivery.carrier import Receipt
from service.app.errors import DuplicateRequest, LoginTaken
from service.domain.account import Account
from service.domain.api_keys import ApiKey
from service.domain.contacts import Contact, Group
from service.domain.mailing import Mailing
from service.domain.message import Message


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs) -> None:
        self.current += timedelta(**kwargs)


class FakeSimulatorLedger:
    """The simulator's ledger in memory (app/simulator_ports.py)."""

    def __init__(self) -> None:
        self.parts: dict[str, dict] = {}  # by carrier id: the part, its due time, sent or not

    def record(self, parts):
        ids = [p.carrier_id for p in parts]
        if len(set(ids)) != len(ids) or any(i in self.parts for i in ids):
            raise ValueError("carrier ids are unique")
        for p in parts:
            self.parts[p.carrier_id] = {"part": p, "due": p.receipt_due_at,
                                        "sent": p.stat is None}

    def lease_due(self, now, limit, until):
        due = sorted((e for e in self.parts.values() if not e["sent"] and e["due"] <= now),
                     key=lambda e: e["due"])[:limit]
        for e in due:
            e["due"] = until
        return [Receipt(carrier_id=e["part"].carrier_id, stat=e["part"].stat,
                        error=e["part"].error, done_at=now) for e in due]

    def mark_sent(self, carrier_ids):
        for carrier_id in carrier_ids:
            if carrier_id in self.parts:
                self.parts[carrier_id]["sent"] = True


class _Store:
    def __init__(self) -> None:
        self.accounts: dict[int, Account] = {}
        self.messages: dict[int, Message] = {}
        self.send_requests: dict[tuple[int, str], list] = {}
        self.blacklist: dict[int, set[str]] = {}
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
        self.next_id: dict[str, int] = {}      # one sequence per table above


def _next(store: _Store, table: str) -> int:
    store.next_id[table] = store.next_id.get(table, 0) + 1
    return store.next_id[table]


def _tracking(store: _Store, message_id: int) -> dict:
    """A message's delivery columns, as a fresh row has them."""
    return store.tracking.setdefault(message_id, dict(
        attempts=0, next_attempt_at=None, lease_owner=None, lease_until=None, submit_state=None,
        submitted_at=None, finished_at=None, dlr_stat=None, dlr_error=None))


class FakeAccountRepository:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def get(self, account_id):
        a = self._s.accounts.get(account_id)
        return copy.deepcopy(a) if a is not None else None

    def get_by_login(self, login):
        for a in self._s.accounts.values():
            if a.login == login:
                return copy.deepcopy(a)
        return None

    def add(self, account):
        if self.get_by_login(account.login) is not None:
            raise LoginTaken(account.login)
        account.id = self._s.next_account
        self._s.next_account += 1
        self._s.accounts[account.id] = copy.deepcopy(account)
        return account

    def any_exist(self):
        return bool(self._s.accounts)

    def debit(self, account_id, amount):
        a = self._s.accounts[account_id]
        if a.balance - amount < -a.credit_limit:
            return None
        a.balance -= amount
        return a.balance

    def credit(self, account_id, amount):
        from service.domain.money import MONEY_MAX
        a = self._s.accounts[account_id]
        if a.balance + amount > MONEY_MAX:
            return None
        a.balance += amount
        return a.balance

    def lock(self, account_ids):
        return [copy.deepcopy(self._s.accounts[i]) for i in sorted(set(account_ids))
                if i in self._s.accounts]

    def balance(self, account_id):
        return self._s.accounts[account_id].balance

    def update(self, account):
        stored = self._s.accounts[account.id]
        stored.password_hash, stored.blocked = account.password_hash, account.blocked
        stored.paused = account.paused
        stored.settings = account.settings
        stored.credit_limit = account.credit_limit


class FakeMessageRepository:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def add_many(self, messages):
        ids = []
        for m in messages:
            m.id = self._s.next_message
            self._s.next_message += 1
            self._s.messages[m.id] = copy.deepcopy(m)
            ids.append(m.id)
        return ids

    def insert_bulk(self, messages, *, held=False):
        ids = self.add_many([copy.copy(m) for m in messages])  # like SQL: the ids are not read back
        for message_id in ids if held else ():
            _tracking(self._s, message_id)["submit_state"] = "held"

    def by_client_keys(self, account_id, keys):
        numeric = {int(k) for k in keys if k.isascii() and k.isdigit() and len(k) <= 18}
        return [copy.deepcopy(m) for _, m in sorted(self._s.messages.items())
                if m.account_id == account_id and (m.external_id in keys or m.id in numeric)]

    def get_many(self, account_id, ids):
        return {i: copy.deepcopy(self._s.messages[i]) for i in ids
                if i in self._s.messages and self._s.messages[i].account_id == account_id}


class FakeSendRequestRepository:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def find(self, account_id, client_ref):
        row = self._s.send_requests.get((account_id, client_ref))
        return (row[0], row[1]) if row else None

    def claim(self, account_id, client_ref, now, expired_before):
        row = self._s.send_requests.get((account_id, client_ref))
        if row is not None and row[0] >= expired_before:
            raise DuplicateRequest(client_ref)
        self._s.send_requests[(account_id, client_ref)] = [now, None]

    def store_result(self, account_id, client_ref, result):
        self._s.send_requests[(account_id, client_ref)][1] = result


class FakeBlacklistRepository:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def contains(self, account_id, phones):
        return set(phones) & self._s.blacklist.get(account_id, set())

    def add(self, account_id, phones, now):
        self._s.blacklist.setdefault(account_id, set()).update(phones)

    def remove(self, account_id, phones):
        listed = self._s.blacklist.get(account_id, set())
        gone = sorted(set(phones) & listed)
        listed.difference_update(gone)
        return gone

    def list(self, account_id, offset, limit):
        from service.app.results import Page
        phones = sorted(self._s.blacklist.get(account_id, set()))
        return Page(len(phones), phones[offset:offset + limit])


class FakeRequestCounters:
    def __init__(self, store: _Store) -> None:
        self._c = store.counters

    def hit(self, account_id, key, window):
        count = self._c[(account_id, key, window)] = self._c.get((account_id, key, window), 0) + 1
        if count == 1:  # like SQL: a new minute forgets this account's older ones
            for old in [k for k in self._c if k[0] == account_id and k[2] < window - 1]:
                del self._c[old]
        return count

    def latest_window(self, account_id, key):
        return max((w for a, k, w in self._c if a == account_id and k == key), default=None)


class FakeApiKeyRepository:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def add(self, key):
        key_id = self._s.next_api_key
        self._s.next_api_key += 1
        self._s.api_keys[key_id] = replace(key, id=key_id)
        return key_id

    def by_prefix(self, prefix):
        return [k for k in self._s.api_keys.values()
                if k.prefix == prefix and k.revoked_at is None]

    def of_account(self, account_id):
        return [k for _, k in sorted(self._s.api_keys.items()) if k.account_id == account_id]

    def revoke(self, account_id, key_id, now):
        key = self._s.api_keys.get(key_id)
        if key is None or key.account_id != account_id or key.revoked_at is not None:
            return False
        self._s.api_keys[key_id] = replace(key, revoked_at=now)
        return True


class FakeTaskStore:
    def __init__(self, store: _Store) -> None:
        self._s = store

    @staticmethod
    def _record(t):
        from service.app.tasks.ports import TaskRecord
        return TaskRecord(**{k: v for k, v in t.items()
                             if k not in ("lease_owner", "lease_until", "errors")})

    def add(self, account_id, kind, payload, total, now):
        task_id = self._s.next_task
        self._s.next_task += 1
        self._s.tasks[task_id] = dict(
            id=task_id, account_id=account_id, kind=kind, payload=payload, checkpoint=None,
            state="queued", total=total, processed=0, result_code=None, message=None,
            created_at=now, finished_at=None, lease_owner=None, lease_until=None, errors=[])
        return task_id

    def get(self, account_id, task_id):
        t = self._s.tasks.get(task_id)
        return self._record(t) if t is not None and t["account_id"] == account_id else None

    def claim(self, owner, now, lease_until):
        for _, t in sorted(self._s.tasks.items()):
            if t["state"] in ("queued", "running") and (
                    t["lease_until"] is None or t["lease_until"] < now):
                claimed = self._record(t)  # like SQL: the row as it was found
                t.update(state="running", lease_owner=owner, lease_until=lease_until)
                return claimed
        return None

    def save(self, task_id, owner, checkpoint, processed, lease_until):
        t = self._s.tasks.get(task_id)
        if t is None or t["lease_owner"] != owner or t["state"] != "running":
            return False
        t.update(checkpoint=checkpoint, processed=processed, lease_until=lease_until)
        return True

    def add_errors(self, task_id, errors):
        from service.app.results import ItemResult
        self._s.tasks[task_id]["errors"].extend(
            ItemResult(e.index, e.code, None, (e.message or "")[:500] or None, e.field)
            for e in errors)

    def clear_errors(self, task_id):
        self._s.tasks[task_id]["errors"] = []

    def finish(self, task_id, state, result_code, message, now):
        self._s.tasks[task_id].update(state=state, result_code=result_code,
                                      message=(message or "")[:500] or None, finished_at=now,
                                      lease_owner=None, lease_until=None)

    def errors(self, task_id, offset, limit):
        from service.app.results import Page
        errors = self._s.tasks[task_id]["errors"]
        return Page(len(errors), errors[offset:offset + limit])


class FakeLoginFailures:
    """The login guard's store in memory, with the SQL one's semantics."""

    def __init__(self, store: _Store) -> None:
        self._rows = store.login_failures

    @staticmethod
    def _record(r):
        from service.app.access.ports import FailureRecord
        return FailureRecord(r["login"], r["address"], r["failures"], r["strikes"],
                             r["blocked_until"], r["last_success"])

    def _row(self, login, address):
        return self._rows.setdefault((login, address), dict(
            login=login, address=address, failures=0, window_start=0, strikes=0,
            blocked_until=None, last_failure=0, last_success=None))

    def standing(self, login, address):
        keys = [("", address)] + ([(login, address), (login, "")] if login is not None else [])
        return [self._record(self._rows[k]) for k in keys if k in self._rows]

    def record(self, login, address, now, window_seconds, forget_seconds):
        r = self._row(login, address)
        if r["last_failure"] <= now - forget_seconds and (
                r["blocked_until"] is None or r["blocked_until"] <= now - forget_seconds):
            r["strikes"] = 0
        if r["window_start"] <= now - window_seconds:
            r["failures"], r["window_start"] = 0, now
        r["failures"] += 1
        r["last_failure"] = now
        if r["failures"] == 1:  # like the SQL store: drop stale rows
            for key, old in list(self._rows.items()):
                if (old["last_failure"] < now - forget_seconds - window_seconds
                        and (old["blocked_until"] is None or old["blocked_until"] < now)
                        and old["last_success"] is None):
                    del self._rows[key]
        return self._record(r)

    def block(self, login, address, until, now):
        r = self._rows[(login, address)]
        r.update(blocked_until=until, strikes=r["strikes"] + 1, failures=0, window_start=now)

    def succeeded(self, login, address, now):
        self._row(login, address).update(failures=0, strikes=0, blocked_until=None,
                                         last_success=now)

    def blocked(self, now):
        return [self._record(r) for r in self._rows.values()
                if r["blocked_until"] and r["blocked_until"] > now]

    def lift(self, subject):
        gone = [k for k in self._rows if subject and subject in k]
        for k in gone:
            del self._rows[k]
        return len(gone)


class FakeUnitOfWork:
    """Copies the store on entry and swaps it back on commit: a rollback is just not committing."""

    def __init__(self, owner: "FakeUnitOfWorkFactory") -> None:
        self._owner = owner

    def __enter__(self):
        self._work = copy.deepcopy(self._owner.store)
        self.accounts = FakeAccountRepository(self._work)
        self.messages = FakeMessageRepository(self._work)
        self.send_requests = FakeSendRequestRepository(self._work)
        self.blacklist = FakeBlacklistRepository(self._work)
        self.login_failures = FakeLoginFailures(self._work)
        self.counters = FakeRequestCounters(self._work)
        self.api_keys = FakeApiKeyRepository(self._work)
        self.tasks = FakeTaskStore(self._work)
        self.subaccounts = FakeSubAccountRepository(self._work)
        self.retention = FakeRetentionStore(self._work)
        self.contacts = FakeContactRepository(self._work)
        self.groups = FakeGroupRepository(self._work)
        self.history = FakeHistoryRepository(self._work)
        self.mailings = FakeMailingRepository(self._work)
        self.delivery = FakeDeliveryStore(self._work)
        self.tariffs = FakeTariffRepository(self._work)
        self.sending_limits = FakeLimitStore(self._work)
        self.senders = FakeSenderRepository(self._work)
        self.ledger = FakeLedgerRepository(self._work)
        return self

    def __exit__(self, *exc):
        self._work = None

    def commit(self):
        self._owner.store = self._work
        self._owner.commits += 1

    def rollback(self):
        """Forget everything done in this unit so far."""
        self.__enter__()


class FakeUnitOfWorkFactory:
    def __init__(self) -> None:
        self.store = _Store()
        self.commits = 0

    def __call__(self, *, write: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)


def make_account(login="alice", password_hash="x", balance="100") -> Account:
    return Account(id=None, login=login, password_hash=password_hash, balance=Decimal(balance))


class FakeResolver:
    """A HostResolver answering from a table, recording each lookup. A name not in the table
    does not resolve: tests never ask real DNS."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = dict(table or {})
        self.lookups: list[str] = []

    def resolve(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self.table:
            raise OSError(f"[fake resolver] {host} does not resolve")
        return list(self.table[host])


class FakeSubAccountRepository:
    """Sub-client links and spend counters, kept on the store (``SubAccountRepository``)."""

    def __init__(self, store: _Store) -> None:
        if not hasattr(store, "subaccounts"):
            store.subaccounts = {}   # account id -> SubAccount
            store.spend = {}         # (account id, period, start) -> Decimal
        self._s = store

    def _filled(self, sub):
        a = self._s.accounts[sub.account_id]
        return dataclasses.replace(sub, login=a.login, blocked=a.blocked, balance=a.balance)

    def add(self, sub):
        self._s.subaccounts[sub.account_id] = sub

    def get(self, account_id):
        sub = self._s.subaccounts.get(account_id)
        return self._filled(sub) if sub is not None else None

    def of_parent(self, parent_id):
        subs = [self._filled(x) for x in self._s.subaccounts.values()
                if x.parent_id == parent_id and x.deleted_at is None]
        return sorted(subs, key=lambda x: x.login)

    def has_children(self, account_id):
        return any(x.parent_id == account_id for x in self._s.subaccounts.values())

    def update(self, sub):
        old = self._s.subaccounts[sub.account_id]
        self._s.subaccounts[sub.account_id] = dataclasses.replace(
            old, daily_cap=sub.daily_cap, monthly_cap=sub.monthly_cap, deleted_at=sub.deleted_at)

    def spend(self, account_id, period, start, amount, cap):
        key = (account_id, period, start)
        new = self._s.spend.get(key, Decimal("0")) + amount
        if new > cap:
            return None
        self._s.spend[key] = new
        return new

    def spent(self, account_id, period, start):
        return self._s.spend.get((account_id, period, start), Decimal("0"))

    def totals(self, parent_id, since, until):
        from service.app.subaccounts.ports import SubAccountTotals
        out = []
        for sub in self.of_parent(parent_id):
            ms = [m for m in self._s.messages.values() if m.account_id == sub.account_id
                  and (since is None or m.created_at >= since)
                  and (until is None or m.created_at < until)]
            out.append(SubAccountTotals(sub.login, len(ms), sum(m.segments for m in ms),
                                        sum((m.cost for m in ms), Decimal("0"))))
        return out


def _card(store: _Store, contact: Contact, with_groups: bool = True) -> Contact:
    """A stored card as the SQL repositories read it back: its group ids ascending, or none
    at all where the SQL query does not join them (the mailing store's reads)."""
    groups = tuple(sorted(g for g, c in store.members if c == contact.id)) if with_groups else ()
    return replace(copy.deepcopy(contact), group_ids=groups)


class FakeContactRepository:
    """The contact cards in memory (app/book/ports.py), with the SQL one's semantics."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def _own(self, account_id):
        return [c for _, c in sorted(self._s.contacts.items()) if c.account_id == account_id]

    def by_phones(self, account_id, phones):
        wanted = set(phones)
        return {c.phone: _card(self._s, c) for c in self._own(account_id) if c.phone in wanted}

    def get(self, account_id, ids):
        wanted = set(ids)
        return {c.id: _card(self._s, c) for c in self._own(account_id) if c.id in wanted}

    def _insert(self, contact):
        if any(c.phone == contact.phone for c in self._own(contact.account_id)):
            raise ValueError("a phone is unique within an account")  # SQL: IntegrityError
        contact_id = _next(self._s, "contacts")
        self._s.contacts[contact_id] = replace(copy.deepcopy(contact), id=contact_id, group_ids=())
        return contact_id

    def add(self, contact):
        return self._insert(contact)  # like SQL: ``contact.id`` is left as it was

    def add_many(self, contacts):
        return {c.phone: self._insert(c) for c in contacts}

    def update(self, contact):
        if contact.id in self._s.contacts:
            stored = self._s.contacts[contact.id]
            self._s.contacts[contact.id] = replace(copy.deepcopy(contact), id=stored.id,
                                                   account_id=stored.account_id, group_ids=())

    def update_many(self, contacts):
        for c in contacts:
            self.update(c)

    def delete(self, account_id, ids):
        gone = [c.id for c in self._own(account_id) if c.id in set(ids)]
        for contact_id in gone:
            del self._s.contacts[contact_id]
        self._s.members = {(g, c) for g, c in self._s.members if c not in gone}
        return gone

    def search(self, account_id, group_id, phone_prefix, offset, limit):
        from service.app.results import Page
        found = [c for c in self._own(account_id)
                 if (not phone_prefix or c.phone.startswith(phone_prefix))
                 and (group_id is None or (group_id, c.id) in self._s.members)]
        return Page(len(found), [_card(self._s, c) for c in found[offset:offset + limit]])


class FakeGroupRepository:
    """The contact groups in memory (app/book/ports.py), with the SQL one's semantics."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def _group(self, group_id):
        g = self._s.groups[group_id]
        size = sum(1 for member_of, _ in self._s.members if member_of == group_id)
        return Group(group_id, g["account_id"], g["name"], size)

    def _clash(self, account_id, name, group_id=None):
        from service.domain.errors import ConstraintViolation
        if any(g["account_id"] == account_id and g["name"] == name and i != group_id
               for i, g in self._s.groups.items()):
            raise ConstraintViolation("name", f"a group named {name!r} exists")

    def add(self, account_id, name, now):
        self._clash(account_id, name)
        group_id = _next(self._s, "groups")
        self._s.groups[group_id] = dict(account_id=account_id, name=name, created_at=now)
        return Group(group_id, account_id, name, 0)

    def get(self, account_id, group_id):
        g = self._s.groups.get(group_id)
        return self._group(group_id) if g is not None and g["account_id"] == account_id else None

    def rename(self, account_id, group_id, name):
        g = self._s.groups.get(group_id)
        if g is not None and g["account_id"] == account_id:
            self._clash(account_id, name, group_id)
            g["name"] = name

    def delete(self, account_id, group_id):
        g = self._s.groups.get(group_id)
        if g is not None and g["account_id"] == account_id:
            self._s.members = {(gid, c) for gid, c in self._s.members if gid != group_id}
            del self._s.groups[group_id]

    def list(self, account_id):
        return [self._group(i) for i, g in sorted(self._s.groups.items())
                if g["account_id"] == account_id]

    def add_members(self, group_id, contact_ids):
        self._s.members.update((group_id, c) for c in contact_ids)

    def remove_members(self, group_id, contact_ids):
        present = [c for c in dict.fromkeys(contact_ids) if (group_id, c) in self._s.members]
        self._s.members.difference_update((group_id, c) for c in present)
        return present

    def phones(self, account_id, group_ids):
        out = {g: [] for g in group_ids}
        for contact_id, c in sorted(self._s.contacts.items()):
            for g in out:
                if c.account_id == account_id and (g, contact_id) in self._s.members:
                    out[g].append(c.phone)
        return out


class FakeHistoryRepository:
    """The message history in memory (app/sending/ports.py): the stored messages, newest first."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def search(self, account_id, flt, offset, limit):
        from service.app.results import Page
        found = [m for _, m in sorted(self._s.messages.items(), reverse=True)
                 if m.account_id == account_id
                 and (flt.since is None or m.created_at >= flt.since)
                 and (flt.until is None or m.created_at < flt.until)
                 and (flt.status is None or m.status.canonical_name == flt.status.canonical_name)
                 and (not flt.recipient or m.recipient == flt.recipient)
                 and (flt.mailing_id is None or m.mailing_id == flt.mailing_id)]
        return Page(len(found), [copy.deepcopy(m) for m in found[offset:offset + limit]])


_UNSENT = ("QUEUED", "SCHEDULED")


class FakeMailingRepository:
    """The mailing store in memory (app/mailings/ports.py), over the same messages and
    contacts as the other fakes, with the SQL one's semantics."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def _messages(self, mailing_id, *statuses, submit_state=...):
        return [m for _, m in sorted(self._s.messages.items())
                if m.mailing_id == mailing_id
                and (not statuses or m.status.canonical_name in statuses)
                and (submit_state is ... or
                     _tracking(self._s, m.id)["submit_state"] == submit_state)]

    def add(self, mailing):
        mailing_id = _next(self._s, "mailings")
        self._s.mailings[mailing_id] = replace(copy.deepcopy(mailing), id=mailing_id)
        return mailing_id  # like SQL: ``mailing.id`` is left as it was

    def get(self, account_id, mailing_id, *, lock=False):
        m = self._s.mailings.get(mailing_id)
        return copy.deepcopy(m) if m is not None and m.account_id == account_id else None

    def update(self, mailing):
        stored = self._s.mailings.get(mailing.id)
        if stored is not None:
            stored.state, stored.started_at = mailing.state, mailing.started_at
            stored.recipients, stored.total_cost = mailing.recipients, mailing.total_cost

    def list(self, account_id, offset, limit):
        from service.app.results import Page
        own = [m for _, m in sorted(self._s.mailings.items(), reverse=True)
               if m.account_id == account_id]
        return Page(len(own), [copy.deepcopy(m) for m in own[offset:offset + limit]])

    def _group_cards(self, account_id, group_ids):
        wanted = set(group_ids)
        return [c for _, c in sorted(self._s.contacts.items()) if c.account_id == account_id
                and any((g, c.id) in self._s.members for g in wanted)]

    def group_contacts(self, account_id, group_ids):
        return [_card(self._s, c, with_groups=False)
                for c in self._group_cards(account_id, group_ids)]

    def stats(self, mailing_id):
        """Hot and archived messages, plus what retention purged (as SQL's mailing_purged_stats)."""
        out: dict[str, tuple[int, Decimal]] = {}
        for m in self._messages(mailing_id):
            count, cost = out.get(m.status.canonical_name, (0, Decimal("0")))
            out[m.status.canonical_name] = (count + 1, cost + m.cost)
        for (mailing, status), (purged, purged_cost) in self._s.retention.purged_stats.items():
            if mailing == mailing_id:
                count, cost = out.get(status, (0, Decimal("0")))
                out[status] = (count + purged, cost + purged_cost)
        return out

    def stop_unsent(self, mailing_id, now):
        from service.domain.status import MessageStatus
        stopped = self._messages(mailing_id, *_UNSENT, submit_state=None)
        for m in stopped:
            m.status, m.updated_at = MessageStatus.STOPPED, now
            _tracking(self._s, m.id).update(lease_owner=None, lease_until=None)
        return len(stopped)

    def stopped(self, mailing_id):
        return [m.id for m in self._messages(mailing_id, "STOPPED")]

    def requeue(self, rows, now):
        from service.domain.status import MessageStatus
        for message_id, status, at in rows:
            m = self._s.messages.get(message_id)
            if m is not None and m.status is MessageStatus.STOPPED:
                m.status, m.scheduled_at, m.updated_at = MessageStatus.from_name(status), at, now
                _tracking(self._s, m.id).update(lease_owner=None, lease_until=None)

    def unsent(self, mailing_id):
        return [m.id for m in self._messages(mailing_id, *_UNSENT, "STOPPED", submit_state=None)]

    def stage(self, mailing_id, account_id, group_ids, contact_ids, phones):
        taken = {phone for m, phone, _ in self._s.staged.values() if m == mailing_id}

        def put(phone, contact_id):
            if phone not in taken:  # like SQL's insert ... on conflict do nothing
                taken.add(phone)
                self._s.staged[_next(self._s, "staged")] = (mailing_id, phone, contact_id)

        for c in self._group_cards(account_id, group_ids) if group_ids else ():
            put(c.phone, c.id)
        wanted = set(contact_ids)
        for contact_id, c in sorted(self._s.contacts.items()):
            if contact_id in wanted and c.account_id == account_id:
                put(c.phone, contact_id)
        for phone in dict.fromkeys(phones):
            put(phone, None)

    def staged(self, mailing_id, after_id, limit):
        rows = [(i, phone, contact_id) for i, (m, phone, contact_id) in sorted(
            self._s.staged.items()) if m == mailing_id and i > after_id][:limit]
        return [(i, phone, _card(self._s, self._s.contacts[c], with_groups=False)
                 if c in self._s.contacts else None) for i, phone, c in rows]

    def clear_stage(self, mailing_id):
        self._s.staged = {i: row for i, row in self._s.staged.items() if row[0] != mailing_id}

    def release_held(self, mailing_id):
        for m in self._messages(mailing_id, submit_state="held"):
            _tracking(self._s, m.id)["submit_state"] = None

    def discard_held(self, mailing_id):
        for m in self._messages(mailing_id, submit_state="held"):
            del self._s.messages[m.id]
            self._s.tracking.pop(m.id, None)


_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=timezone.utc)


class FakeDeliveryStore:
    """The delivery store in memory (app/delivery/ports.py), over the same accounts and
    messages as the other fakes, with the SQL one's semantics: leases, a final status never
    overwritten, refunds and notifications only for changes that happened, receipts in an
    inbox, and callbacks one at a time per message."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def _rows(self, ids=None):
        """(message, its delivery columns) in id order, of ``ids`` or of every message."""
        wanted = None if ids is None else set(ids)
        return [(m, _tracking(self._s, i)) for i, m in sorted(self._s.messages.items())
                if wanted is None or i in wanted]

    @staticmethod
    def _leased_elsewhere(t, now):
        return t["lease_until"] is not None and not t["lease_until"] < now

    # -- dispatch ---------------------------------------------------------------------------

    def claim_due(self, owner, now, lease_until, limit):
        from service.app.delivery.ports import ClaimedMessage
        claimed = []
        for m, t in self._rows():
            account = self._s.accounts[m.account_id]
            if (len(claimed) < limit and m.status.canonical_name in _UNSENT
                    and t["submit_state"] is None
                    and (m.scheduled_at is None or m.scheduled_at <= now)
                    and (t["next_attempt_at"] is None or t["next_attempt_at"] <= now)
                    and not self._leased_elsewhere(t, now) and not account.paused):
                t.update(lease_owner=owner, lease_until=lease_until)
                claimed.append(ClaimedMessage(
                    id=m.id, account_id=m.account_id, recipient=m.recipient, sender=m.sender,
                    text=m.text, encoding=m.encoding, cost=m.cost, attempts=t["attempts"],
                    valid_until=m.valid_until, client_ref=m.client_ref,
                    callback_url=account.settings.callback_url,
                    simulator_rules=account.settings.simulator_rules))
        return claimed

    def mark_in_flight(self, ids, owner, lease_until):
        ours = []
        for m, t in self._rows(ids):
            if t["lease_owner"] == owner and m.status.canonical_name in _UNSENT:
                t.update(submit_state="inflight", lease_until=lease_until)
                ours.append(m.id)
        return ours

    def release(self, ids, owner):
        for _, t in self._rows(ids):
            if t["lease_owner"] == owner and t["submit_state"] is None:
                t.update(lease_owner=None, lease_until=None)

    def record_submitted(self, connector, accepted, now):
        for _, t in self._rows([message_id for message_id, _ in accepted]):
            t.update(submit_state="done", submitted_at=now, lease_owner=None, lease_until=None)
        self.record_parts(connector, accepted)

    def record_parts(self, connector, parts):
        from service.domain.carrier_ids import normalise_carrier_id
        taken = {(p["message_id"], p["part_no"]) for p in self._s.parts.values()}
        rows = [dict(message_id=message_id, part_no=n, connector=connector, carrier_id=raw[:64],
                     carrier_key=normalise_carrier_id(raw)[:64], status=None, dlr_stat=None,
                     dlr_error=None, receipt_at=None)
                for message_id, carrier_ids in parts
                for n, raw in enumerate(carrier_ids, 1) if raw is not None]
        keys = [(p["message_id"], p["part_no"]) for p in rows]
        if len(set(keys)) != len(keys) or taken & set(keys):
            raise ValueError("a message's part is recorded once")  # SQL: IntegrityError
        for row in rows:
            self._s.parts[_next(self._s, "parts")] = row

    def schedule_retry(self, retries):
        for message_id, reason, at in retries:
            if message_id in self._s.messages:
                self._s.messages[message_id].error_message = reason[:500]
                t = _tracking(self._s, message_id)
                t.update(submit_state=None, lease_owner=None, lease_until=None,
                         attempts=t["attempts"] + 1, next_attempt_at=at)

    def take_over_stale(self, now, limit):
        stale = [m.id for m, t in self._rows() if t["submit_state"] == "inflight"
                 and t["lease_until"] is not None and t["lease_until"] < now][:limit]
        for _, t in self._rows(stale):
            t.update(submit_state="unknown", lease_owner=None, lease_until=None)
        return stale

    # -- state changes ----------------------------------------------------------------------

    def states(self, ids):
        from service.app.delivery.ports import MessageState
        from service.domain.status import MessageStatus
        out = {}
        for m, t in self._rows(ids):
            parts = [MessageStatus.from_name(p["status"]) if p["status"] else None
                     for _, p in sorted(self._s.parts.items(), key=lambda x: x[1]["part_no"])
                     if p["message_id"] == m.id]
            out[m.id] = MessageState(
                id=m.id, account_id=m.account_id, recipient=m.recipient, status=m.status,
                valid_until=m.valid_until, submit_state=t["submit_state"],
                client_ref=m.client_ref,
                callback_url=self._s.accounts[m.account_id].settings.callback_url, parts=parts,
                sender=m.sender)
        return out

    def apply(self, transitions, now, actor="worker"):
        if not transitions:
            return
        before = {m.id: m.status.final for m, _ in self._rows(t.message_id for t in transitions)}
        for tr in transitions:
            m = self._s.messages.get(tr.message_id)
            if m is None or m.status.final:
                continue
            t = _tracking(self._s, m.id)
            m.status, m.updated_at = tr.status, now
            m.error_code = tr.error_code if tr.error_code is not None else m.error_code
            message = (tr.error_message or None) and tr.error_message[:500]
            m.error_message = message if message is not None else m.error_message
            t.update(dlr_stat=tr.dlr_stat if tr.dlr_stat is not None else t["dlr_stat"],
                     dlr_error=tr.dlr_error if tr.dlr_error is not None else t["dlr_error"],
                     finished_at=now if tr.status.final else None,
                     lease_owner=None, lease_until=None)
        # like SQL: only changes that happened count (a status final before the batch is kept)
        applied = [tr for tr in transitions if before.get(tr.message_id) is False]
        self._refund([tr for tr in applied if tr.refund], now, actor)
        for tr in applied:
            if tr.callback:
                job_id = _next(self._s, "callbacks")
                self._s.callbacks[job_id] = dict(
                    id=job_id, account_id=self._s.messages[tr.message_id].account_id,
                    message_id=tr.message_id, url=tr.callback[0], payload=tr.callback[1],
                    state="pending", attempts=0, next_attempt_at=now, lease_until=None,
                    last_error=None, created_at=now, delivered_at=None)

    def _refund(self, transitions, now, actor):
        """Like SQL: each account credited once, one ledger entry per refunded message."""
        from service.app.accounts.ledger import Refund, refund_entries, refunds_by_account
        why = {t.message_id: t.status.canonical_name + (f": {t.error_message}"
                                                        if t.error_message else "")
               for t in transitions}
        refunds = [Refund(m.account_id, m.id, m.cost, m.mailing_id, why[m.id])
                   for m, _ in self._rows(why)]
        # like SQL: a parent-mode sub-client's refunds go back to the parent that paid
        from service.app.subaccounts.funding import route_refunds
        subs = getattr(self._s, "subaccounts", {})
        refunds = route_refunds(refunds, {
            sid: (sub.parent_id, self._s.accounts[sid].login) for sid, sub in subs.items()
            if sub.balance_mode.value == "parent"})
        for account_id, items in refunds_by_account(refunds).items():
            account = self._s.accounts[account_id]
            account.balance += sum((r.cost for r in items), Decimal("0"))
            FakeLedgerRepository(self._s).add(refund_entries(items, account.balance, actor, now))

    def overdue(self, now, limit):
        return [m.id for m, t in self._rows()
                if m.status.canonical_name in ("SUBMITTED", "PARTIALLY_DELIVERED", "QUEUED",
                                               "SCHEDULED", "STOPPED")
                and m.valid_until < now and t["submit_state"] in (None, "done")
                and not self._leased_elsewhere(t, now)][:limit]

    # -- receipts ---------------------------------------------------------------------------

    def add_receipts(self, connector, receipts, now):
        for x in receipts:
            receipt_id = _next(self._s, "receipts")
            self._s.receipts[receipt_id] = dict(
                id=receipt_id, connector=connector, carrier_id=x.carrier_id[:64],
                stat=x.stat[:16], error=(x.error or None) and x.error[:16], done_at=x.done_at,
                received_at=now, state="new", attempts=0, next_attempt_at=now)

    def due_receipts(self, now, limit):
        from service.app.delivery.ports import PendingReceipt
        due = [x for _, x in sorted(self._s.receipts.items())
               if x["state"] in ("new", "unmatched") and x["next_attempt_at"] <= now][:limit]
        return [PendingReceipt(**{k: x[k] for k in (
            "id", "connector", "carrier_id", "stat", "error", "done_at", "received_at",
            "attempts")}) for x in due]

    def find_parts(self, connector, keys):
        from service.app.delivery.ports import PartMatch
        wanted = set(keys)
        found = {}
        for _, p in sorted(self._s.parts.items()):  # an id the carrier reused: the newest wins
            if p["connector"] == connector and p["carrier_key"] in wanted:
                found[p["carrier_key"]] = PartMatch(p["message_id"], p["part_no"],
                                                    p["carrier_key"])
        return found

    def record_part_outcomes(self, outcomes):
        for part, status, stat, err, at in outcomes:
            for p in self._s.parts.values():
                if ((p["message_id"], p["part_no"]) == (part.message_id, part.part_no)
                        and p["status"] is None):
                    p.update(status=status.canonical_name, dlr_stat=stat[:8],
                             dlr_error=(err or None) and err[:8], receipt_at=at)

    def settle_receipts(self, matched, unmatched):
        for receipt_id in matched:
            if receipt_id in self._s.receipts:
                self._s.receipts[receipt_id]["state"] = "matched"
        for receipt_id, at in unmatched:
            x = self._s.receipts.get(receipt_id)
            if x is not None:
                x.update(state="unmatched" if at else "orphan", attempts=x["attempts"] + 1,
                         next_attempt_at=at or _FAR_FUTURE)

    # -- callbacks --------------------------------------------------------------------------

    def _jobs(self, ids):
        from service.app.delivery.ports import CallbackJob
        jobs = []
        for job_id in sorted(ids):
            x = self._s.callbacks[job_id]
            s = self._s.accounts[x["account_id"]].settings
            jobs.append(CallbackJob(
                id=x["id"], account_id=x["account_id"], message_id=x["message_id"], url=x["url"],
                payload=x["payload"], secret=s.callback_secret, attempts=x["attempts"],
                created_at=x["created_at"], last_error=x["last_error"],
                trusted=bool(s.callback_url_trusted) and x["url"] == s.callback_url))
        return jobs

    def claim_callbacks(self, now, lease_until, limit):
        pending = [x for _, x in sorted(self._s.callbacks.items()) if x["state"] == "pending"]
        first = {}
        for x in pending:
            first.setdefault(x["message_id"], x["id"])
        due = [x for x in pending if first[x["message_id"]] == x["id"]
               and x["next_attempt_at"] <= now
               and (x["lease_until"] is None or x["lease_until"] < now)][:limit]
        for x in due:
            x["lease_until"] = lease_until
        return self._jobs([x["id"] for x in due])

    def callbacks_settled(self, delivered, failed, now):
        for job_id in delivered:
            x = self._s.callbacks.get(job_id)
            if x is not None:
                x.update(state="delivered", delivered_at=now, lease_until=None,
                         attempts=x["attempts"] + 1)
        for job_id, error, at in failed:
            x = self._s.callbacks.get(job_id)
            if x is not None:
                x.update(attempts=x["attempts"] + 1, lease_until=None, last_error=error[:500],
                         state="pending" if at else "dead", next_attempt_at=at or now)

    def dead_callbacks(self, limit):
        return self._jobs([i for i, x in sorted(self._s.callbacks.items())
                           if x["state"] == "dead"][:limit])

    def callback_states(self, ids):
        return {i: self._s.callbacks[i]["state"] for i in ids if i in self._s.callbacks}

    def replay_callbacks(self, ids, now):
        from service.app.delivery.ports import ReplayResult
        chosen = [x for i, x in sorted(self._s.callbacks.items())
                  if x["state"] == "dead" and (ids is None or i in set(ids))]
        queued = []
        for x in chosen:
            url = self._s.accounts[x["account_id"]].settings.callback_url
            if url is not None:
                x.update(url=url, state="pending", next_attempt_at=now, created_at=now,
                         attempts=0, lease_until=None)
                queued.append(x["id"])
        return ReplayResult(queued, [x["id"] for x in chosen if x["state"] == "dead"])


class FakeTariffRepository:
    """Stored tariffs in memory (app/pricing/ports.py); kept on the store so that units of
    work copy and commit them like everything else."""

    def __init__(self, store: _Store) -> None:
        self._s = store
        if not hasattr(store, "tariffs"):
            store.tariffs = {}  # id -> StoredTariff
            store.tariff_prices = {}  # id -> {prefix: price}
            store.next_tariff = 1

    def _counted(self, t):
        return replace(t, price_count=len(self._s.tariff_prices[t.id]))

    def get(self, tariff_id):
        t = self._s.tariffs.get(tariff_id)
        return self._counted(t) if t else None

    def get_by_name(self, name):
        return next((self._counted(t) for t in self._s.tariffs.values() if t.name == name), None)

    def all(self):
        return sorted((self._counted(t) for t in self._s.tariffs.values()), key=lambda t: t.name)

    def version(self, tariff_id):
        t = self._s.tariffs.get(tariff_id)
        return t.version if t else None

    def prices(self, tariff_id):
        return dict(self._s.tariff_prices.get(tariff_id, {}))

    def save(self, name, currency, default_price, prices, now):
        from service.domain.tariffs import StoredTariff
        old = next((t for t in self._s.tariffs.values() if t.name == name), None)
        if old is None:
            t = StoredTariff(self._s.next_tariff, name, currency, default_price, 1, now)
            self._s.next_tariff += 1
        else:
            t = replace(old, currency=currency, default_price=default_price,
                        version=old.version + 1, updated_at=now)
        self._s.tariffs[t.id] = t
        self._s.tariff_prices[t.id] = dict(prices)
        return self._counted(t)

    def delete(self, tariff_id):
        self._s.tariffs.pop(tariff_id, None)
        self._s.tariff_prices.pop(tariff_id, None)

    def users(self, tariff_id):
        return sorted(a.login for a in self._s.accounts.values() if a.tariff_id == tariff_id)

    def assign(self, account_id, tariff_id):
        self._s.accounts[account_id].tariff_id = tariff_id


class FakeLimitStore:
    """Sending limits in memory (app/limits/ports.py); its state rides on the store's copy."""

    _REFUSED = ("INVALID_NUMBER", "BANNED")

    def __init__(self, store: _Store) -> None:
        self._s = store
        self._own = store.__dict__.setdefault("account_limits", {})
        self._counts = store.__dict__.setdefault("limit_counters", {})

    def get(self, account_id):
        return self._own.get(account_id)

    def put(self, account_id, limits):
        self._own[account_id] = limits

    def serialize(self, account_id):
        """One fake unit of work at a time already."""

    def recent(self, account_id, recipients, since):
        from service.domain.limits import Sent
        wanted = set(recipients)
        return [Sent(m.recipient, m.text, m.created_at) for m in self._s.messages.values()
                if m.account_id == account_id and m.recipient in wanted
                and m.created_at >= since and m.status.canonical_name not in self._REFUSED]

    def reserve(self, account_id, period, count, limit):
        key = (account_id, period.key)
        if key not in self._counts:
            self._counts[key] = sum(
                1 for m in self._s.messages.values()
                if m.account_id == account_id and period.start <= m.created_at < period.end
                and m.status.canonical_name not in self._REFUSED)
        if self._counts[key] + count > limit:
            return None
        self._counts[key] += count
        return self._counts[key]

    def used(self, account_id, period):
        return self._counts.get((account_id, period.key), 0)


class FakeSenderRepository:
    """The sender registry in memory (app/senders/ports.py); its rows live on the store, so a
    unit of work copies and commits them with everything else."""

    def __init__(self, store: _Store) -> None:
        self._s = store
        self._rows: dict[tuple[int, str], object] = store.__dict__.setdefault("senders", {})
        self._shared: dict[str, str] = store.__dict__.setdefault("shared_senders", {})

    def of_account(self, account_id):
        return self.list(account_id)

    def get(self, account_id, name):
        return self._rows.get((account_id, name))

    def save(self, sender):
        old = self._rows.get((sender.account_id, sender.name))
        if old is not None:  # created_at is the registration's, as in the SQL store
            from dataclasses import replace
            sender = replace(sender, created_at=old.created_at)
        self._rows[(sender.account_id, sender.name)] = sender

    def delete(self, account_id, name):
        return self._rows.pop((account_id, name), None) is not None

    def list(self, account_id=None):
        return [self._rows[k] for k in sorted(self._rows)
                if account_id is None or k[0] == account_id]

    def shared(self):
        return dict(self._shared)

    def set_shared(self, prefix, name, now):
        self._shared[prefix] = name

    def remove_shared(self, prefix):
        return self._shared.pop(prefix, None) is not None

    def adopt_in_use(self, now):
        from service.domain.sender_ids import SenderId, SenderState
        used = {(m.account_id, m.sender) for m in self._s.messages.values() if m.sender}
        used |= {(m.account_id, m.sender) for m in self._s.mailings.values() if m.sender}
        used |= {(a.id, a.settings.default_sender) for a in self._s.accounts.values()
                 if a.settings.default_sender}
        new = sorted(k for k in used if k not in self._rows)
        for account_id, name in new:
            self._rows[(account_id, name)] = SenderId(account_id, name, SenderState.APPROVED,
                                                      now, decided_at=now)
        return len(new)


class FakeLedgerRepository:
    """The ledger in memory (app/accounts/ports.py LedgerRepository)."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def add(self, entries):
        for e in entries:
            self._s.ledger.append(replace(e, id=len(self._s.ledger) + 1))

    def page(self, account_id, since, until, offset, limit):
        from service.app.results import Page
        found = [e for e in reversed(self._s.ledger) if e.account_id == account_id
                 and (since is None or e.created_at >= since)
                 and (until is None or e.created_at < until)]
        return Page(len(found), found[offset:offset + limit])

    def totals(self):
        from service.app.accounts.ports import LedgerTotals
        out = []
        for account_id, a in sorted(self._s.accounts.items()):
            mine = [e for e in self._s.ledger if e.account_id == account_id]
            out.append(LedgerTotals(account_id, a.login, a.balance,
                                    sum((e.amount for e in mine), Decimal("0.0000")), len(mine),
                                    mine[-1].balance_after if mine else None))
        return out


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


class FakeRetentionStore:
    """The RetentionStore port (app/retention/ports.py) in memory. When a message became final
    and how its notifications stand come from the fake delivery store (``tracking``,
    ``callbacks``) or, for messages a test arranged directly, from ``store.retention``."""

    def __init__(self, store: _Store) -> None:
        self._s = store
        self._r = store.retention

    def _finished(self, message_id):
        m = self._s.messages[message_id]
        if not m.status.final:
            return None
        return (self._r.finished_at.get(message_id)
                or self._s.tracking.get(message_id, {}).get("finished_at")
                or m.updated_at)  # like SQL: stored final, final since it was stored

    def _notifications(self, message_id):
        return set(self._r.callbacks.get(message_id, [])) | {
            c["state"] for c in self._s.callbacks.values() if c["message_id"] == message_id}

    def _forget(self, message_id, keep_message=False):
        """Its parts and notifications go (and the message itself unless ``keep_message``)."""
        for table in (self._s.parts, self._s.callbacks):
            for key in [k for k, row in table.items() if row["message_id"] == message_id]:
                del table[key]
        self._r.callbacks.pop(message_id, None)
        if not keep_message:
            self._s.messages.pop(message_id)
            self._s.tracking.pop(message_id, None)
            self._r.finished_at.pop(message_id, None)
            self._r.archived.discard(message_id)

    def _due(self, message_id, before):
        finished = self._finished(message_id)
        return finished is not None and finished <= before

    def retention_classes(self):
        return list({a.settings.retention_days for a in self._s.accounts.values()})

    def purge(self, retention_days, finished_before, limit):
        owners = {a.id for a in self._s.accounts.values()
                  if a.settings.retention_days == retention_days}
        due = [i for i, m in sorted(self._s.messages.items())
               if m.account_id in owners and self._due(i, finished_before)
               and (i in self._r.archived or "pending" not in self._notifications(i))]
        hot = [i for i in due if i not in self._r.archived]
        chosen = (hot + [i for i in due if i in self._r.archived])[:limit]  # hot first, like SQL
        for i in chosen:
            m = self._s.messages[i]
            if m.mailing_id is not None:
                key = (m.mailing_id, m.status.canonical_name)
                count, cost = self._r.purged_stats.get(key, (0, Decimal("0")))
                self._r.purged_stats[key] = (count + 1, cost + m.cost)
            self._forget(i)
        return len(chosen)

    def archive(self, finished_before, limit):
        due = sorted((i for i in self._s.messages
                      if i not in self._r.archived and self._due(i, finished_before)
                      and not {"pending", "dead"} & self._notifications(i)),
                     key=lambda i: (self._finished(i), i))[:limit]
        for i in due:
            self._forget(i, keep_message=True)
            self._r.archived.add(i)
        return len(due)

    def purge_counters(self, before_window):
        old = [k for k in self._s.counters if k[2] < before_window]
        for k in old:
            del self._s.counters[k]
        return len(old)

    def purge_send_requests(self, created_before, limit):
        old = [k for k, row in self._s.send_requests.items() if row[0] < created_before][:limit]
        for k in old:
            del self._s.send_requests[k]
        return len(old)
