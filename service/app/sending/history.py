"""Use case: the account's message history, paged and filtered."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ...domain.errors import ValidationError
from ...domain.message import Message
from ...domain.phones import normalise
from ...domain.status import MessageStatus
from ...domain.values import utc_time
from ..results import Page, paging
from .ports import MessageFilter
from ..access.auth import Authenticator, Credentials
from ..access.rate_limits import Operation
from .policy import SendingPolicy
from ..uow import UnitOfWorkFactory

if TYPE_CHECKING:
    from ..subaccounts.subaccounts import SubAccountService


class HistoryQueries:
    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator,
                 policy: SendingPolicy, subaccounts: "SubAccountService | None" = None) -> None:
        self._uow = uow_factory
        self._subaccounts = subaccounts
        self._auth = auth
        self._policy = policy

    def get_messages(self, credentials: Credentials, *, since: datetime | None = None,
                     until: datetime | None = None, status: str | None = None,
                     recipient: str | None = None, mailing_id: int | None = None,
                     page: int | None = None, page_size: int | None = None,
                     sub_account: str | None = None) -> Page[Message]:
        """Messages newest first; ``status`` is a canonical name, ``recipient`` any number form.
        ``sub_account``: a parent reads one of its sub-clients' messages instead of its own."""
        offset, limit = paging(page, page_size)
        wanted = None
        if status:
            try:
                wanted = MessageStatus.from_name(status.strip().upper())
            except KeyError as exc:
                raise ValidationError(f"unknown status {status!r}", field="status") from exc
        number = None
        if recipient:
            parsed = normalise(recipient, self._policy.default_region)
            number = parsed.address
        flt = MessageFilter(since=utc_time(since, "since") if since else None,
                            until=utc_time(until, "until") if until else None, status=wanted,
                            recipient=number, mailing_id=mailing_id)
        with self._uow() as uow:
            account = self._auth.admit(uow, credentials, Operation.QUERY)
            if sub_account and self._subaccounts is not None:
                account = self._subaccounts.resolve(uow, account, sub_account)
            return uow.history.search(account.stored_id, flt, offset, limit)
