"""In-memory fakes of the persistence ports, held to the same contract tests as the SQL ones."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from service.app.errors import DuplicateRequest, LoginTaken
from service.domain.account import Account
from service.domain.message import Message


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs) -> None:
        self.current += timedelta(**kwargs)


class _Store:
    def __init__(self) -> None:
        self.accounts: dict[int, Account] = {}
        self.messages: dict[int, Message] = {}
        self.send_requests: dict[tuple[int, str], list] = {}
        self.blacklist: dict[int, set[str]] = {}
        self.next_account = 1
        self.next_message = 1


class FakeAccountRepository:
    def __init__(self, store: _Store) -> None:
        self._s = store

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

    def by_external_id(self, account_id, external_id):
        return [copy.deepcopy(m) for m in self._s.messages.values()
                if m.account_id == account_id and m.external_id == external_id]

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
        from service.app.address_book_ports import Page
        phones = sorted(self._s.blacklist.get(account_id, set()))
        return Page(len(phones), phones[offset:offset + limit])


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
        return self

    def __exit__(self, *exc):
        self._work = None

    def commit(self):
        self._owner.store = self._work
        self._owner.commits += 1


class FakeUnitOfWorkFactory:
    def __init__(self) -> None:
        self.store = _Store()
        self.commits = 0

    def __call__(self, *, write: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)


def make_account(login="alice", password_hash="x", balance="100") -> Account:
    return Account(id=None, login=login, password_hash=password_hash, balance=Decimal(balance))
