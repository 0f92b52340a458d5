"""In-memory fakes of the persistence ports, held to the same contract tests as the SQL ones."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from service.app.delivery.carrier import Receipt
from service.app.errors import DuplicateRequest, LoginTaken
from service.domain.account import Account
from service.domain.api_keys import ApiKey
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
        if a.balance < amount:
            return None
        a.balance -= amount
        return a.balance

    def credit(self, account_id, amount):
        a = self._s.accounts[account_id]
        a.balance += amount
        return a.balance

    def balance(self, account_id):
        return self._s.accounts[account_id].balance

    def update(self, account):
        stored = self._s.accounts[account.id]
        stored.password_hash, stored.blocked = account.password_hash, account.blocked
        stored.paused = account.paused
        stored.settings = account.settings


class FakeMessageRepository:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def add_many(self, items):
        ids = []
        for m in items:
            m.id = self._s.next_message
            self._s.next_message += 1
            self._s.messages[m.id] = copy.deepcopy(m)
            ids.append(m.id)
        return ids

    def insert_bulk(self, items, *, held=False):
        self.add_many([copy.copy(m) for m in items])  # like SQL: the ids are not read back

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
        self.retention = FakeRetentionStore(self._work)
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
    """The RetentionStore port (app/retention/ports.py) in memory."""

    def __init__(self, store: _Store) -> None:
        self._s = store
        self._r = store.retention

    def retention_classes(self):
        return list({a.settings.retention_days for a in self._s.accounts.values()})

    def purge(self, retention_days, finished_before, limit):
        owners = {a.id for a in self._s.accounts.values()
                  if a.settings.retention_days == retention_days}
        due = [i for i, m in sorted(self._s.messages.items())
               if m.account_id in owners and m.status.final
               and self._r.finished_at.get(i) is not None and self._r.finished_at[i] <= finished_before
               and (i in self._r.archived or "pending" not in self._r.callbacks.get(i, []))]
        hot = [i for i in due if i not in self._r.archived]
        chosen = (hot + [i for i in due if i in self._r.archived])[:limit]  # hot ones first, like SQL
        for i in chosen:
            m = self._s.messages.pop(i)
            if m.mailing_id is not None:
                count, cost = self._r.purged_stats.get((m.mailing_id, m.status.canonical_name),
                                                       (0, Decimal("0")))
                self._r.purged_stats[(m.mailing_id, m.status.canonical_name)] = (
                    count + 1, cost + m.cost)
            self._r.finished_at.pop(i, None)
            self._r.callbacks.pop(i, None)
            self._r.archived.discard(i)
        return len(chosen)

    def archive(self, finished_before, limit):
        due = [i for i, m in sorted(self._s.messages.items(),
                                    key=lambda kv: (self._r.finished_at.get(kv[0]) or finished_before, kv[0]))
               if i not in self._r.archived and m.status.final
               and self._r.finished_at.get(i) is not None and self._r.finished_at[i] <= finished_before
               and not {"pending", "dead"} & set(self._r.callbacks.get(i, []))][:limit]
        for i in due:
            self._r.archived.add(i)
            self._r.callbacks.pop(i, None)
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

