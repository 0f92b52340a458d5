"""The OMS adapter's one translation table: domain errors to OMS error codes."""

from __future__ import annotations

from ...domain import errors as e

OMS_CODES: list[tuple[type[e.SmsgwError], str]] = [
    (e.IpNotAllowed, "unregisteredUser"),
    (e.AuthenticationFailed, "invalidUser"),
    (e.AccountBlocked, "expiredUser"),
    (e.InsufficientFunds, "lowBalance"),
    (e.ConstraintViolation, "lengthLimit"),   # only when the field is the text (see below)
    (e.ValidationError, "other"),
    (e.RateLimited, "perDayMsgLimit"),
    (e.SmsgwError, "serviceNetwork"),
]

AUTH_CODES = ("invalidUser", "unregisteredUser", "expiredUser")


def oms_code(error: e.SmsgwError) -> str:
    if isinstance(error, e.ConstraintViolation) and error.field != "text":
        return "other"
    for cls, code in OMS_CODES:
        if isinstance(error, cls):
            return code
    return "serviceNetwork"
