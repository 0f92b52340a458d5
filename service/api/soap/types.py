"""The native API's XML types. Lists are plain repeated elements, never wrapper types."""

from __future__ import annotations

from spyne import ComplexModel, Fault
from spyne.model.primitive import Boolean, DateTime, Decimal, Integer32, Integer64, Unicode

from ..ns import TNS

Required = dict(min_occurs=1, nillable=False)


class MessageResult(ComplexModel):
    """The outcome for one recipient of a SendSms request."""

    __namespace__ = TNS
    _type_info = [
        ("recipient", Unicode(**Required)),
        ("messageId", Integer64(**Required)),
        ("statusCode", Integer32(**Required)),
        ("statusName", Unicode(**Required)),
        ("segments", Integer32(**Required)),
        ("cost", Decimal(**Required)),
        ("errorCode", Integer32(min_occurs=0)),
        ("errorMessage", Unicode(min_occurs=0)),
    ]


class SendSmsResult(ComplexModel):
    """code: 0 all accepted, 98 some, 99 none. Totals count accepted messages only."""

    __namespace__ = TNS
    _type_info = [
        ("code", Integer32(**Required)),
        ("totalCost", Decimal(**Required)),
        ("totalSegments", Integer32(**Required)),
        ("balance", Decimal(**Required)),
        ("messages", MessageResult.customize(min_occurs=0, max_occurs="unbounded")),
    ]


class MessageStatus(ComplexModel):
    """A message's status. statusCode is smsc's numeric code (-3 means not found)."""

    __namespace__ = TNS
    _type_info = [
        ("messageId", Integer64(**Required)),
        ("recipient", Unicode(min_occurs=0)),
        ("statusCode", Integer32(**Required)),
        ("statusName", Unicode(**Required)),
        ("final", Boolean(**Required)),
        ("errorCode", Integer32(min_occurs=0)),
        ("createdAt", DateTime(min_occurs=0)),
        ("updatedAt", DateTime(min_occurs=0)),
    ]


class SmsgwFault(Fault):
    """Detail of every fault: the numeric code (seed 004 catalog), a message, the field at fault."""

    __namespace__ = TNS
    _type_info = [
        ("code", Integer32(**Required)),
        ("message", Unicode(**Required)),
        ("field", Unicode(min_occurs=0)),
    ]


class InsufficientFundsFault(Fault):
    """Detail of the insufficient-funds fault: what the request needs and what the balance is."""

    __namespace__ = TNS
    _type_info = [
        ("code", Integer32(**Required)),
        ("message", Unicode(**Required)),
        ("required", Decimal(**Required)),
        ("balance", Decimal(**Required)),
    ]
