"""The SQL unit of work: one connection, one transaction, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

from ..domain.clock import Clock
from .address_book import (SqlBlacklistRepository, SqlContactRepository, SqlGroupRepository,
                           SqlHistoryRepository)
from .api_keys import SqlApiKeyRepository
from .counters import SqlRequestCounters
from .login_failures import SqlLoginFailures
from .delivery_store import SqlDeliveryStore
from .engine import writer_queue
from .inbound_settings import SqlInboundSettingsRepository
from .inbound import SqlInboundStore
from .inbox import SqlInboxReader
from .ledger import SqlLedgerRepository
from .mailings import SqlMailingRepository
from .retention import SqlRetentionStore
from .senders import SqlSenderRepository
from .smpp_receipts import SqlSmppReceiptOutbox
from .smpp_sessions import SqlSmppSessions
from .tasks import SqlTaskStore
from .tariffs import SqlTariffRepository
from .sending_limits import SqlLimitStore
from .repositories import SqlAccountRepository, SqlMessageRepository, SqlSendRequestRepository
from .subaccounts import SqlSubAccountRepository


class SqlUnitOfWork:
    def __init__(self, engine: Engine, clock: Clock, *, write: bool = False) -> None:
        self._engine = engine
        self._clock = clock
        self._write = write
        self._conn = None
        self._tx = None

    def __enter__(self) -> "SqlUnitOfWork":
        self._queue = writer_queue(self._engine) if self._write else None
        if self._queue is not None:
            self._queue.acquire()
        try:
            conn = self._engine.connect()
            if self._queue is not None:
                conn = conn.execution_options(sqlite_write=True)
            self._conn = conn
            self._tx = conn.begin()
        except BaseException:
            self._release_queue()
            raise
        self.accounts = SqlAccountRepository(conn, self._clock.now)
        self.messages = SqlMessageRepository(conn)
        self.send_requests = SqlSendRequestRepository(conn)
        self.delivery = SqlDeliveryStore(conn)
        self.contacts = SqlContactRepository(conn, self._clock.now)
        self.groups = SqlGroupRepository(conn)
        self.blacklist = SqlBlacklistRepository(conn)
        self.history = SqlHistoryRepository(conn)
        self.mailings = SqlMailingRepository(conn)
        self.tasks = SqlTaskStore(conn)
        self.counters = SqlRequestCounters(conn)
        self.api_keys = SqlApiKeyRepository(conn)
        self.login_failures = SqlLoginFailures(conn)
        self.subaccounts = SqlSubAccountRepository(conn)
        self.retention = SqlRetentionStore(conn)
        self.tariffs = SqlTariffRepository(conn)
        self.sending_limits = SqlLimitStore(conn)
        self.senders = SqlSenderRepository(conn)
        self.ledger = SqlLedgerRepository(conn)
        self.smpp_receipts = SqlSmppReceiptOutbox(conn)
        self.smpp_sessions = SqlSmppSessions(conn)
        self.inbound_settings = SqlInboundSettingsRepository(conn)
        self.inbound = SqlInboundStore(conn)
        self.inbox = SqlInboxReader(conn)
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            self._conn.close()
            self._conn = self._tx = None
            self._release_queue()

    def rollback(self) -> None:
        """Undo everything done in this unit so far (it can still be used afterwards)."""
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()
        self._release_queue()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A SAVEPOINT: rolled back to when the body raises (the exception goes on)."""
        with self._conn.begin_nested():
            yield

    def commit(self) -> None:
        self._tx.commit()
        self._release_queue()  # the next writer may start while we build our answer

    def _release_queue(self) -> None:
        if self._queue is not None:
            self._queue, queue = None, self._queue
            queue.release()


class SqlUnitOfWorkFactory:
    """``factory(write=...)`` returns a fresh unit of work on the shared engine."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self._clock = clock

    def __call__(self, *, write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self._clock, write=write)
