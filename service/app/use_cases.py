"""The use cases every front door calls, bundled by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from .accounts import AccountService
from .address_book import AddressBookService
from .history import HistoryQueries
from .limits import RequestLimits
from .login_guard import LoginGuard
from .mailings import MailingService
from .tasks import TaskService
from .sending import SendingService
from .status_query import StatusQueries


@dataclass(frozen=True)
class UseCases:
    sending: SendingService
    statuses: StatusQueries
    accounts: AccountService
    address_book: AddressBookService
    history: HistoryQueries
    mailings: MailingService
    tasks: TaskService
    limits: RequestLimits
    guard: LoginGuard
