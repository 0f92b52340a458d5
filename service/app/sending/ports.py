"""Ports of sending: the stored messages, idempotent send requests, and the message history.

Reached through the unit of work (``uow.messages``, ``uow.send_requests``, ``uow.history``);
every method is scoped to one account, and nothing changes until the unit commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Protocol

from ...domain.message import Message
from ...domain.status import MessageStatus
from ..results import Page


@dataclass(frozen=True)
class MessageFilter:
    since: datetime | None = None
    until: datetime | None = None
    status: MessageStatus | None = None
    recipient: str | None = None
    mailing_id: int | None = None


class MessageRepository(Protocol):
    def add_many(self, messages: list[Message]) -> list[int]:
        """Insert the messages in order; return their new ids in the same order."""

    def insert_bulk(self, messages: list[Message], *, held: bool = False) -> None:
        """Insert many messages at once without reading their ids back. ``held`` ones wait
        (no worker claims them) until their mailing releases them."""

    def get_many(self, account_id: int, ids: Iterable[int]) -> dict[int, Message]:
        """This account's messages among ``ids``; other accounts' ids are simply absent."""

    def by_client_keys(self, account_id: int, keys: list[str]) -> list[Message]:
        """This account's messages whose client id (``external_id``) is among ``keys``, or
        whose numeric id is (for keys of ASCII digits that fit 64 bits), oldest first; in one
        query, however many keys."""


class SendRequestRepository(Protocol):
    """Remembers send requests that carried a client reference, for idempotent retries."""

    def find(self, account_id: int, client_ref: str) -> tuple[datetime, str | None] | None:
        """(created_at, stored result) of the earlier request with this reference, if any."""

    def claim(self, account_id: int, client_ref: str, now: datetime,
              expired_before: datetime) -> None:
        """Reserve the reference, replacing a claim made before ``expired_before``.

        Raises DuplicateRequest when a live claim exists (possibly committed concurrently).
        """

    def store_result(self, account_id: int, client_ref: str, result: str) -> None:
        """Attach the serialised result to a claimed reference."""


class HistoryRepository(Protocol):
    def search(self, account_id: int, flt: MessageFilter, offset: int,
               limit: int) -> Page[Message]:
        """The account's messages, newest first."""
