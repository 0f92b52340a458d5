"""Native SOAP operation of the inbox: the account pulls its inbound messages.

Docstrings here are copied into the WSDL, where stub users read them.
"""

from __future__ import annotations

from types import SimpleNamespace

from spyne import ServiceBase, rpc
from spyne.model.primitive import DateTime, Integer32, Integer64, Unicode

from ...app.inbound.event import inbound_fields
from . import inbox_types as it
from .service import FAULTS, _credentials, _domain_errors


def inbound_item(m) -> SimpleNamespace:
    """A stored inbound message in the fields of the inbound callback; receivedAt stays a
    datetime, for the schema's xsd:dateTime to write."""
    return SimpleNamespace(**{**inbound_fields(m), "receivedAt": m.received_at})


class InboxService(ServiceBase):
    """The inbox: inbound messages (replies, keywords, opt-outs) the account received."""

    @rpc(DateTime(min_occurs=0), Integer64(min_occurs=0), Unicode(min_occurs=0),
         Integer32(min_occurs=0), Integer32(min_occurs=0),
         _args=("since", "afterId", "to", "page", "pageSize"),
         _returns=it.InboxPage, _throws=FAULTS)
    def GetInbox(ctx, since, afterId, to, page, pageSize):
        """The account's inbound messages, oldest first, each with the fields of the inbound
        callback (id, from, to, text, receivedAt, replyToMessageId, mailingId, parts,
        complete), and total, how many match. Filters: received at or after since; id above
        afterId (poll with the last id seen: nothing is marked read); to, one of the
        account's numbers, with or without '+'. page starts at 1; pageSize 1..1000, default
        100. Faults: 8 login, 14 blocked, 30 rate limit, 1/12 validation (afterId below 0,
        to not a number, page out of range)."""
        with _domain_errors(ctx):
            found = ctx.app.gateway.use_cases.inbox.inbox(
                _credentials(ctx), since=since, after_id=afterId, to=to, page=page,
                page_size=pageSize)
        return SimpleNamespace(total=found.total, messages=[inbound_item(m) for m in found.items])
