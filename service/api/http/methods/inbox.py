"""Inbox: the account's inbound messages (``Inbox/List``), in the fields of the inbound callback."""

from __future__ import annotations

from ....app.inbound.event import inbound_fields
from ..params import Params
from .kinds import D, I, S

PARAMETERS = {
    "Inbox": {"List": [("since", D, False), ("afterId", I, False), ("to", S, False),
                       ("page", I, False), ("pageSize", I, False)]},
}


def inbox_list(uc, p: Params, creds):
    found = uc.inbox.inbox(creds, since=p.datetime("since"), after_id=p.int("afterId"),
                           to=p.get("to"), page=p.int("page"), page_size=p.int("pageSize"))
    # the callback's fields, written as the callback writes them (receivedAt with Z)
    return 0, {"total": found.total, "messages": [inbound_fields(m) for m in found.items]}, "OK"


ROUTES = {"inbox": {"list": inbox_list}}
