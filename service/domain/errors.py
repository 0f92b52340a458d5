"""The one error model of smsgw. Every front door translates these, once, at its boundary.

Codes follow the seed 004 catalog, so every protocol can show the same number::

    SmsgwError (999, general)
    ├── ValidationError (1)              field, reason
    │   ├── MissingParameter (11)        field
    │   ├── ConstraintViolation (12)     field, limit
    │   ├── InvalidNumber (1)            recipient (one SMPP submit's destination)
    │   └── NotCancellable (12)          message_id, status
    ├── NotFound (2)                     entity, key
    ├── AuthenticationFailed (8)         reason
    │   ├── IpNotAllowed (8)             ip
    │   └── TooManyAttempts (8)          retry_after
    ├── AccountBlocked (14)
    ├── InsufficientFunds (15)           required, balance, currency
    │   └── SpendingCapExceeded (15)     period, cap
    ├── RateLimited (30)                 retry_after
    │   └── QuotaExceeded (30)           period, limit, used
    ├── TooManyBinds (31)                limit
    └── Forbidden (9)                    a parent's operation, an operator's setting
"""

from __future__ import annotations

from decimal import Decimal


class SmsgwError(Exception):
    """Base of every error smsgw reports to a client. ``code`` is the seed 004 number."""

    code = 999
    is_client_error = False

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(SmsgwError):
    """Input that breaks a rule of the domain. ``field`` names the offending input."""

    code = 1
    is_client_error = True


class MissingParameter(ValidationError):
    """A required input is absent or empty."""

    code = 11

    def __init__(self, field: str, message: str | None = None) -> None:
        super().__init__(message or f"{field} is required", field=field)


class ConstraintViolation(ValidationError):
    """An input is well-formed but outside a configured limit (``limit`` says which)."""

    code = 12

    def __init__(self, field: str, message: str, *, limit: object = None) -> None:
        super().__init__(message, field=field)
        self.limit = limit


class InvalidNumber(ValidationError):
    """The recipient is not a valid phone number. Where a request names one recipient (an SMPP
    submit_sm) this refuses it; a request to many stores each bad one as INVALID_NUMBER."""

    def __init__(self, recipient: str) -> None:
        super().__init__(f"invalid phone number {recipient!r}", field="recipient")
        self.recipient = recipient


class NotCancellable(ValidationError):
    """The message cannot be cancelled any more: it was handed to a carrier (or is being
    handed right now), or its status is final. ``status`` is its canonical status name."""

    code = 12

    def __init__(self, message_id: int, status: str, reason: str | None = None) -> None:
        super().__init__(f"message {message_id} cannot be cancelled: {reason or 'it is ' + status}",
                         field="message_id")
        self.message_id = message_id
        self.status = status


class NotFound(SmsgwError):
    """The entity does not exist, or belongs to another account."""

    code = 2
    is_client_error = True

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key} not found")
        self.entity = entity
        self.key = key


class AuthenticationFailed(SmsgwError):
    """Missing or wrong credentials. ``missing`` is true when none were given at all."""

    code = 8
    is_client_error = True

    def __init__(self, message: str = "invalid login or password", *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


class IpNotAllowed(AuthenticationFailed):
    """The client's address is not on the account's allowlist."""

    def __init__(self, ip: str | None) -> None:
        super().__init__(f"access from {ip or 'an unknown address'} is not allowed for this account")
        self.ip = ip


class TooManyAttempts(AuthenticationFailed):
    """Too many failed logins from this address or for this login: refused, even with the
    right password, for ``retry_after`` seconds. It never says whether the login exists."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed login attempts; try again in {retry_after} s")
        self.retry_after = retry_after


class AccountBlocked(SmsgwError):
    """The account exists but is blocked."""

    code = 14
    is_client_error = True

    def __init__(self, login: str) -> None:
        super().__init__(f"account {login} is blocked")
        self.login = login


class InsufficientFunds(SmsgwError):
    """The balance does not cover the request; nothing was stored or debited."""

    code = 15
    is_client_error = True

    def __init__(self, required: Decimal, balance: Decimal, *,
                 currency: str | None = None, credit_limit: Decimal = Decimal("0")) -> None:
        limit = f" with a credit limit of {credit_limit}" if credit_limit else ""
        super().__init__(f"insufficient funds: {required} required, balance is {balance}{limit}, "
                         f"short by {required - balance - credit_limit}")
        self.required = required
        self.balance = balance
        self.currency = currency  # the account's, where the raiser knows it
        self.credit_limit = credit_limit  # postpaid: how far below zero the balance may go


class RateLimited(SmsgwError):
    """Too many requests; retry after ``retry_after`` seconds."""

    code = 30
    is_client_error = True

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QuotaExceeded(RateLimited):
    """The account's messages per day or month (``period``: "day" or "month") would pass
    ``limit`` (``used`` already accepted): the whole request is refused, nothing stored.
    ``retry_after``: seconds until the period ends (UTC)."""

    def __init__(self, period: str, limit: int, used: int, *, retry_after: int) -> None:
        super().__init__(f"the account's limit of {limit} messages per {period} would be "
                         f"exceeded ({used} already accepted this {period})",
                         retry_after=retry_after)
        self.field = f"per_{period}"  # the limit's name, as `smsgw account limits` has it
        self.period = period
        self.limit = limit
        self.used = used


class Forbidden(SmsgwError):
    """The account may not use this operation or change this setting (seed 004 code 9, "error
    accessing the specified API method"): a sub-client calling a parent's operation, or a client
    changing what only the operator sets."""

    code = 9
    is_client_error = True


class SpendingCapExceeded(InsufficientFunds):
    """A sub-client spending from its parent's balance would pass its daily or monthly cap.
    ``balance`` is what is left under the cap (never the parent's balance)."""

    def __init__(self, period: str, cap: Decimal, spent: Decimal, required: Decimal) -> None:
        left = max(cap - spent, Decimal("0"))
        super().__init__(required, left)
        self.message = (f"{period} spending cap of {cap} reached: {spent} spent, {required} "
                        f"required, {left} left")
        self.args = (self.message,)
        self.period = period
        self.cap = cap


class TooManyBinds(SmsgwError):
    """The account already holds ``limit`` SMPP sessions (its own limit, else the gateway's
    SMSGW_SMPP_SERVER_MAX_BINDS), on this node and others together: the new bind is refused,
    the sessions bound keep working. Code 31, beside the rate limit's 30 (seed 004 has none)."""

    code = 31
    is_client_error = True

    def __init__(self, limit: int) -> None:
        super().__init__(f"the account already has {limit} SMPP sessions bound, its limit")
        self.limit = limit
