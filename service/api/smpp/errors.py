"""The SMPP door's one translation table: domain errors to ESME command_status values.

Some errors mean something else in each operation (a blocked account fails a bind with
ESME_RBINDFAIL and a submit with ESME_RSUBMITFAIL; an unknown message fails query_sm and
cancel_sm with their own statuses), so an entry is an ``Answer`` with one status per operation.
Anything that is not a domain error is ESME_RSYSERR, logged by the session, never sent as text.

InsufficientFunds is ESME_RSUBMITFAIL: SMPP 3.4 has no "no credit" status, and RSUBMITFAIL is
what Kannel and smpplib clients treat as a final refusal of that message (not to be retried
blindly). A daily or monthly quota (QuotaExceeded) is RSUBMITFAIL too, while the per-minute
rate limit is ESME_RTHROTTLED, which clients retry after a pause. A batch the database kept
refusing because of concurrent writers (SaveConflict: nothing stored) is ESME_RMSGQFUL, which
clients also retry.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...app.errors import SaveConflict
from ...domain import errors as e
from ...protocols.smpp import pdu as p
from ..errors import Entry, translate


@dataclass(frozen=True)
class Answer:
    """The status for each operation of the door."""

    bind: int
    submit: int
    query: int
    cancel: int

    def of(self, operation: str) -> int:
        return int(getattr(self, operation))


def same(status: int) -> Answer:
    return Answer(status, status, status, status)


# ValidationError.field -> status (the field names the sending use case and Submission use)
_FIELDS = {
    "recipient": p.ESME_RINVDSTADR, "recipients": p.ESME_RINVDSTADR, "phone": p.ESME_RINVDSTADR,
    "destination": p.ESME_RINVDSTADR, "destination_addr": p.ESME_RINVDSTADR,
    "sender": p.ESME_RINVSRCADR, "source_addr": p.ESME_RINVSRCADR,
    "text": p.ESME_RINVMSGLEN,
    "scheduledAt": p.ESME_RINVSCHED, "scheduled_at": p.ESME_RINVSCHED,
    "validityMinutes": p.ESME_RINVEXPIRY, "valid_until": p.ESME_RINVEXPIRY,
}


def _validation(error: e.ValidationError) -> Answer:
    return Answer(p.ESME_RBINDFAIL, _FIELDS.get(error.field or "", p.ESME_RSUBMITFAIL),
                  p.ESME_RQUERYFAIL, p.ESME_RCANCELFAIL)


SMPP_STATUSES: dict[type[BaseException], Entry[Answer]] = {
    # An unknown login, a wrong password and an account without an SMPP password look alike.
    e.AuthenticationFailed: same(p.ESME_RINVPASWD),
    # a bind from outside the allowlist fails; a submit after the list changed under a bound
    # session is that message's refusal, not a bind failure
    e.IpNotAllowed: Answer(p.ESME_RBINDFAIL, p.ESME_RSUBMITFAIL, p.ESME_RQUERYFAIL,
                           p.ESME_RCANCELFAIL),
    e.TooManyBinds: same(p.ESME_RBINDFAIL),
    e.TooManyAttempts: same(p.ESME_RBINDFAIL),
    e.AccountBlocked: Answer(p.ESME_RBINDFAIL, p.ESME_RSUBMITFAIL, p.ESME_RQUERYFAIL,
                             p.ESME_RCANCELFAIL),
    e.Forbidden: Answer(p.ESME_RBINDFAIL, p.ESME_RSUBMITFAIL, p.ESME_RQUERYFAIL,
                        p.ESME_RCANCELFAIL),
    e.InsufficientFunds: same(p.ESME_RSUBMITFAIL),
    e.RateLimited: same(p.ESME_RTHROTTLED),
    e.QuotaExceeded: same(p.ESME_RSUBMITFAIL),
    e.InvalidNumber: same(p.ESME_RINVDSTADR),
    e.NotCancellable: same(p.ESME_RCANCELFAIL),
    e.ValidationError: _validation,
    e.NotFound: Answer(p.ESME_RBINDFAIL, p.ESME_RSUBMITFAIL, p.ESME_RQUERYFAIL,
                       p.ESME_RCANCELFAIL),
    # nothing was saved because of concurrent writers: a status clients retry by themselves
    SaveConflict: same(p.ESME_RMSGQFUL),
    e.SmsgwError: same(p.ESME_RSYSERR),
}


def esme_status(error: BaseException, operation: str) -> int:
    """The command_status answering ``error`` in ``operation`` (bind, submit, query, cancel)."""
    if not isinstance(error, e.SmsgwError):
        return p.ESME_RSYSERR
    return translate(SMPP_STATUSES, error).of(operation)
