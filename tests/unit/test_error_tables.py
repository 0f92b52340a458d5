"""The one error-translation helper, and every door's table through it: each domain error gets
the answer its door gave before the tables were unified (the rows below pin them)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.api.errors import translate
from service.api.http.envelope import HTTP_STATUS, error_answer
from service.api.oms.errors import OMS_CODES, oms_code
from service.api.smsc.adapter import SMSC_ERRORS, smsc_error
from service.api.smsc.params import DateFormatError
from service.api.soap.faults import FAULT_CODES, typed_fault
from service.app.errors import LoginTaken, SaveConflict
from service.domain import errors as e


class Base(Exception):
    pass


class Child(Base):
    pass


class GrandChild(Child):
    pass


def test_the_most_specific_class_wins_whatever_the_order_of_the_table():
    for table in ({Base: "base", Child: "child"}, {Child: "child", Base: "base"}):
        assert translate(table, Child()) == "child"
        assert translate(table, GrandChild()) == "child"  # the nearest ancestor
        assert translate(table, Base()) == "base"


def test_an_entry_may_be_a_function_of_the_error():
    table = {Base: lambda error: type(error).__name__}
    assert translate(table, GrandChild()) == "GrandChild"


def test_an_error_outside_the_table_is_a_lookup_error_not_a_silent_default():
    with pytest.raises(LookupError):
        translate({Child: "child"}, Base())


@pytest.mark.parametrize("table", [FAULT_CODES, OMS_CODES, SMSC_ERRORS], ids=["soap", "oms", "smsc"])
def test_every_door_table_answers_every_smsgw_error(table):
    assert e.SmsgwError in table


# error -> (SOAP faultcode, OMS code, smsc error, HTTP envelope code, HTTP status, Retry-After)
ROWS = [
    (e.SmsgwError("boom"), "Server.Internal", "serviceNetwork", 1, 999, 500, None),
    (e.ValidationError("bad", field="x"), "Client.ValidationError", "other", 1, 1, 400, None),
    (e.ValidationError("bad", field="time"), "Client.ValidationError", "other", 5, 1, 400, None),
    (e.ConstraintViolation("scheduledAt", "far"), "Client.ConstraintViolation", "other", 5, 12,
     400, None),
    (e.ValidationError("bad", field="sender"), "Client.ValidationError", "other", 6, 1, 400, None),
    (DateFormatError("soon"), "Client.ValidationError", "other", 5, 1, 400, None),
    (e.MissingParameter("text"), "Client.MissingParameter", "other", 1, 11, 400, None),
    (e.ConstraintViolation("text", "long"), "Client.ConstraintViolation", "lengthLimit", 1, 12,
     400, None),
    (e.ConstraintViolation("recipients", "many"), "Client.ConstraintViolation", "other", 1, 12,
     400, None),
    (LoginTaken("alice"), "Client.ValidationError", "other", 1, 1, 400, None),
    (e.NotFound("group", 7), "Client.NotFound", "serviceNetwork", 1, 2, 404, None),
    (e.AuthenticationFailed(), "Client.AuthenticationFailed", "invalidUser", 2, 8, 401, None),
    (e.IpNotAllowed("10.0.0.1"), "Client.IpNotAllowed", "unregisteredUser", 2, 9, 403, None),
    (e.TooManyAttempts(90), "Client.AuthenticationFailed", "invalidUser", 4, 8, 401, 90),
    (e.AccountBlocked("alice"), "Client.AccountBlocked", "expiredUser", 2, 14, 403, None),
    (e.InsufficientFunds(Decimal("2"), Decimal("1")), "Client.InsufficientFunds", "lowBalance",
     3, 15, 402, None),
    (e.RateLimited("slow down", retry_after=40), "Client.RateLimited", "perDayMsgLimit", 9, 30,
     429, 40),
    (SaveConflict("OperationalError"), "Server.Internal", "serviceNetwork", 1, 10, 503, 1),
]


@pytest.mark.parametrize("error,soap,oms,smsc,code,status,retry_after", ROWS,
                         ids=[f"{type(r[0]).__name__}-{r[0].field}" for r in ROWS])
def test_each_door_answers_each_error_as_before(error, soap, oms, smsc, code, status, retry_after):
    assert typed_fault(error).faultcode == soap
    assert oms_code(error) == oms
    assert smsc_error(error) == smsc
    answer = error_answer(error)
    assert (answer.code, HTTP_STATUS[answer.code], answer.retry_after) == (code, status, retry_after)


def test_the_http_envelope_data_names_the_field_or_the_money():
    assert error_answer(e.MissingParameter("text")).data == {"field": "text"}
    assert error_answer(e.AuthenticationFailed()).data is None
    assert error_answer(e.InsufficientFunds(Decimal("2"), Decimal("1"))).data == {
        "required": Decimal("2"), "balance": Decimal("1")}
