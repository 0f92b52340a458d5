"""The simulator: a deterministic carrier for demos, tests and load. The default connector.

The outcome of each message depends on the last four digits of its number (the default
rules below), overridable globally (``SMSGW_SIMULATOR_RULES``) and per account
(``smsgw account set LOGIN --simulator-rules ...``), as ``SUFFIX=OUTCOME`` pairs and
``delay=SECONDS``, for example ``0000=UNDELIV,1234=DELIVRD,delay=0.2``:

    0000  UNDELIV   -> UNDELIVERABLE
    0001  EXPIRED   -> EXPIRED
    0002  REJECTD   -> REJECTED
    0003  NONE      no receipt ever: the message expires at the end of its validity
    else  DELIVRD   -> DELIVERED

Each part of a multipart message gets its own id and its own receipt, after the delay.

Like a real carrier, the simulator keeps its own durable record (a ``SimulatorLedger``; in
SQL the ``simulator_submissions`` table), written when it accepts a message; that table is
also what tests count to prove each message reached the carrier exactly once. Receipts are re-sent until the receipt sink has stored
them, so a crash never loses one (at worst a receipt arrives twice, which is harmless).
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import timedelta
from typing import Sequence

from ..app.delivery.carrier import Accepted, InboundSink, OutboundSms, ReceiptSink, Rejected
from ..app.delivery.simulator_ports import SimulatedPart, SimulatorLedger
from ..domain.clock import Clock
from ..domain.simulator_rules import DEFAULT_RULES, OUTCOMES, parse_rules

RESEND_AFTER = timedelta(seconds=30)


class SimulatorConnector:
    """Connector port implementation; see the module docstring for its behaviour."""

    name = "simulator"

    def __init__(self, ledger: SimulatorLedger, clock: Clock, *, rules: str | None = None,
                 receipt_delay: float = 1.0, tps: float = 0.0) -> None:
        self._ledger = ledger
        self._clock = clock
        global_rules, global_delay = parse_rules(rules)
        self._rules = {**DEFAULT_RULES, **global_rules}
        self._delay = receipt_delay if global_delay is None else global_delay
        self._interval = 1.0 / tps if tps > 0 else 0.0
        self._next_slot = 0.0
        self._throttle = threading.Lock()
        self._sink: ReceiptSink | None = None
        self._inbound: InboundSink | None = None

    def start(self, sink: ReceiptSink, inbound: InboundSink) -> None:
        self._sink, self._inbound = sink, inbound

    def stop(self) -> None:
        self._sink = self._inbound = None

    def ready(self) -> bool:
        return True

    def _outcome(self, message: OutboundSms) -> tuple[str, float]:
        rules, delay = dict(self._rules), self._delay
        if message.profile:
            try:
                extra, own_delay = parse_rules(message.profile)
            except ValueError:
                extra, own_delay = {}, None
            rules.update(extra)
            delay = delay if own_delay is None else own_delay
        digits = "".join(ch for ch in message.recipient if ch.isdigit())
        for suffix in sorted(rules, key=len, reverse=True):
            if digits.endswith(suffix):
                return rules[suffix], delay
        return "DELIVRD", delay

    def _wait_for_slots(self, parts: int) -> None:
        if not self._interval:
            return
        with self._throttle:
            now = time.monotonic()
            start = max(now, self._next_slot)
            self._next_slot = start + parts * self._interval
        if start > now:
            time.sleep(start - now)

    def submit(self, batch: Sequence[OutboundSms]) -> list:
        now = self._clock.now()
        parts: list[SimulatedPart] = []
        outcomes: list = []
        for message in batch:
            if not message.parts:
                outcomes.append(Rejected(message.message_id, True, "empty message", 1))
                continue
            self._wait_for_slots(len(message.parts))
            stat, delay = self._outcome(message)
            ids = tuple(secrets.token_hex(8) for _ in message.parts)
            due = now + timedelta(seconds=delay)
            parts.extend(SimulatedPart(
                carrier_id, message.message_id, n, message.recipient,
                stat=None if stat == "NONE" else stat, error=OUTCOMES[stat],
                receipt_due_at=None if stat == "NONE" else due, created_at=now)
                for n, carrier_id in enumerate(ids, 1))
            outcomes.append(Accepted(message.message_id, ids))
        self._ledger.record(parts)
        return outcomes

    def poll(self, limit: int = 1000) -> int:
        """Send the receipts that are due; returns how many."""
        if self._sink is None:
            return 0
        now = self._clock.now()
        # A lease: if we die before the sink stored them, they are sent again later.
        due = self._ledger.lease_due(now, limit, now + RESEND_AFTER)
        if not due:
            return 0
        self._sink(due)
        self._ledger.mark_sent([r.carrier_id for r in due])
        return len(due)
