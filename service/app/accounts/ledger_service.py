"""Use cases that read the money ledger: a client's transactions, the operator's view of an
account's ledger, and the check that every balance equals the sum of its ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass
from datetime import datetime

from ...domain.account import Account
from ...domain.errors import ConstraintViolation, NotFound
from ...domain.ledger import LedgerEntry
from ...domain.values import utc_time
from ..access.auth import Authenticator, Credentials
from ..access.rate_limits import Operation
from ..results import MAX_PAGE_SIZE, Page, paging
from ..uow import UnitOfWorkFactory
from .ports import LedgerTotals

if TYPE_CHECKING:
    from ..subaccounts.subaccounts import SubAccountService


@dataclass(frozen=True)
class Statement:
    """A page of an account's ledger, newest first, in the account's currency."""

    currency: str
    page: Page[LedgerEntry]


def _window(since: datetime | None, until: datetime | None
            ) -> tuple[datetime | None, datetime | None]:
    since = utc_time(since, "since") if since is not None else None
    until = utc_time(until, "until") if until is not None else None
    if since is not None and until is not None and until < since:
        raise ConstraintViolation("until", "until must not be before since")
    return since, until


class LedgerService:
    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator,
                 subaccounts: "SubAccountService | None" = None) -> None:
        self._uow = uow_factory
        self._auth = auth
        self._subaccounts = subaccounts

    def transactions(self, credentials: Credentials, since: datetime | None = None,
                     until: datetime | None = None, page: int | None = None,
                     page_size: int | None = None, sub_account: str | None = None) -> Statement:
        """The authenticated account's ledger entries created in [since, until), newest first;
        page starts at 1, page_size 1..1000 (default 100). ``sub_account``: a parent reads one
        of its sub-clients' ledgers instead of its own."""
        offset, limit = paging(page, page_size)
        since, until = _window(since, until)
        with self._uow() as uow:
            account = self._auth.admit(uow, credentials, Operation.QUERY)
            if sub_account and self._subaccounts is not None:
                account = self._subaccounts.resolve(uow, account, sub_account)
            return Statement(account.currency,
                             uow.ledger.page(account.stored_id, since, until, offset, limit))

    def history(self, login: str, since: datetime | None = None, until: datetime | None = None,
                limit: int = 50) -> tuple[Account, Page[LedgerEntry]]:
        """The operator's view: the newest ``limit`` (1..1000) entries of an account."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ConstraintViolation("limit", f"limit must be 1..{MAX_PAGE_SIZE}",
                                      limit=MAX_PAGE_SIZE)
        since, until = _window(since, until)
        with self._uow() as uow:
            account = uow.accounts.get_by_login(login)
            if account is None:
                raise NotFound("account", login)
            return account, uow.ledger.page(account.stored_id, since, until, 0, limit)

    def check(self) -> list[LedgerTotals]:
        """Every account's balance beside its ledger (``consistent`` says whether they
        agree: the balance is the sum of the amounts and the newest balance after)."""
        with self._uow() as uow:
            return uow.ledger.totals()
