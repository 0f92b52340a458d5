"""Queue the pushes of stored inbound messages: the signed callback (the callback outbox) and,
for accounts with bound SMPP receivers, a deliver_sm (the SMPP outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from ...domain.inbound import InboundMessage
from ..uow import UnitOfWork


def push_inbound(uow: UnitOfWork, messages: Sequence[InboundMessage], now: datetime) -> None:
    """Queue every push these messages are owed, inside ``uow`` (the transaction that stores
    them), so that a stored inbound message is never left unpushed. Messages without an
    account (unmatched) are owed none."""
