"""Use case: the status of many messages at once, by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...domain.errors import ConstraintViolation, MissingParameter
from ...domain.message import Message
from ...domain.phones import normalise
from ...domain.status import MessageStatus
from ...domain.values import is_ascii_digits
from ...domain.vocabularies import NOT_FOUND_SMSC_CODE, smsc_code
from ..access.auth import Authenticator, Credentials
from ..access.rate_limits import Operation
from .policy import SendingPolicy
from ..uow import UnitOfWorkFactory

NOT_FOUND_NAME = "NOT_FOUND"


def _numeric(key: str) -> bool:
    """Whether a client's id could be one of our numeric ids (ASCII digits, 64 bits)."""
    return is_ascii_digits(key) and len(key) <= 18


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
    sender: str | None = None


class StatusQueries:
    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator,
                 policy: SendingPolicy) -> None:
        self._uow = uow_factory
        self._auth = auth
        self._policy = policy

    def by_client_id(self, credentials: Credentials, client_id: str,
                     phone: str | None) -> Message | None:
        """The message the client knows by its own id (and number), or by our numeric id."""
        return self.by_client_ids(credentials, [(client_id, phone)])[0]

    def by_client_ids(self, credentials: Credentials,
                      wanted: list[tuple[str, str | None]]) -> list[Message | None]:
        """For each (client id, phone) pair, in order, the message it names, or None.

        The client's own id is tried first, then our numeric id; a phone narrows the match to
        that recipient. One authentication and one query answer every pair, and at most
        ``max_status_ids`` pairs are asked at once.
        """
        if not wanted:
            raise MissingParameter("id")
        self._bound(len(wanted), "id")
        keys = list(dict.fromkeys(key for key, _phone in wanted))
        with self._uow() as uow:
            account = self._auth.admit(uow, credentials, Operation.QUERY)
            found = uow.messages.by_client_keys(account.stored_id, keys)
        by_external: dict[str, list[Message]] = {}
        by_id: dict[int, Message] = {}
        for message in found:
            by_id[message.stored_id] = message
            if message.external_id is not None:
                by_external.setdefault(message.external_id, []).append(message)
        out: list[Message | None] = []
        for key, phone in wanted:
            matches = by_external.get(key, [])
            if not matches and _numeric(key) and int(key) in by_id:
                matches = [by_id[int(key)]]
            number = normalise(phone, self._policy.default_region).address if phone else None
            out.append(next((m for m in matches if number is None or m.recipient == number),
                            None))
        return out

    def _bound(self, count: int, field: str) -> None:
        if count > self._policy.max_status_ids:
            raise ConstraintViolation(field, f"at most {self._policy.max_status_ids} ids "
                                      "per request", limit=self._policy.max_status_ids)

    def get_status(self, query: GetStatus) -> list[StatusView]:
        """One view per requested id; unknown ids answer smsc code -3, "not found"."""
        ids = [i for i in (query.message_ids or []) if i is not None]
        if not ids:
            raise MissingParameter("messageIds")
        self._bound(len(ids), "messageIds")
        with self._uow() as uow:
            account = self._auth.admit(uow, query.credentials, Operation.QUERY)
            found = uow.messages.get_many(account.stored_id, ids)
        views = []
        for message_id in ids:
            m = found.get(message_id)
            if m is None:
                views.append(StatusView(message_id, False, NOT_FOUND_SMSC_CODE, NOT_FOUND_NAME, True))
            else:
                views.append(StatusView(message_id, True, smsc_code(m.status),
                                        m.status.canonical_name, m.status.final, m.recipient,
                                        m.error_code, m.created_at, m.updated_at, m.status,
                                        m.sender))
        return views
