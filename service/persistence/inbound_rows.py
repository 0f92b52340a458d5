"""The one reading of an ``inbound_messages`` row as the domain's message, shared by the
inbound store (``uow.inbound``) and the inbox reader (``uow.inbox``)."""

from __future__ import annotations

from ..domain.inbound import InboundMessage, KeywordAction


def inbound_message(row) -> InboundMessage:
    """An ``inbound_messages`` row as the domain's message."""
    return InboundMessage(
        id=row.id, account_id=row.account_id, source=row.source, destination=row.destination,
        text=row.text, received_at=row.received_at, parts=row.parts, complete=bool(row.complete),
        reply_to_message_id=row.reply_to_message_id, mailing_id=row.mailing_id,
        action=KeywordAction(row.action) if row.action else None, connector=row.connector)
