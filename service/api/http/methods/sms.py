"""Sms and Messages: sending, status, cost and history (the balance is in ledger.py)."""

from __future__ import annotations

from ....app.results import ResultCode as R
from ....app.sending.sending import QuoteSms, SendSms
from ....app.sending.status_query import GetStatus
from ..params import Params
from .kinds import D, I, L, LI, S

PARAMETERS = {
    "Sms": {
        "Send": [("recipients", L, True), ("text", S, True), ("sender", S, False),
                 ("scheduledAt", D, False), ("validityMinutes", I, False), ("clientRef", S, False)],
        "GetStatus": [("messageIds", LI, True)],
        "GetCost": [("recipients", L, True), ("text", S, True)],
    },
    "Messages": {"List": [("since", D, False), ("until", D, False), ("status", S, False),
                          ("recipient", S, False), ("mailingId", I, False), ("page", I, False),
                          ("pageSize", I, False), ("subAccount", S, False)]},
}


def _message(m) -> dict:
    return {"messageId": m.id, "recipient": m.recipient, "text": m.text, "sender": m.sender,
            "segments": m.segments, "cost": m.cost, "statusName": m.status.canonical_name,
            "final": m.status.final, "errorCode": m.error_code, "clientRef": m.client_ref,
            "createdAt": m.created_at, "updatedAt": m.updated_at}



def sms_send(uc, p: Params, creds):
    p.require("recipients", "text")
    r = uc.sending.send(SendSms(creds, p.list("recipients"), p.get("text"), sender=p.get("sender"),
                                scheduled_at=p.datetime("scheduledAt"),
                                validity_minutes=p.int("validityMinutes"),
                                client_ref=p.get("clientRef")))
    data = {"totalCost": r.total_cost, "totalSegments": r.total_segments, "balance": r.balance,
            "messages": [{"recipient": m.recipient, "messageId": m.message_id,
                          "statusCode": m.status_code, "statusName": m.status,
                          "segments": m.segments, "cost": m.cost, "errorCode": m.error_code,
                          "errorMessage": m.error_message, "sender": m.sender}
                         for m in r.messages]}
    return r.code, data, {R.OK: "OK", R.PARTIAL: "some recipients were refused",
                          R.NONE: "no recipient was accepted"}[r.code]


def sms_get_status(uc, p: Params, creds):
    p.require("messageIds")
    views = uc.statuses.get_status(GetStatus(creds, p.ints("messageIds")))
    return 0, [{"messageId": v.message_id, "recipient": v.recipient, "statusCode": v.status_code,
                "statusName": v.status_name, "final": v.final, "errorCode": v.error_code,
                "createdAt": v.created_at, "updatedAt": v.updated_at, "sender": v.sender}
               for v in views], "OK"


def sms_get_cost(uc, p: Params, creds):
    p.require("recipients", "text")
    q = uc.sending.quote(QuoteSms(creds, p.list("recipients"), p.get("text")))
    return 0, {"cost": q.cost, "segments": q.segments, "accepted": q.accepted,
               "rejected": q.rejected}, "OK"


def messages_list(uc, p: Params, creds):
    page = uc.history.get_messages(creds, since=p.datetime("since"), until=p.datetime("until"),
                                   status=p.get("status"), recipient=p.get("recipient"),
                                   mailing_id=p.int("mailingId"), page=p.int("page"),
                                   page_size=p.int("pageSize"), sub_account=p.get("subAccount"))
    return 0, {"total": page.total, "messages": [_message(m) for m in page.items]}, "OK"


ROUTES = {
    "sms": {"send": sms_send, "getstatus": sms_get_status, "getcost": sms_get_cost},
    "messages": {"list": messages_list},
}
