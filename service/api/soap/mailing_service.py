"""Native SOAP operations of mailings (campaigns). Docstrings are copied into the WSDL."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from spyne import ServiceBase, rpc
from spyne.model.primitive import DateTime, Integer32, Integer64, Unicode

from ...app.mailings.mailings import CreateMailing as CreateMailingCommand
from . import book_types as b
from .book_service import _items
from .service import FAULTS, _credentials, _domain_errors


def _mailing(view):
    m = view.mailing
    return SimpleNamespace(
        id=m.id, name=m.name, text=m.text, sender=m.sender, state=view.state.value,
        scheduledAt=m.scheduled_at, validityMinutes=m.validity_minutes,
        ratePerMinute=m.rate_per_minute, groupIds=list(m.group_ids),
        contactIds=list(m.contact_ids), phones=list(m.phones),
        defaults=[SimpleNamespace(key=k, value=v) for k, v in sorted(m.defaults.items())],
        recipients=m.recipients, totalCost=view.cost or m.total_cost,
        progress=Decimal(str(view.progress)),
        stats=[SimpleNamespace(statusName=k, count=v) for k, v in sorted(view.counts.items())],
        createdAt=m.created_at, startedAt=m.started_at)


def _mailings(ctx):
    return ctx.app.gateway.use_cases.mailings


class MailingService(ServiceBase):
    """Mailings: one text or template to groups, contacts and numbers."""

    @rpc(Unicode(**b.Required), Unicode(**b.Required), Unicode(**b.Optional),
         Integer64(**b.Many), Integer64(**b.Many), Unicode(**b.Many), DateTime(**b.Optional),
         Integer32(**b.Optional), Integer32(**b.Optional), b.CustomField.customize(**b.Many),
         _args=("name", "text", "sender", "groupIds", "contactIds", "phones", "scheduledAt",
                "validityMinutes", "ratePerMinute", "defaults"),
         _returns=b.Mailing, _throws=FAULTS)
    def CreateMailing(ctx, name, text, sender, groupIds, contactIds, phones, scheduledAt,
                      validityMinutes, ratePerMinute, defaults):
        """Create a mailing in DRAFT. text may use {placeholders} from the contact cards
        ({name}, {phone}, any custom field); defaults fill values a recipient lacks.
        Recipients are groups, contacts and numbers in any mix, each number sent once.
        ratePerMinute caps the sending speed."""
        with _domain_errors(ctx):
            return _mailing(_mailings(ctx).create(CreateMailingCommand(
                credentials=_credentials(ctx), name=name, text=text, sender=sender,
                group_ids=tuple(groupIds or ()), contact_ids=tuple(contactIds or ()),
                phones=tuple(phones or ()), scheduled_at=scheduledAt,
                validity_minutes=validityMinutes, rate_per_minute=ratePerMinute,
                defaults={d.key: d.value or "" for d in defaults or []})))

    @rpc(Integer64(**b.Required), _args=("mailingId",), _returns=b.StartMailingResult,
         _throws=FAULTS)
    def StartMailing(ctx, mailingId):
        """Render, price and queue every recipient, debiting the whole cost at once.
        Without the funds nothing is queued: InsufficientFundsFault names the amount.
        Above the task threshold it answers code 100 and a taskId at once (state STARTING);
        a failed background start leaves the mailing in DRAFT."""
        with _domain_errors(ctx):
            result = _mailings(ctx).start(_credentials(ctx), mailingId)
        return SimpleNamespace(code=result.code, accepted=result.accepted,
                               balance=result.balance, mailing=_mailing(result.view),
                               items=_items(result.errors), taskId=result.task_id)

    @rpc(Integer64(**b.Required), _args=("mailingId",), _returns=b.Mailing, _throws=FAULTS)
    def PauseMailing(ctx, mailingId):
        """Messages not yet handed to a carrier become STOPPED (-2) until resumed."""
        with _domain_errors(ctx):
            return _mailing(_mailings(ctx).pause(_credentials(ctx), mailingId))

    @rpc(Integer64(**b.Required), _args=("mailingId",), _returns=b.Mailing, _throws=FAULTS)
    def ResumeMailing(ctx, mailingId):
        """Queue the stopped messages again."""
        with _domain_errors(ctx):
            return _mailing(_mailings(ctx).resume(_credentials(ctx), mailingId))

    @rpc(Integer64(**b.Required), _args=("mailingId",), _returns=b.Mailing, _throws=FAULTS)
    def CancelMailing(ctx, mailingId):
        """Messages not yet handed to a carrier become final (DELETED) and are refunded."""
        with _domain_errors(ctx):
            return _mailing(_mailings(ctx).cancel(_credentials(ctx), mailingId))

    @rpc(Integer64(**b.Required), _args=("mailingId",), _returns=b.Mailing, _throws=FAULTS)
    def GetMailing(ctx, mailingId):
        """A mailing with its stats: messages per status, total cost, progress %."""
        with _domain_errors(ctx):
            return _mailing(_mailings(ctx).get(_credentials(ctx), mailingId))

    @rpc(Integer32(**b.Optional), Integer32(**b.Optional), _args=("page", "pageSize"),
         _returns=b.MailingPage, _throws=FAULTS)
    def GetMailings(ctx, page, pageSize):
        """The account's mailings, newest first."""
        with _domain_errors(ctx):
            found = _mailings(ctx).list(_credentials(ctx), page, pageSize)
        return SimpleNamespace(total=found.total, mailings=[_mailing(v) for v in found.items])

    @rpc(Integer64(**b.Required), Integer32(**b.Optional), Integer32(**b.Optional),
         _args=("taskId", "page", "pageSize"), _returns=b.TaskStatus, _throws=FAULTS)
    def GetTaskStatus(ctx, taskId, page, pageSize):
        """The state, progress and result of a background task, with its failed items
        (paged: page from 1, pageSize up to 1,000)."""
        with _domain_errors(ctx):
            view = ctx.app.gateway.use_cases.tasks.status(_credentials(ctx), taskId, page,
                                                          pageSize)
        t = view.task
        return SimpleNamespace(taskId=t.id, kind=t.kind, state=t.state,
                               progress=Decimal(str(view.progress)), total=t.total,
                               processed=t.processed, resultCode=t.result_code,
                               message=t.message, errorsTotal=view.errors.total,
                               errors=_items(view.errors.items))
