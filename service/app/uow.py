"""The unit of work: one transaction over every capability's repositories.

Each capability declares its own ports beside its use cases (``app/<capability>/ports.py``);
the unit of work gathers them. ``persistence`` implements it; tests have in-memory fakes.
Use it as a context manager; nothing it did is kept unless ``commit()`` was called before it
closes.
"""

from __future__ import annotations

from typing import Callable, ContextManager, Protocol

from .access.ports import LoginFailures, RequestCounters
from .accounts.ports import AccountRepository, ApiKeyRepository, LedgerRepository
from .book.ports import BlacklistRepository, ContactRepository, GroupRepository
from .delivery.ports import DeliveryStore
from .inbound.settings_ports import InboundSettingsRepository
from .inbound.ports import InboundStore
from .inbound.inbox_ports import InboxReader
from .mailings.ports import MailingRepository
from .retention.ports import RetentionStore
from .pricing.ports import TariffRepository
from .senders.ports import SenderRepository
from .smpp.receipt_ports import SmppReceiptOutbox
from .smpp.session_ports import SmppSessions
from .sending.ports import HistoryRepository, MessageRepository, SendRequestRepository
from .subaccounts.ports import SubAccountRepository
from .tasks.ports import TaskStore
from .limits.ports import LimitStore


class UnitOfWork(Protocol):
    accounts: AccountRepository
    messages: MessageRepository
    send_requests: SendRequestRepository
    delivery: DeliveryStore
    contacts: ContactRepository
    groups: GroupRepository
    blacklist: BlacklistRepository
    history: HistoryRepository
    mailings: MailingRepository
    tasks: TaskStore
    counters: RequestCounters
    api_keys: ApiKeyRepository
    login_failures: LoginFailures
    subaccounts: SubAccountRepository
    retention: RetentionStore
    tariffs: TariffRepository
    sending_limits: LimitStore
    senders: SenderRepository
    ledger: LedgerRepository
    smpp_receipts: SmppReceiptOutbox
    smpp_sessions: SmppSessions
    inbound_settings: InboundSettingsRepository
    inbound: InboundStore
    inbox: InboxReader

    def __enter__(self) -> "UnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Make everything done in this unit permanent."""

    def rollback(self) -> None:
        """Undo everything done in this unit so far."""

    def savepoint(self) -> ContextManager[None]:
        """A nested unit inside this one: when its body raises, what the body wrote is undone
        (the exception goes on) and the unit can go on; otherwise it stays part of the unit
        (kept only if the unit commits). A step that may fail without failing the whole
        unit (an auto-reply that cannot be paid) runs in one."""


UnitOfWorkFactory = Callable[..., UnitOfWork]
"""``factory(write=False)``: a new unit of work; ``write=True`` takes the write lock up front."""

__all__ = ["UnitOfWork", "UnitOfWorkFactory"]
