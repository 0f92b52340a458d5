"""The carrier port: how workers hand messages to a carrier and hear back from it.

Every connector (the simulator, SMPP) implements ``Connector``; tests have a fake. The
worker owns all bookkeeping; a connector only talks to its carrier:

- ``submit`` takes a window of messages and returns one outcome per message, in order:
  ``Accepted`` with one carrier id per part, ``Rejected`` (permanent or temporary), or
  ``Unknown`` when the submit may or may not have reached the carrier (the connection
  dropped before the response). It never raises for a per-message problem.
- Receipts are pushed to the ``ReceiptSink`` given to ``start``. A connector must not
  acknowledge a receipt to its carrier before the sink returned: the sink stores it durably,
  so a crash between the two makes the carrier resend it instead of losing it.
- Inbound messages (MO) are pushed to the ``InboundSink`` given to ``start``, under the same
  rule: the carrier hears "received" only after the sink returned (it stores the parts
  durably, all or none); if it raises, the carrier is told to resend (SMPP ``ESME_RX_T_APPN``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Protocol, Sequence, Union

from ...domain.encoding import Encoding
from ...domain.inbound import InboundPart
from ...domain.message import ConcatPart


@dataclass(frozen=True)
class OutboundSms:
    """What a carrier needs to send one message (``parts`` are already split).

    ``concat``: the message is one part of a text the client split itself; it has exactly one
    part, which goes out with a concatenation UDH carrying the client's reference, total and
    sequence, so the handset joins it with its siblings."""

    message_id: int
    recipient: str
    sender: str | None
    text: str
    encoding: Encoding
    parts: tuple[str, ...]
    valid_until: datetime
    profile: str | None = None  # per-account connector options (the simulator's rules)
    concat: ConcatPart | None = None


@dataclass(frozen=True)
class Accepted:
    """The carrier took every part; ``carrier_ids`` holds one raw id per part, in order."""

    message_id: int
    carrier_ids: tuple[str, ...]


@dataclass(frozen=True)
class Rejected:
    """The carrier refused the message. ``permanent``: never retry; else retry with backoff."""

    message_id: int
    permanent: bool
    reason: str
    error_code: int | None = None


@dataclass(frozen=True)
class Unknown:
    """The submit may or may not have reached the carrier (no response before a drop).

    ``carrier_ids`` holds, per part, the id of each part the carrier did accept (None for the
    others), so that their receipts still match.
    """

    message_id: int
    reason: str
    carrier_ids: tuple[str | None, ...] = ()


SubmitOutcome = Union[Accepted, Rejected, Unknown]


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt for one part: the carrier's id, its ``stat`` word and error code."""

    carrier_id: str
    stat: str
    error: str | None = None
    done_at: datetime | None = None


ReceiptSink = Callable[[Sequence[Receipt]], None]

# Stores inbound parts durably, all or none, and raises when it could not: the worker passes
# ``lambda parts: inbound.accept(connector.name, parts)``.
InboundSink = Callable[[Sequence[InboundPart]], None]


class Connector(Protocol):
    name: str

    def start(self, sink: ReceiptSink, inbound: InboundSink) -> None:
        """Connect (or prepare to) and deliver receipts to ``sink`` and inbound messages to
        ``inbound`` from now on; each is acknowledged to the carrier only after its sink
        returned."""

    def ready(self) -> bool:
        """True when a submit can reach the carrier now (an SMPP bind is up). Workers claim
        nothing while it is False, instead of claiming messages only to retry them."""

    def submit(self, batch: Sequence[OutboundSms]) -> list[SubmitOutcome]:
        """Submit every message of ``batch``; one outcome per message, in the same order."""

    def poll(self) -> None:
        """Give the connector a turn on the worker's thread (timers, due receipts)."""

    def stop(self) -> None:
        """Finish what is in flight, then disconnect."""
