"""The native SOAP API's operations. Each translates to a use case and back, nothing more.

Docstrings here are copied into the WSDL, where stub users read them.
"""

from __future__ import annotations

import contextlib
import logging
from types import SimpleNamespace

from spyne import ServiceBase, rpc
from spyne.model.primitive import DateTime, Decimal, Integer32, Integer64, Unicode

from ...app.sending.sending import QuoteSms, SendSms
from ...app.sending.status_query import GetStatus as GetStatusQuery
from ...domain.errors import AuthenticationFailed, SmsgwError
from ...domain.vocabularies import smsc_code
from . import book_types as bt
from . import types as t
from .credentials import request_credentials
from .faults import typed_fault

log = logging.getLogger(__name__)
FAULTS = [t.SmsgwFault, t.InsufficientFundsFault]


@contextlib.contextmanager
def _domain_errors(ctx):
    """Translate domain errors once; a request without credentials gets a 401 challenge."""
    try:
        yield
    except AuthenticationFailed as exc:
        if exc.missing:
            ctx.transport.resp_code = "401 Unauthorized"
            ctx.transport.resp_headers["WWW-Authenticate"] = 'Basic realm="smsgw"'
        raise typed_fault(exc) from exc
    except SmsgwError as exc:
        raise typed_fault(exc) from exc


def _credentials(ctx):
    gateway = ctx.app.gateway
    environ = ctx.transport.req_env
    return request_credentials(environ, ctx.in_header_doc, gateway.client_ip.resolve(environ))


class SmsgwService(ServiceBase):
    """smsgw native API: send SMS, query status, balance and cost."""

    @rpc(Unicode(min_occurs=1, max_occurs="unbounded", nillable=False),
         Unicode(min_occurs=1, nillable=False), Unicode(min_occurs=0), DateTime(min_occurs=0),
         Integer32(min_occurs=0), Unicode(min_occurs=0),
         _args=("recipients", "text", "sender", "scheduledAt", "validityMinutes", "clientRef"),
         _returns=t.SendSmsResult, _throws=FAULTS)
    def SendSms(ctx, recipients, text, sender, scheduledAt, validityMinutes, clientRef):
        """Send one text to one or more recipients.

        Each recipients item is a number, or several separated by commas or semicolons.
        Invalid numbers do not fail the request: they come back with statusCode 22
        (INVALID_NUMBER) and cost 0, and code is 98 (some accepted) or 99 (none).
        scheduledAt in the past means now. validityMinutes defaults to 1440. A repeated
        clientRef within 24 hours returns the first result without charging again.
        Faults: 8 login, 14 blocked, 1/11/12 validation, InsufficientFundsFault.
        """
        with _domain_errors(ctx):
            result = ctx.app.gateway.use_cases.sending.send(SendSms(
                credentials=_credentials(ctx), recipients=list(recipients or []), text=text,
                sender=sender, scheduled_at=scheduledAt, validity_minutes=validityMinutes,
                client_ref=clientRef))
        return t.SendSmsResult(
            code=result.code, totalCost=result.total_cost, totalSegments=result.total_segments,
            balance=result.balance,
            # Plain objects, not spyne instances: building 100 ComplexModels costs milliseconds.
            messages=[SimpleNamespace(
                recipient=m.recipient, messageId=m.message_id, statusCode=m.status_code,
                statusName=m.status, segments=m.segments, cost=m.cost, errorCode=m.error_code,
                errorMessage=m.error_message) for m in result.messages])

    @rpc(Integer64(min_occurs=1, max_occurs="unbounded", nillable=False),
         _args=("messageIds",), _returns=t.MessageStatus.customize(max_occurs="unbounded"),
         _out_variable_name="statuses", _throws=FAULTS)
    def GetStatus(ctx, messageIds):
        """The status of each message id, in the order asked.

        An unknown id, or another account's, answers statusCode -3 (NOT_FOUND).
        statusCode is smsc's numeric code; statusName is the canonical state.
        """
        with _domain_errors(ctx):
            views = ctx.app.gateway.use_cases.statuses.get_status(GetStatusQuery(
                credentials=_credentials(ctx), message_ids=list(messageIds or [])))
        return [SimpleNamespace(
            messageId=v.message_id, recipient=v.recipient, statusCode=v.status_code,
            statusName=v.status_name, final=v.final, errorCode=v.error_code,
            createdAt=v.created_at, updatedAt=v.updated_at) for v in views]

    @rpc(_returns=(Decimal, Unicode), _out_variable_names=("balance", "currency"),
         _throws=FAULTS)
    def GetBalance(ctx):
        """The account's balance and its currency."""
        with _domain_errors(ctx):
            balance = ctx.app.gateway.use_cases.accounts.get_balance(_credentials(ctx))
        return balance.balance, balance.currency

    @rpc(Unicode(min_occurs=1, max_occurs="unbounded", nillable=False),
         Unicode(min_occurs=1, nillable=False), _args=("recipients", "text"),
         _returns=(Decimal, Integer32), _out_variable_names=("cost", "segments"),
         _throws=FAULTS)
    def GetSmsCost(ctx, recipients, text):
        """What sending text to recipients would cost, and how many segments; nothing is charged.

        Invalid numbers are left out of both totals.
        """
        with _domain_errors(ctx):
            quote = ctx.app.gateway.use_cases.sending.quote(QuoteSms(
                credentials=_credentials(ctx), recipients=list(recipients or []), text=text))
        return quote.cost, quote.segments

    @rpc(DateTime(min_occurs=0), DateTime(min_occurs=0), Unicode(min_occurs=0),
         Unicode(min_occurs=0), Integer32(min_occurs=0), Integer32(min_occurs=0),
         Integer64(min_occurs=0), Unicode(min_occurs=0),
         _args=("since", "until", "status", "recipient", "page", "pageSize", "mailingId",
                "subAccount"),
         _returns=bt.MessagePage, _throws=FAULTS)
    def GetMessages(ctx, since, until, status, recipient, page, pageSize, mailingId,
                    subAccount):
        """The account's messages, newest first, each with its text, segments, cost and
        status. Filters: created in [since, until), canonical status name (e.g. DELIVERED),
        recipient (any number form), mailing. page starts at 1; pageSize 1..1000, default 100.
        subAccount: a parent reads one of its sub-clients' messages instead of its own."""
        with _domain_errors(ctx):
            found = ctx.app.gateway.use_cases.history.get_messages(
                _credentials(ctx), since=since, until=until, status=status,
                recipient=recipient, mailing_id=mailingId, page=page, page_size=pageSize,
                sub_account=subAccount)
        return SimpleNamespace(total=found.total, messages=[SimpleNamespace(
            messageId=m.id, recipient=m.recipient, text=m.text, sender=m.sender,
            segments=m.segments, cost=m.cost, statusCode=smsc_code(m.status),
            statusName=m.status.canonical_name, final=m.status.final, errorCode=m.error_code,
            errorMessage=m.error_message, clientRef=m.client_ref, scheduledAt=m.scheduled_at,
            createdAt=m.created_at, updatedAt=m.updated_at) for m in found.items])
