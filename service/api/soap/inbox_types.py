"""XML types of the inbox (lists are repeated elements)."""

from __future__ import annotations

from spyne import ComplexModel
from spyne.model.primitive import Boolean, DateTime, Integer32, Integer64, Unicode

from ..ns import TNS

Required = dict(min_occurs=1, nillable=False)


class InboundMessage(ComplexModel):
    """An inbound message (MO) the account received, with the fields of the inbound callback:
    id, from (the handset), to (our number it reached), text, receivedAt, replyToMessageId
    (the account's latest message to that handset before it: the one this answers) and its
    mailingId, parts (how many SMS it was joined from) and complete (false: parts were still
    missing when the reassembly timeout passed)."""

    __namespace__ = TNS
    _type_info = [
        ("id", Integer64(**Required)),
        ("from", Unicode(**Required)),
        ("to", Unicode(**Required)),
        ("text", Unicode(**Required)),
        ("receivedAt", DateTime(**Required)),
        ("replyToMessageId", Integer64(min_occurs=0)),
        ("mailingId", Integer64(min_occurs=0)),
        ("parts", Integer32(**Required)),
        ("complete", Boolean(**Required)),
    ]


class InboxPage(ComplexModel):
    """One page of the inbox, oldest first, and how many messages match in all."""

    __namespace__ = TNS
    _type_info = [("total", Integer32(**Required)),
                  ("messages", InboundMessage.customize(min_occurs=0, max_occurs="unbounded"))]
