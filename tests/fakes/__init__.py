"""Fakes of every port, for unit tests and the contract tests: FakeUnitOfWorkFactory
gives units of work over one in-memory store, committed by swapping it in.

Each capability's fakes live in their own module; this package re-exports them all."""

from __future__ import annotations

import copy
from contextlib import contextmanager

from .clock import FixedClock
from .store import FakeRetentionState, _Store, make_account
from .accounts import (FakeAccountRepository, FakeApiKeyRepository, FakeLedgerRepository,
    FakeLoginFailures, FakeRequestCounters, FakeSubAccountRepository)
from .sending import (FakeHistoryRepository, FakeLimitStore, FakeMessageRepository,
    FakeSendRequestRepository, FakeSenderRepository, FakeTariffRepository)
from .book import FakeBlacklistRepository, FakeContactRepository, FakeGroupRepository
from .mailings import FakeMailingRepository, FakeTaskStore
from .delivery import FakeDeliveryStore, FakeResolver, FakeRetentionStore, FakeSimulatorLedger
from .smpp_receipts import FakeSmppReceiptOutbox
from .smpp_sessions import FakeSmppSessions
from .inbound_settings import FakeInboundSettingsRepository
from .inbound import FakeInboundStore
from .inbox import FakeInboxReader


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
        self.smpp_receipts = FakeSmppReceiptOutbox(self._work)
        self.smpp_sessions = FakeSmppSessions(self._work)
        self.inbound_settings = FakeInboundSettingsRepository(self._work)
        self.inbound = FakeInboundStore(self._work)
        self.inbox = FakeInboxReader(self._work)
        return self

    def __exit__(self, *exc):
        self._work = None

    def commit(self):
        self._owner.store = self._work
        self._owner.commits += 1

    def rollback(self):
        """Forget everything done in this unit so far."""
        self.__enter__()

    @contextmanager
    def savepoint(self):
        """Undo what the body did when it raises: the store is put back in place (the
        repositories keep pointing at the same object)."""
        snapshot = copy.deepcopy(self._work)
        try:
            yield
        except BaseException:
            vars(self._work).clear()
            vars(self._work).update(vars(snapshot))
            raise


class FakeUnitOfWorkFactory:
    def __init__(self) -> None:
        self.store = _Store()
        self.commits = 0

    def __call__(self, *, write: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)
