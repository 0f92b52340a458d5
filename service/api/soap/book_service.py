"""Native SOAP operations of the contact book: contacts, groups and the blacklist.

Docstrings here are copied into the WSDL, where stub users read them.
"""

from __future__ import annotations

from types import SimpleNamespace

from spyne import ServiceBase, rpc
from spyne.model.primitive import Integer32, Integer64, Unicode

from ...app.book.address_book import ContactInput
from . import book_types as b
from .service import FAULTS, _credentials, _domain_errors

Ids = dict(min_occurs=1, max_occurs="unbounded", nillable=False)


def _input(item) -> ContactInput:
    fields = None
    if item.fields:
        fields = {f.key: f.value or "" for f in item.fields}
    return ContactInput(phone=item.phone, name=item.name, email=item.email,
                        birthday=item.birthday, fields=fields,
                        group_ids=tuple(item.groupIds or ()))


def _contact(c):
    return SimpleNamespace(id=c.id, phone=c.phone, name=c.name, email=c.email,
                           birthday=c.birthday, groupIds=list(c.group_ids),
                           fields=[SimpleNamespace(key=k, value=v) for k, v in sorted(c.fields.items())])


def _items(items):
    return [SimpleNamespace(index=i.index, code=i.code, id=i.id, message=i.message, field=i.field)
            for i in items]


def _batch(result):
    return SimpleNamespace(code=result.code, items=_items(result.items),
                           taskId=getattr(result, "task_id", None))


def _group(g):
    return SimpleNamespace(id=g.id, name=g.name, size=g.size)


def _book(ctx):
    return ctx.app.gateway.use_cases.address_book


class ContactBookService(ServiceBase):
    """Contacts, groups and the blacklist."""

    @rpc(b.ContactInput.customize(min_occurs=1, max_occurs="unbounded", nillable=False),
         _args=("contacts",), _returns=b.BatchResult, _throws=FAULTS)
    def CreateContacts(ctx, contacts):
        """Create contact cards (a phone is required). A phone that already has a card updates
        that card instead of making a second one. Per-item results: code 98 if some items
        failed, 99 if all did; each failure with its code, message and field. Imports above
        the task threshold (1,000 by default) answer code 100 and a taskId at once."""
        with _domain_errors(ctx):
            return _batch(_book(ctx).create_contacts(_credentials(ctx),
                                                     [_input(c) for c in contacts or []]))

    @rpc(Integer64(**b.Required), b.ContactInput.customize(min_occurs=1, nillable=False),
         _args=("contactId", "contact"), _returns=b.Contact, _throws=FAULTS)
    def UpdateContact(ctx, contactId, contact):
        """Change the given fields of a contact; custom fields merge key by key."""
        with _domain_errors(ctx):
            return _contact(_book(ctx).update_contact(_credentials(ctx), contactId,
                                                      _input(contact)))

    @rpc(Integer64(**Ids), _args=("contactIds",), _returns=b.BatchResult, _throws=FAULTS)
    def DeleteContacts(ctx, contactIds):
        """Delete contacts; an unknown id is a per-item code 2."""
        with _domain_errors(ctx):
            return _batch(_book(ctx).delete_contacts(_credentials(ctx), list(contactIds or [])))

    @rpc(Integer64(**b.Optional), Unicode(**b.Optional), Integer32(**b.Optional),
         Integer32(**b.Optional), _args=("groupId", "phonePrefix", "page", "pageSize"),
         _returns=b.ContactPage, _throws=FAULTS)
    def GetContacts(ctx, groupId, phonePrefix, page, pageSize):
        """Contacts by id, optionally of one group and/or with a phone prefix (digits of
        E.164). page starts at 1; pageSize 1..1000, default 100."""
        with _domain_errors(ctx):
            found = _book(ctx).get_contacts(_credentials(ctx), groupId, phonePrefix, page,
                                            pageSize)
        return SimpleNamespace(total=found.total, contacts=[_contact(c) for c in found.items])

    @rpc(Unicode(**b.Required), _args=("name",), _returns=b.Group, _throws=FAULTS)
    def CreateGroup(ctx, name):
        """Create a group; names are unique per account (code 12 otherwise)."""
        with _domain_errors(ctx):
            return _group(_book(ctx).create_group(_credentials(ctx), name))

    @rpc(Integer64(**b.Required), Unicode(**b.Required), _args=("groupId", "name"),
         _returns=b.Group, _throws=FAULTS)
    def RenameGroup(ctx, groupId, name):
        """Rename a group."""
        with _domain_errors(ctx):
            return _group(_book(ctx).rename_group(_credentials(ctx), groupId, name))

    @rpc(Integer64(**b.Required), _args=("groupId",), _returns=Integer32, _throws=FAULTS,
         _out_variable_name="code")
    def DeleteGroup(ctx, groupId):
        """Delete a group; its contacts are kept. Returns code 0."""
        with _domain_errors(ctx):
            _book(ctx).delete_group(_credentials(ctx), groupId)
        return 0

    @rpc(Integer64(**b.Required), Integer64(**Ids), _args=("groupId", "contactIds"),
         _returns=b.BatchResult, _throws=FAULTS)
    def AddToGroup(ctx, groupId, contactIds):
        """Add contacts to a group (ones already in it stay)."""
        with _domain_errors(ctx):
            return _batch(_book(ctx).add_to_group(_credentials(ctx), groupId,
                                                  list(contactIds or [])))

    @rpc(Integer64(**b.Required), Integer64(**Ids), _args=("groupId", "contactIds"),
         _returns=b.BatchResult, _throws=FAULTS)
    def RemoveFromGroup(ctx, groupId, contactIds):
        """Remove contacts from a group; the contacts themselves are kept."""
        with _domain_errors(ctx):
            return _batch(_book(ctx).remove_from_group(_credentials(ctx), groupId,
                                                       list(contactIds or [])))

    @rpc(_returns=b.Group.customize(max_occurs="unbounded"), _out_variable_name="groups",
         _throws=FAULTS)
    def GetGroups(ctx):
        """Every group of the account, with its size."""
        with _domain_errors(ctx):
            return [_group(g) for g in _book(ctx).get_groups(_credentials(ctx))]

    @rpc(Unicode(**Ids), _args=("phones",), _returns=b.BatchResult, _throws=FAULTS)
    def AddToBlacklist(ctx, phones):
        """Blacklist numbers: messages to them get status 23 (BANNED), cost 0, never sent."""
        with _domain_errors(ctx):
            return _batch(_book(ctx).add_to_blacklist(_credentials(ctx), list(phones or [])))

    @rpc(Unicode(**Ids), _args=("phones",), _returns=b.BatchResult, _throws=FAULTS)
    def RemoveFromBlacklist(ctx, phones):
        """Take numbers off the blacklist; one that was not listed is a per-item code 2."""
        with _domain_errors(ctx):
            return _batch(_book(ctx).remove_from_blacklist(_credentials(ctx),
                                                           list(phones or [])))

    @rpc(Integer32(**b.Optional), Integer32(**b.Optional), _args=("page", "pageSize"),
         _returns=b.BlacklistPage, _throws=FAULTS)
    def GetBlacklist(ctx, page, pageSize):
        """The blacklisted numbers (E.164), in order; entries gives each with its source
        (api: you listed it; inbound: its subscriber replied STOP), reason and time."""
        with _domain_errors(ctx):
            found = _book(ctx).get_blacklist(_credentials(ctx), page, pageSize)
        return SimpleNamespace(total=found.total, phones=[e.phone for e in found.items],
                               entries=[SimpleNamespace(phone=e.phone, source=e.source,
                                                        reason=e.reason, addedAt=e.created_at)
                                        for e in found.items])
