"""Use case: the status of many messages at once, by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain.errors import ConstraintViolation, MissingParameter
from ..domain.message import Message
from ..domain.phones import normalise
from ..domain.status import MessageStatus
from ..domain.vocabularies import NOT_FOUND_SMSC_CODE, smsc_code
from .auth import Authenticator, Credentials
from .rate_limits import Operation
from .policy import SendingPolicy
from .ports import UnitOfWorkFactory

NOT_FOUND_NAME = "NOT_FOUND"


@dataclass(frozen=True)
class GetStatus:
    """Query: the status of each id in ``message_ids``, in the order asked."""

    credentials: Credentials
    message_ids: list[int]


@dataclass(frozen=True)
class StatusView:
    """One message's status; ``found`` is false for an unknown id or another account's."""

    message_id: int
    found: bool
    status_code: int
    status_name: str
    final: bool
    recipient: str | None = None
    error_code: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    status: MessageStatus | None = None


class StatusQueries:
    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator,
                 policy: SendingPolicy) -> None:
        self._uow = uow_factory
        self._auth = auth
        self._policy = policy

    def by_client_id(self, credentials: Credentials, client_id: str,
                     phone: str | None) -> Message | None:
        """The message the client knows by its own id (and number), or by our numeric id."""
        with self._uow() as uow:
            account = self._auth.admit(uow, credentials, Operation.QUERY)
            found = uow.messages.by_external_id(account.id, client_id)
            if not found and client_id.isdigit() and len(client_id) <= 18:  # fits 64 bits
                found = list(uow.messages.get_many(account.id, [int(client_id)]).values())
        number = normalise(phone, self._policy.default_region).address if phone else None
        for message in found:
            if number is None or message.recipient == number:
                return message
        return None

    def get_status(self, query: GetStatus) -> list[StatusView]:
        """One view per requested id; unknown ids answer smsc code -3, "not found"."""
        ids = [i for i in (query.message_ids or []) if i is not None]
        if not ids:
            raise MissingParameter("messageIds")
        if len(ids) > self._policy.max_status_ids:
            raise ConstraintViolation("messageIds", f"at most {self._policy.max_status_ids} ids "
                                      "per request", limit=self._policy.max_status_ids)
        with self._uow() as uow:
            account = self._auth.admit(uow, query.credentials, Operation.QUERY)
            found = uow.messages.get_many(account.id, ids)
        views = []
        for message_id in ids:
            m = found.get(message_id)
            if m is None:
                views.append(StatusView(message_id, False, NOT_FOUND_SMSC_CODE, NOT_FOUND_NAME, True))
            else:
                views.append(StatusView(message_id, True, smsc_code(m.status),
                                        m.status.canonical_name, m.status.final, m.recipient,
                                        m.error_code, m.created_at, m.updated_at, m.status))
        return views
