"""Fakes of the accounts and access ports: accounts, API keys, the ledger, sub-clients, login
failures and request counters."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
import copy
import dataclasses

from service.app.errors import LoginTaken

from .store import _Store


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
        stored.smpp_password_hash = account.smpp_password_hash


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


class FakeRequestCounters:
    def __init__(self, store: _Store) -> None:
        self._c = store.counters

    def hit(self, account_id, key, window, weight=1):
        new = (account_id, key, window) not in self._c
        count = self._c[(account_id, key, window)] = self._c.get((account_id, key, window), 0) + weight
        if new:  # like SQL: a new minute forgets this account's older ones
            for old in [k for k in self._c if k[0] == account_id and k[2] < window - 1]:
                del self._c[old]
        return count

    def latest_window(self, account_id, key):
        return max((w for a, k, w in self._c if a == account_id and k == key), default=None)
