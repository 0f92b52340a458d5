"""XML types of the contact book and history operations (lists are repeated elements)."""

from __future__ import annotations

from spyne import ComplexModel
from spyne.model.primitive import Boolean, Date, DateTime, Decimal, Integer32, Integer64, Unicode

from ..ns import TNS

Required = dict(min_occurs=1, nillable=False)
Optional = dict(min_occurs=0)
Many = dict(min_occurs=0, max_occurs="unbounded")


class CustomField(ComplexModel):
    """A custom contact field; its key is usable as {key} in templates."""

    __namespace__ = TNS
    _type_info = [("key", Unicode(**Required)), ("value", Unicode(**Optional))]


class ContactInput(ComplexModel):
    """A contact card to create or update. Omitted fields are left as they are."""

    __namespace__ = TNS
    _type_info = [
        ("phone", Unicode(**Optional)),
        ("name", Unicode(**Optional)),
        ("email", Unicode(**Optional)),
        ("birthday", Date(**Optional)),
        ("fields", CustomField.customize(**Many)),
        ("groupIds", Integer64(**Many)),
    ]


class Contact(ComplexModel):
    """A contact card."""

    __namespace__ = TNS
    _type_info = [
        ("id", Integer64(**Required)),
        ("phone", Unicode(**Required)),
        ("name", Unicode(**Optional)),
        ("email", Unicode(**Optional)),
        ("birthday", Date(**Optional)),
        ("fields", CustomField.customize(**Many)),
        ("groupIds", Integer64(**Many)),
    ]


class ItemResult(ComplexModel):
    """The outcome of one item of a mass operation (index is 0-based, in request order)."""

    __namespace__ = TNS
    _type_info = [
        ("index", Integer32(**Required)),
        ("code", Integer32(**Required)),
        ("id", Integer64(**Optional)),
        ("message", Unicode(**Optional)),
        ("field", Unicode(**Optional)),
    ]


class BatchResult(ComplexModel):
    """code: 0 every item succeeded, 98 some did, 99 none did; items say which and why.
    code 100: the work runs in the background; follow taskId with GetTaskStatus."""

    __namespace__ = TNS
    _type_info = [("code", Integer32(**Required)), ("items", ItemResult.customize(**Many)),
                  ("taskId", Integer64(**Optional))]


class ContactPage(ComplexModel):
    __namespace__ = TNS
    _type_info = [("total", Integer32(**Required)), ("contacts", Contact.customize(**Many))]


class Group(ComplexModel):
    """A contact group and how many contacts it holds."""

    __namespace__ = TNS
    _type_info = [("id", Integer64(**Required)), ("name", Unicode(**Required)),
                  ("size", Integer32(**Required))]


class BlacklistEntry(ComplexModel):
    """A blacklisted number: who listed it (source ``api``: the account; ``inbound``: its
    subscriber sent a STOP word), why (for a STOP: the word and the number it went to), and
    when it was added."""

    __namespace__ = TNS
    _type_info = [("phone", Unicode(**Required)), ("source", Unicode(**Required)),
                  ("reason", Unicode(**Optional)), ("addedAt", DateTime(**Required))]


class BlacklistPage(ComplexModel):
    """``phones``: the numbers of the page; ``entries``: the same numbers, in the same order,
    each with its source, reason and time (added in issue 14: clients that know only
    ``phones`` are unaffected)."""

    __namespace__ = TNS
    _type_info = [("total", Integer32(**Required)), ("phones", Unicode(**Many)),
                  ("entries", BlacklistEntry.customize(**Many))]


class MessageRecord(ComplexModel):
    """One message of the history: its text, segments, cost and status."""

    __namespace__ = TNS
    _type_info = [
        ("messageId", Integer64(**Required)),
        ("recipient", Unicode(**Required)),
        ("text", Unicode(**Required)),
        ("sender", Unicode(**Optional)),
        ("segments", Integer32(**Required)),
        ("cost", Decimal(**Required)),
        ("statusCode", Integer32(**Required)),
        ("statusName", Unicode(**Required)),
        ("final", Boolean(**Required)),
        ("errorCode", Integer32(**Optional)),
        ("errorMessage", Unicode(**Optional)),
        ("clientRef", Unicode(**Optional)),
        ("scheduledAt", DateTime(**Optional)),
        ("createdAt", DateTime(**Required)),
        ("updatedAt", DateTime(**Required)),
    ]


class MessagePage(ComplexModel):
    __namespace__ = TNS
    _type_info = [("total", Integer32(**Required)), ("messages", MessageRecord.customize(**Many))]


class StatusCount(ComplexModel):
    """How many of a mailing's messages are in one canonical status."""

    __namespace__ = TNS
    _type_info = [("statusName", Unicode(**Required)), ("count", Integer32(**Required))]


class Mailing(ComplexModel):
    """A mailing and its progress. state: DRAFT, SCHEDULED, RUNNING, PAUSED, COMPLETED or
    CANCELLED; progress is the percentage of its messages in a final status."""

    __namespace__ = TNS
    _type_info = [
        ("id", Integer64(**Required)),
        ("name", Unicode(**Required)),
        ("text", Unicode(**Required)),
        ("sender", Unicode(**Optional)),
        ("state", Unicode(**Required)),
        ("scheduledAt", DateTime(**Optional)),
        ("validityMinutes", Integer32(**Optional)),
        ("ratePerMinute", Integer32(**Optional)),
        ("groupIds", Integer64(**Many)),
        ("contactIds", Integer64(**Many)),
        ("phones", Unicode(**Many)),
        ("defaults", CustomField.customize(**Many)),
        ("recipients", Integer32(**Required)),
        ("totalCost", Decimal(**Required)),
        ("progress", Decimal(**Required)),
        ("stats", StatusCount.customize(**Many)),
        ("createdAt", DateTime(**Required)),
        ("startedAt", DateTime(**Optional)),
    ]


class StartMailingResult(ComplexModel):
    """code 0: every recipient queued; 98: some had errors (in items); 99: none queued;
    100: a large mailing is being started in the background (taskId)."""

    __namespace__ = TNS
    _type_info = [
        ("code", Integer32(**Required)),
        ("accepted", Integer32(**Required)),
        ("balance", Decimal(**Required)),
        ("mailing", Mailing.customize(**Required)),
        ("items", ItemResult.customize(**Many)),
        ("taskId", Integer64(**Optional)),
    ]


class MailingPage(ComplexModel):
    __namespace__ = TNS
    _type_info = [("total", Integer32(**Required)), ("mailings", Mailing.customize(**Many))]


class TaskStatus(ComplexModel):
    """A background task. state: queued, running, done or failed; resultCode when finished
    (0, 98, 99, or the error code of a failure); errors are the failed items, paged."""

    __namespace__ = TNS
    _type_info = [
        ("taskId", Integer64(**Required)),
        ("kind", Unicode(**Required)),
        ("state", Unicode(**Required)),
        ("progress", Decimal(**Required)),
        ("total", Integer32(**Required)),
        ("processed", Integer32(**Required)),
        ("resultCode", Integer32(**Optional)),
        ("message", Unicode(**Optional)),
        ("errorsTotal", Integer32(**Required)),
        ("errors", ItemResult.customize(**Many)),
    ]
