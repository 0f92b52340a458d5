"""Inbound messages written straight into a store, for the pull tests: the fake's dict, or an
``inbound_messages`` row on SQLite or PostgreSQL (the core's InboundStore is not needed to
read them back, and these tests must not depend on how the core routes and threads)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from service.domain.inbound import InboundMessage
from service.persistence.tables import inbound_messages
from tests.fakes import FakeUnitOfWorkFactory
from tests.fakes.store import _next

RECEIVED = datetime(2026, 11, 22, 11, 0, tzinfo=timezone.utc)


def inbound(account_id: int | None, *, source="+79991234567", destination="+79990000001",
            text="yes please", received_at=RECEIVED, **fields) -> InboundMessage:
    """An inbound message as the core stores it (id 0: the store assigns one)."""
    return InboundMessage(id=0, account_id=account_id, source=source, destination=destination,
                          text=text, received_at=received_at, **fields)


def store_inbound(target, message: InboundMessage) -> int:
    """Store ``message`` in ``target`` (a fake unit-of-work factory, a SQL one or an engine)
    and return its id."""
    if isinstance(target, FakeUnitOfWorkFactory):
        store = target.store
        message_id = _next(store, "inbound_messages")
        store.inbound_messages[message_id] = InboundMessage(**{**message.__dict__,
                                                              "id": message_id})
        return message_id
    engine: Engine = target if isinstance(target, Engine) else target.engine
    with engine.begin() as conn:
        return conn.execute(insert(inbound_messages).values(
            account_id=message.account_id, source=message.source,
            destination=message.destination, text=message.text,
            received_at=message.received_at, connector=message.connector or "simulator",
            parts=message.parts, complete=message.complete,
            reply_to_message_id=message.reply_to_message_id, mailing_id=message.mailing_id,
            action=message.action.value if message.action else None,
            created_at=message.received_at).returning(inbound_messages.c.id)).scalar_one()
