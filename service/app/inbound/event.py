"""The inbound event: what an account is told of an inbound message it received.

One shape for every way the account learns of it: the signed callback
(``{"event": "inbound", ...}``, app/inbound/push.py) and the pull doors whose items carry the
same fields. Times are ISO 8601 in UTC with a ``Z``; ids are integers or null.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ...domain.inbound import InboundMessage

EVENT = "inbound"


def utc_iso(when: datetime) -> str:
    """``when`` as ISO 8601 in UTC with ``Z`` (a naive time is taken as UTC, as stored)."""
    utc = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(
        timezone.utc)
    return utc.isoformat().replace("+00:00", "Z")


def inbound_fields(message: InboundMessage) -> dict[str, Any]:
    """The fields of an inbound message, in their documented order: ``id``, ``from`` (the
    handset), ``to`` (our number), ``text``, ``receivedAt``, ``replyToMessageId`` and
    ``mailingId`` (the outbound message it answers and its mailing, or null), ``parts`` (how
    many parts it was joined from) and ``complete`` (False: parts were still missing when the
    reassembly timeout passed). The pull doors' items are these."""
    return {"id": message.id, "from": message.source, "to": message.destination,
            "text": message.text, "receivedAt": utc_iso(message.received_at),
            "replyToMessageId": message.reply_to_message_id, "mailingId": message.mailing_id,
            "parts": message.parts, "complete": message.complete}


def inbound_event(message: InboundMessage) -> dict[str, Any]:
    """The callback's event: ``event`` (``inbound``) first, then the message's fields
    (:func:`inbound_fields`)."""
    return {"event": EVENT, **inbound_fields(message)}


def inbound_payload(message: InboundMessage) -> str:
    """The callback body: the event as compact JSON, written as status notifications are
    (no spaces; characters outside ASCII as \\u escapes)."""
    return json.dumps(inbound_event(message), separators=(",", ":"))
