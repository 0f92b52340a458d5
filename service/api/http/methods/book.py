"""Contacts, Groups and Blacklist: the address book."""

from __future__ import annotations

from datetime import date

from ....app.book.address_book import ContactInput
from ....domain.errors import ValidationError
from ..params import Params
from .batches import batch as _batch
from .kinds import I, L, LI, O, S

PARAMETERS = {
    "Contacts": {
        "Create": [("phone", S, True), ("name", S, False), ("email", S, False),
                   ("birthday", S, False), ("groupIds", LI, False), ("fields", O, False)],
        "Update": [("contactId", I, True), ("phone", S, False), ("name", S, False),
                   ("email", S, False), ("birthday", S, False), ("fields", O, False)],
        "Delete": [("contactIds", LI, True)],
        "List": [("groupId", I, False), ("phonePrefix", S, False), ("page", I, False),
                 ("pageSize", I, False)],
    },
    "Groups": {
        "Create": [("name", S, True)], "Rename": [("groupId", I, True), ("name", S, True)],
        "Delete": [("groupId", I, True)],
        "AddContacts": [("groupId", I, True), ("contactIds", LI, True)],
        "RemoveContacts": [("groupId", I, True), ("contactIds", LI, True)], "List": [],
    },
    "Blacklist": {"Add": [("phones", L, True)], "Remove": [("phones", L, True)],
                  "List": [("page", I, False), ("pageSize", I, False)]},
}

# What ``data`` holds on success, where the OpenAPI document describes it.
DATA = {
    "Blacklist": {"List": {
        "type": "object", "required": ["total", "phones", "entries"],
        "properties": {
            "total": {"type": "integer"},
            "phones": {"type": "array", "items": {"type": "string"}},
            "entries": {"type": "array", "description": "the page's numbers, each with who "
                        "listed it (api: the account; inbound: its subscriber replied STOP), "
                        "why, and when",
                        "items": {"type": "object",
                                  "required": ["phone", "source", "reason", "addedAt"],
                                  "properties": {
                                      "phone": {"type": "string"},
                                      "source": {"type": "string", "enum": ["api", "inbound"]},
                                      "reason": {"type": ["string", "null"]},
                                      "addedAt": {"type": "string", "format": "date-time"}}}}}}},
}


def _contact(c) -> dict:
    return {"id": c.id, "phone": c.phone, "name": c.name, "email": c.email,
            "birthday": c.birthday, "fields": c.fields, "groupIds": list(c.group_ids)}


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
    return 0, {"total": page.total, "phones": [e.phone for e in page.items],
               "entries": [{"phone": e.phone, "source": e.source, "reason": e.reason,
                            "addedAt": e.created_at} for e in page.items]}, "OK"


ROUTES = {
    "contacts": {"create": contacts_create, "update": contacts_update,
                 "delete": contacts_delete, "list": contacts_list},
    "groups": {"create": groups_create, "rename": groups_rename, "delete": groups_delete,
               "addcontacts": groups_add, "removecontacts": groups_remove, "list": groups_list},
    "blacklist": {"add": blacklist_add, "remove": blacklist_remove, "list": blacklist_list},
}
