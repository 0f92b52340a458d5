"""The simulator's ledger: the durable record a carrier keeps of what it accepted.

The simulator connector (delivery/simulator.py) behaves like a real carrier, so it stores
each part it accepts with the receipt it owes, and sends that receipt when it falls due; and,
when its rules make the subscriber answer, the reply it owes (an inbound message from the
recipient to the message's sender), sent when that falls due.
Persistence implements the port in SQL; tests have an in-memory fake, and one contract test
holds both to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Sequence

from .carrier import Receipt


@dataclass(frozen=True)
class SimulatedPart:
    """One part the simulator accepted, and the receipt it owes (``stat`` None: none ever)."""

    carrier_id: str
    message_id: int
    part_no: int
    recipient: str
    stat: str | None
    error: str | None
    receipt_due_at: datetime | None
    created_at: datetime
    reply_text: str | None = None       # the subscriber's answer, owed at reply_due_at
    reply_to: str | None = None         # where it goes: the message's sender
    reply_due_at: datetime | None = None


@dataclass(frozen=True)
class SimulatedReply:
    """A reply owed by a simulated subscriber: from ``source`` (the recipient of the message
    with ``carrier_id``) to ``destination`` (its sender)."""

    carrier_id: str
    source: str
    destination: str
    text: str


class SimulatorLedger(Protocol):
    def record(self, parts: Sequence[SimulatedPart]) -> None:
        """Store accepted parts durably, all of them or none (carrier ids are unique)."""

    def lease_due(self, now: datetime, limit: int, until: datetime) -> list[Receipt]:
        """Up to ``limit`` unsent receipts due by ``now``, earliest first, each done at
        ``now``. They are leased, not sent: not offered again before ``until``, but offered
        again after it unless ``mark_sent``, so a crash before the sink stored them loses
        none. Concurrent callers get different receipts."""

    def mark_sent(self, carrier_ids: Sequence[str]) -> None:
        """The sink stored these receipts: never offer them again."""

    def lease_due_replies(self, now: datetime, limit: int,
                          until: datetime) -> list[SimulatedReply]:
        """Up to ``limit`` unsent replies due by ``now``, earliest first, leased like receipts:
        offered again after ``until`` unless ``mark_replied``."""

    def mark_replied(self, carrier_ids: Sequence[str]) -> None:
        """The inbound sink stored these replies: never offer them again."""
