"""The native SOAP API's one translation table: domain errors to typed SOAP faults.

A fault's ``<detail>`` holds a ``tns:SmsgwFault`` (or ``tns:InsufficientFundsFault``) with the
numeric code. spyne writes a Fault subclass's own members outside ``<detail>``, which breaks
typed faults in every stub generator, so the detail is built here as an element instead.
"""

from __future__ import annotations

import re

from lxml.builder import ElementMaker
from spyne import Fault

from ...domain import errors as e
from ..errors import translate
from ..ns import TNS
from .types import InsufficientFundsFault, SmsgwFault

_E = ElementMaker(namespace=TNS, nsmap={"tns": TNS})

FAULT_CODES: dict[type[e.SmsgwError], str] = {
    e.MissingParameter: "Client.MissingParameter",
    e.ConstraintViolation: "Client.ConstraintViolation",
    e.ValidationError: "Client.ValidationError",
    e.NotFound: "Client.NotFound",
    e.IpNotAllowed: "Client.IpNotAllowed",
    e.AuthenticationFailed: "Client.AuthenticationFailed",
    e.AccountBlocked: "Client.AccountBlocked",
    e.InsufficientFunds: "Client.InsufficientFunds",
    e.QuotaExceeded: "Client.QuotaExceeded",   # code 30 too; <field> is per_day or per_month
    e.RateLimited: "Client.RateLimited",
    e.Forbidden: "Client.Forbidden",
    e.SmsgwError: "Server.Internal",
}


def _fault_code(error: e.SmsgwError) -> str:
    return translate(FAULT_CODES, error)


def typed_fault(error: e.SmsgwError) -> Fault:
    """The SOAP fault for a domain error, with its typed detail."""
    if isinstance(error, e.InsufficientFunds):
        detail = _E.InsufficientFundsFault(
            _E.code(str(error.code)), _E.message(error.message),
            _E.required(str(error.required)), _E.balance(str(error.balance)))
        return InsufficientFundsFault(faultcode=_fault_code(error), faultstring=error.message,
                                      detail=detail)
    parts = [_E.code(str(error.code)), _E.message(error.message)]
    if error.field:
        parts.append(_E.field(error.field))
    return SmsgwFault(faultcode=_fault_code(error), faultstring=error.message,
                      detail=_E.SmsgwFault(*parts))


_ELEMENT = re.compile(r"Element '(?:\{[^}]*\})?([^']+)'")
_EXPECTED = re.compile(r"Expected is(?: one of)? \(([^)]*)\)")
_NAME = re.compile(r"(?:\{[^}]*\})?([A-Za-z_][\w.-]*)")


def schema_error(message: str, declared: frozenset[str] = frozenset()) -> e.ValidationError:
    """Turn libxml2's schema message into a domain error naming the field.

    libxml2 reports a missing required element as "Missing child element(s)", or, when another
    element stands in its place, as "<that one> is not expected. Expected is (...)". The
    required one is the last of the expected names (earlier ones are optional or repeatable).
    An element that the schema does not declare at all is the field at fault instead.
    """
    element = _ELEMENT.search(message)
    unexpected = element.group(1) if element else None
    expected = _EXPECTED.search(message)
    if expected and ("Missing child" in message or unexpected in declared):
        names = _NAME.findall(expected.group(1))
        if names:
            return e.MissingParameter(names[-1], f"{names[-1]} is required")
    detail = message.split(":", 6)[-1].strip() if message.count(":") >= 6 else message
    return e.ValidationError(f"invalid request: {detail}", field=unexpected)


def protocol_fault(fault: Fault) -> Fault:
    """Give spyne's own faults (parse errors, size limits, ...) the same typed detail."""
    if isinstance(fault, (SmsgwFault, InsufficientFundsFault)):
        return fault
    code = fault.faultcode or "Server"
    if code == "MustUnderstand" or code.startswith("Client"):
        error = e.ValidationError(str(fault.faultstring or "invalid request"))
    else:
        error = e.SmsgwError("internal error")
    translated = typed_fault(error)
    translated.faultcode = code if code != "Server" else "Server.Internal"
    return translated
