"""The OMS adapter's one translation table: domain errors to OMS error codes."""

from __future__ import annotations

from ...domain import errors as e
from ..errors import Entry, translate

OMS_CODES: dict[type[e.SmsgwError], Entry[str]] = {
    e.IpNotAllowed: "unregisteredUser",
    e.AuthenticationFailed: "invalidUser",
    e.AccountBlocked: "expiredUser",
    e.InsufficientFunds: "lowBalance",
    # lengthLimit says the text is too long; any other limit (recipients, ids...) is "other"
    e.ConstraintViolation: lambda error: "lengthLimit" if error.field == "text" else "other",
    e.ValidationError: "other",
    # the account's messages per day or month (docs/limits.md); content: the limit
    e.QuotaExceeded: lambda error: "perMonthMsgLimit" if error.period == "month"
    else "perDayMsgLimit",
    e.RateLimited: "perDayMsgLimit",
    e.SmsgwError: "serviceNetwork",
}

# The codes a userInfo document may carry; any other refusal of a login is invalidUser there.
USER_INFO_CODES = ("invalidUser", "unregisteredUser", "expiredUser")


def oms_code(error: e.SmsgwError) -> str:
    """The OMS error code for a domain error."""
    return translate(OMS_CODES, error)
