"""What reading an account's inbox needs from persistence (``uow.inbox``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ...domain.inbound import InboundMessage
from ..results import Page


@dataclass(frozen=True)
class InboxFilter:
    """Which of an account's inbound messages a reader wants: received at or after ``since``,
    with an id above ``after_id``, sent to one of ``numbers`` (the forms of one of our numbers,
    ``+79991234567`` and ``79991234567``; empty: any number). None means no bound."""

    since: datetime | None = None
    after_id: int | None = None
    numbers: tuple[str, ...] = ()


class InboxReader(Protocol):
    """The account's stored inbound messages, oldest first (by id), for the pull doors. Only
    messages routed to the account are its own; unmatched ones (no account) are nobody's."""

    def page(self, account_id: int, flt: InboxFilter, offset: int,
             limit: int) -> Page[InboundMessage]:
        """One page (``offset``, ``limit``) of the account's messages matching ``flt``,
        ordered by id, and how many match in all."""

    def answers(self, account_id: int, flt: InboxFilter, limit: int) -> list[InboundMessage]:
        """At most ``limit`` of the account's messages matching ``flt``, ordered by id, without
        counting the rest (smsc's ``get_answers``, polled with ``after_id``)."""


__all__ = ["InboxFilter", "InboxReader"]
