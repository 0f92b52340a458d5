"""Mailing and TaskQueue: mailings and the background tasks that run them."""

from __future__ import annotations

from dataclasses import asdict

from ....app.mailings.mailings import CreateMailing
from ....app.results import ResultCode as R
from ..params import Params
from .kinds import D, I, L, LI, S

PARAMETERS = {
    "Mailing": {
        "Create": [("name", S, True), ("text", S, True), ("sender", S, False),
                   ("groupIds", LI, False), ("contactIds", LI, False), ("phones", L, False),
                   ("scheduledAt", D, False), ("validityMinutes", I, False),
                   ("ratePerMinute", I, False)],
        "Start": [("mailingId", I, True)], "Pause": [("mailingId", I, True)],
        "Resume": [("mailingId", I, True)], "Cancel": [("mailingId", I, True)],
        "Get": [("mailingId", I, True)], "List": [("page", I, False), ("pageSize", I, False)],
    },
    "TaskQueue": {"GetStatus": [("taskId", I, True), ("page", I, False), ("pageSize", I, False)]},
}


def _mailing(view) -> dict:
    m = view.mailing
    return {"id": m.id, "name": m.name, "text": m.text, "sender": m.sender,
            "state": view.state.value, "scheduledAt": m.scheduled_at,
            "validityMinutes": m.validity_minutes, "ratePerMinute": m.rate_per_minute,
            "groupIds": list(m.group_ids), "contactIds": list(m.contact_ids),
            "phones": list(m.phones), "recipients": m.recipients, "totalCost": view.cost,
            "progress": view.progress, "stats": view.counts, "createdAt": m.created_at}


def mailing_create(uc, p: Params, creds):
    p.require("name", "text")
    defaults = p.prefixed("defaults.")
    view = uc.mailings.create(CreateMailing(
        creds, p.get("name"), p.get("text"), sender=p.get("sender"),
        group_ids=tuple(p.ints("groupIds")), contact_ids=tuple(p.ints("contactIds")),
        phones=tuple(p.list("phones")), scheduled_at=p.datetime("scheduledAt"),
        validity_minutes=p.int("validityMinutes"), rate_per_minute=p.int("ratePerMinute"),
        defaults=defaults or None))
    return 0, _mailing(view), "OK"


def mailing_start(uc, p: Params, creds):
    p.require("mailingId")
    r = uc.mailings.start(creds, p.int("mailingId"))
    data = {"accepted": r.accepted, "balance": r.balance, "mailing": _mailing(r.view),
            "items": [asdict(i) for i in r.errors]}
    if r.task_id is not None:
        data["taskId"] = r.task_id
    return r.code, data, {R.OK: "OK", R.PARTIAL: "some recipients failed",
                          R.NONE: "no recipient was queued",
                          R.BACKGROUND: "running in the background"}[r.code]


def _mailing_move(name):
    def handler(uc, p: Params, creds):
        p.require("mailingId")
        return 0, _mailing(getattr(uc.mailings, name)(creds, p.int("mailingId"))), "OK"
    return handler


def mailing_list(uc, p: Params, creds):
    page = uc.mailings.list(creds, p.int("page"), p.int("pageSize"))
    return 0, {"total": page.total, "mailings": [_mailing(v) for v in page.items]}, "OK"


def task_status(uc, p: Params, creds):
    p.require("taskId")
    v = uc.tasks.status(creds, p.int("taskId"), p.int("page"), p.int("pageSize"))
    t = v.task
    return 0, {"taskId": t.id, "kind": t.kind, "state": t.state, "progress": v.progress,
               "total": t.total, "processed": t.processed, "resultCode": t.result_code,
               "message": t.message, "errorsTotal": v.errors.total,
               "errors": [asdict(i) for i in v.errors.items]}, "OK"


ROUTES = {
    "mailing": {"create": mailing_create, "start": mailing_start,
                "pause": _mailing_move("pause"), "resume": _mailing_move("resume"),
                "cancel": _mailing_move("cancel"), "get": _mailing_move("get"),
                "list": mailing_list},
    "taskqueue": {"getstatus": task_status},
}
