"""Senders: the account's sender IDs (docs/senders.md)."""

from __future__ import annotations

from ..params import Params
from .kinds import S

PARAMETERS = {
    "Senders": {"Register": [("name", S, True)], "List": [], "Delete": [("name", S, True)]},
}


def _sender(s) -> dict:
    return {"name": s.name, "state": s.state.value, "prefixes": list(s.prefixes),
            "reason": s.reason, "createdAt": s.created_at, "decidedAt": s.decided_at}


def senders_register(uc, p: Params, creds):
    p.require("name")
    return 0, _sender(uc.senders.register(creds, p.get("name"))), "OK"


def senders_list(uc, p: Params, creds):
    return 0, [_sender(s) for s in uc.senders.list(creds)], "OK"


def senders_delete(uc, p: Params, creds):
    p.require("name")
    uc.senders.delete(creds, p.get("name"))
    return 0, None, "OK"


ROUTES = {"senders": {"register": senders_register, "list": senders_list,
                      "delete": senders_delete}}
