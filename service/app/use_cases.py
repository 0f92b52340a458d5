"""The use cases every front door calls, bundled by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from .accounts.accounts import AccountService
from .accounts.ledger_service import LedgerService
from .book.address_book import AddressBookService
from .inbound.keywords import KeywordResponder
from .inbound.settings import InboundSettingsService
from .inbound.numbers import InboundNumbers
from .inbound.service import InboundService
from .inbound.inbox import InboxService
from .sending.history import HistoryQueries
from .access.limits import RequestLimits
from .access.login_guard import LoginGuard
from .limits.limits import LimitSettings
from .mailings.mailings import MailingService
from .pricing.tariffs import TariffService
from .tasks.tasks import TaskService
from .sending.cancel import CancelService
from .sending.sending import SendingService
from .sending.submit import SubmitService
from .senders.senders import SenderService
from .smpp.receipts import SmppReceiptQueue
from .smpp.binds import SmppBinds
from .sending.status_query import StatusQueries
from .subaccounts.settings import AccountSettingsService
from .subaccounts.subaccounts import SubAccountService


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
    subaccounts: SubAccountService
    settings: AccountSettingsService
    tariffs: TariffService
    sending_limits: LimitSettings
    senders: SenderService
    ledger: LedgerService
    smpp_receipts: SmppReceiptQueue
    smpp_binds: SmppBinds
    submit: SubmitService      # SMPP submit_sm: batches committed together
    cancel: CancelService      # SMPP cancel_sm
    inbound_settings: InboundSettingsService  # the operator's opt-out keywords per account
    keywords: KeywordResponder  # STOP/START/HELP, called by InboundService.process
    inbound: InboundService    # MO: accepted from carriers, processed by workers
    inbound_numbers: InboundNumbers  # the operator's numbers, keywords, unmatched inbox
    inbox: InboxService        # the account's inbound messages, pulled
