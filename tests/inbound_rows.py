"""Inbound messages stored for the pull tests through the core's port (``uow.inbound.
add_messages``), as its processing stores them, without routing or threading them: these
tests decide who a message belongs to and what it answers."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.engine import Engine

from service.domain.clock import SystemClock
from service.domain.inbound import InboundMessage
from service.persistence.uow import SqlUnitOfWorkFactory

RECEIVED = datetime(2026, 11, 22, 11, 0, tzinfo=timezone.utc)


def inbound(account_id: int | None, *, source="+79991234567", destination="+79990000001",
            text="yes please", received_at=RECEIVED, **fields) -> InboundMessage:
    """An inbound message as the core stores it (id 0: the store assigns one)."""
    fields.setdefault("connector", "simulator")
    return InboundMessage(id=0, account_id=account_id, source=source, destination=destination,
                          text=text, received_at=received_at, **fields)


def store_inbound(target, message: InboundMessage) -> int:
    """Store ``message`` through ``target`` (a unit-of-work factory, fake or SQL, or the engine
    of a running gateway) and return its id."""
    factory = SqlUnitOfWorkFactory(target, SystemClock()) if isinstance(target, Engine) \
        else target
    with factory(write=True) as uow:
        (message_id,) = uow.inbound.add_messages([message], message.received_at)
        uow.commit()
    return message_id
