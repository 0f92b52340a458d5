"""The HTTP API's methods, module by module, over the same use cases as the native SOAP API.

Each handler takes (use cases, params, credentials) and returns (code, data, message).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from ...app.book.address_book import ContactInput
from ...app.mailings.mailings import CreateMailing
from ...app.results import ResultCode as R
from ...app.sending.sending import QuoteSms, SendSms
from ...app.sending.status_query import GetStatus
from ...domain.errors import ValidationError
from .params import Params


def _contact(c) -> dict:
    return {"id": c.id, "phone": c.phone, "name": c.name, "email": c.email,
            "birthday": c.birthday, "fields": c.fields, "groupIds": list(c.group_ids)}


def _batch(result) -> tuple[int, dict, str]:
    data = {"items": [asdict(i) for i in result.items]}
    if result.task_id is not None:
        data["taskId"] = result.task_id
    return result.code, data, {R.OK: "OK", R.PARTIAL: "some items failed",
                               R.NONE: "every item failed",
                               R.BACKGROUND: "running in the background"}[result.code]


def _mailing(view) -> dict:
    m = view.mailing
    return {"id": m.id, "name": m.name, "text": m.text, "sender": m.sender,
            "state": view.state.value, "scheduledAt": m.scheduled_at,
            "validityMinutes": m.validity_minutes, "ratePerMinute": m.rate_per_minute,
            "groupIds": list(m.group_ids), "contactIds": list(m.contact_ids),
            "phones": list(m.phones), "recipients": m.recipients, "totalCost": view.cost,
            "progress": view.progress, "stats": view.counts, "createdAt": m.created_at}


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
                          "errorMessage": m.error_message} for m in r.messages]}
    return r.code, data, {R.OK: "OK", R.PARTIAL: "some recipients were refused",
                          R.NONE: "no recipient was accepted"}[r.code]


def sms_get_status(uc, p: Params, creds):
    p.require("messageIds")
    views = uc.statuses.get_status(GetStatus(creds, p.ints("messageIds")))
    return 0, [{"messageId": v.message_id, "recipient": v.recipient, "statusCode": v.status_code,
                "statusName": v.status_name, "final": v.final, "errorCode": v.error_code,
                "createdAt": v.created_at, "updatedAt": v.updated_at} for v in views], "OK"


def sms_get_cost(uc, p: Params, creds):
    p.require("recipients", "text")
    q = uc.sending.quote(QuoteSms(creds, p.list("recipients"), p.get("text")))
    return 0, {"cost": q.cost, "segments": q.segments, "accepted": q.accepted,
               "rejected": q.rejected}, "OK"


def messages_list(uc, p: Params, creds):
    page = uc.history.get_messages(creds, since=p.datetime("since"), until=p.datetime("until"),
                                   status=p.get("status"), recipient=p.get("recipient"),
                                   mailing_id=p.int("mailingId"), page=p.int("page"),
                                   page_size=p.int("pageSize"))
    return 0, {"total": page.total, "messages": [_message(m) for m in page.items]}, "OK"


def account_balance(uc, p: Params, creds):
    b = uc.accounts.get_balance(creds)
    return 0, {"balance": b.balance, "currency": b.currency}, "OK"


def _contact_input(p: Params) -> ContactInput:
    """A contact card from the request, or from one object of its ``contacts`` list."""
    birthday = p.get("birthday")
    try:
        birthday = date.fromisoformat(birthday) if birthday else None
    except ValueError as exc:
        raise ValidationError("birthday must be YYYY-MM-DD", field="birthday") from exc
    return ContactInput(phone=p.get("phone"), name=p.get("name"), email=p.get("email"),
                        birthday=birthday, fields=p.mapping("fields"),
                        group_ids=tuple(p.ints("groupIds")))


def contacts_create(uc, p: Params, creds):
    if p.has("contacts"):
        items = [_contact_input(c) for c in p.objects("contacts")]
    else:
        p.require("phone")
        items = [_contact_input(p)]
    return _batch(uc.address_book.create_contacts(creds, items))


def contacts_update(uc, p: Params, creds):
    p.require("contactId")
    return 0, _contact(uc.address_book.update_contact(creds, p.int("contactId"),
                                                      _contact_input(p))), "OK"


def contacts_delete(uc, p: Params, creds):
    p.require("contactIds")
    return _batch(uc.address_book.delete_contacts(creds, p.ints("contactIds")))


def contacts_list(uc, p: Params, creds):
    page = uc.address_book.get_contacts(creds, p.int("groupId"), p.get("phonePrefix"),
                                        p.int("page"), p.int("pageSize"))
    return 0, {"total": page.total, "contacts": [_contact(c) for c in page.items]}, "OK"


def _group(g) -> dict:
    return {"id": g.id, "name": g.name, "size": g.size}


def groups_create(uc, p: Params, creds):
    p.require("name")
    return 0, _group(uc.address_book.create_group(creds, p.get("name"))), "OK"


def groups_rename(uc, p: Params, creds):
    p.require("groupId", "name")
    return 0, _group(uc.address_book.rename_group(creds, p.int("groupId"), p.get("name"))), "OK"


def groups_delete(uc, p: Params, creds):
    p.require("groupId")
    uc.address_book.delete_group(creds, p.int("groupId"))
    return 0, None, "OK"


def groups_add(uc, p: Params, creds):
    p.require("groupId", "contactIds")
    return _batch(uc.address_book.add_to_group(creds, p.int("groupId"), p.ints("contactIds")))


def groups_remove(uc, p: Params, creds):
    p.require("groupId", "contactIds")
    return _batch(uc.address_book.remove_from_group(creds, p.int("groupId"),
                                                    p.ints("contactIds")))


def groups_list(uc, p: Params, creds):
    return 0, [_group(g) for g in uc.address_book.get_groups(creds)], "OK"


def blacklist_add(uc, p: Params, creds):
    p.require("phones")
    return _batch(uc.address_book.add_to_blacklist(creds, p.list("phones")))


def blacklist_remove(uc, p: Params, creds):
    p.require("phones")
    return _batch(uc.address_book.remove_from_blacklist(creds, p.list("phones")))


def blacklist_list(uc, p: Params, creds):
    page = uc.address_book.get_blacklist(creds, p.int("page"), p.int("pageSize"))
    return 0, {"total": page.total, "phones": page.items}, "OK"


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
    "sms": {"send": sms_send, "getstatus": sms_get_status, "getcost": sms_get_cost},
    "messages": {"list": messages_list},
    "account": {"getbalance": account_balance},
    "contacts": {"create": contacts_create, "update": contacts_update,
                 "delete": contacts_delete, "list": contacts_list},
    "groups": {"create": groups_create, "rename": groups_rename, "delete": groups_delete,
               "addcontacts": groups_add, "removecontacts": groups_remove, "list": groups_list},
    "blacklist": {"add": blacklist_add, "remove": blacklist_remove, "list": blacklist_list},
    "mailing": {"create": mailing_create, "start": mailing_start,
                "pause": _mailing_move("pause"), "resume": _mailing_move("resume"),
                "cancel": _mailing_move("cancel"), "get": _mailing_move("get"),
                "list": mailing_list},
    "taskqueue": {"getstatus": task_status},
}
