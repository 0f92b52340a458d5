"""A message to one recipient, and the rules that build it from a send request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .encoding import Encoding
from .status import MessageStatus


@dataclass(frozen=True)
class ConcatPart:
    """One part of a concatenated SMS as the client numbered it: the handset joins the parts
    with the same ``reference`` (0..65535) in ``sequence`` order (1..``total``)."""

    reference: int
    total: int
    sequence: int


@dataclass
class Message:
    """One SMS to one recipient. ``segments`` and ``cost`` are fixed when it is accepted."""

    id: int | None
    account_id: int
    recipient: str
    text: str
    sender: str | None
    encoding: Encoding
    segments: int
    cost: Decimal
    status: MessageStatus
    created_at: datetime
    updated_at: datetime
    valid_until: datetime
    scheduled_at: datetime | None = None
    client_ref: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    mailing_id: int | None = None
    external_id: str | None = None
    # SMPP registered_delivery bits the client asked for (docs/smpp-server.md); 0: no receipt
    receipt_request: int = 0
    # One part of a message the client split itself (SMPP UDH or SAR), delivered as it came
    concat: ConcatPart | None = None

    @property
    def stored_id(self) -> int:
        """The id of a message read from the store (only a new, unsaved message has none)."""
        if self.id is None:
            raise ValueError("this message is not stored yet")
        return self.id
