"""The SMPP door's one error table, operation by operation: what each domain error answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.api.smpp.errors import esme_status
from service.app.errors import SaveConflict
from service.domain import errors as e
from service.protocols.smpp import pdu as p

OPERATIONS = ("bind", "submit", "query", "cancel")


@pytest.mark.parametrize("error, bind, submit, query, cancel", [
    (e.AuthenticationFailed(), p.ESME_RINVPASWD, p.ESME_RINVPASWD, p.ESME_RINVPASWD,
     p.ESME_RINVPASWD),
    (e.IpNotAllowed("192.0.2.1"), p.ESME_RBINDFAIL, p.ESME_RSUBMITFAIL, p.ESME_RQUERYFAIL,
     p.ESME_RCANCELFAIL),
    (e.TooManyAttempts(60), p.ESME_RBINDFAIL, p.ESME_RBINDFAIL, p.ESME_RBINDFAIL,
     p.ESME_RBINDFAIL),
    (e.TooManyBinds(2), p.ESME_RBINDFAIL, p.ESME_RBINDFAIL, p.ESME_RBINDFAIL, p.ESME_RBINDFAIL),
    (e.InsufficientFunds(Decimal("1"), Decimal("0")), p.ESME_RSUBMITFAIL, p.ESME_RSUBMITFAIL,
     p.ESME_RSUBMITFAIL, p.ESME_RSUBMITFAIL),
    (e.RateLimited("too fast", retry_after=5), p.ESME_RTHROTTLED, p.ESME_RTHROTTLED,
     p.ESME_RTHROTTLED, p.ESME_RTHROTTLED),
    (e.QuotaExceeded("day", 10, 10, retry_after=60), p.ESME_RSUBMITFAIL, p.ESME_RSUBMITFAIL,
     p.ESME_RSUBMITFAIL, p.ESME_RSUBMITFAIL),
    (e.InvalidNumber("+7"), p.ESME_RINVDSTADR, p.ESME_RINVDSTADR, p.ESME_RINVDSTADR,
     p.ESME_RINVDSTADR),
    (e.NotCancellable(5, "DELIVERED"), p.ESME_RCANCELFAIL, p.ESME_RCANCELFAIL,
     p.ESME_RCANCELFAIL, p.ESME_RCANCELFAIL),
    (SaveConflict(), p.ESME_RMSGQFUL, p.ESME_RMSGQFUL, p.ESME_RMSGQFUL, p.ESME_RMSGQFUL),
])
def test_each_error_has_its_status_in_each_operation(error, bind, submit, query, cancel):
    assert [esme_status(error, op) for op in OPERATIONS] == [bind, submit, query, cancel]


@pytest.mark.parametrize("field, status", [
    ("recipient", p.ESME_RINVDSTADR), ("sender", p.ESME_RINVSRCADR),
    ("text", p.ESME_RINVMSGLEN), ("scheduledAt", p.ESME_RINVSCHED),
    ("valid_until", p.ESME_RINVEXPIRY), ("concat", p.ESME_RSUBMITFAIL),
])
def test_a_validation_error_of_a_submit_is_answered_by_its_field(field, status):
    assert esme_status(e.ConstraintViolation(field, "no", limit=1), "submit") == status


def test_what_is_not_a_domain_error_is_rsyserr_everywhere():
    assert {esme_status(RuntimeError("boom"), op) for op in OPERATIONS} == {p.ESME_RSYSERR}
