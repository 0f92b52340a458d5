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

Simulated subscribers reply (``reply:SUFFIX=TEXT`` rules, ``service/domain/simulator_rules.py``):
by default a number ending in 0009 answers ``STOP`` and one ending in 0008 echoes the text it
got, ``replydelay`` (1 s) after the message was delivered (only DELIVRD messages, and only
when the message has a sender to answer). The reply goes to the inbound sink as an MO from the
recipient to the message's sender. ``simulated_mo`` builds the parts of ``smsgw simulate
inbound``: one message, or N concatenated parts under one random reference, shuffled.

Like a real carrier, the simulator keeps its own durable record (a ``SimulatorLedger``; in
SQL the ``simulator_submissions`` table), written when it accepts a message; that table is
also what tests count to prove each message reached the carrier exactly once. Receipts are re-sent until the receipt sink has stored
them, so a crash never loses one (at worst a receipt arrives twice, which is harmless).
"""

from __future__ import annotations

import logging
import random
import secrets
import threading
import time
from datetime import datetime, timedelta
from typing import Sequence

from ..app.delivery.carrier import Accepted, InboundSink, OutboundSms, ReceiptSink, Rejected
from ..app.delivery.simulator_ports import SimulatedPart, SimulatorLedger
from ..domain.clock import Clock
from ..domain.inbound import InboundPart
from ..domain.message import ConcatPart
from ..domain.simulator_rules import (
    DEFAULT_REPLIES,
    DEFAULT_REPLY_DELAY,
    DEFAULT_RULES,
    ECHO,
    OUTCOMES,
    parse_replies,
    parse_rules,
    reply_for,
)

RESEND_AFTER = timedelta(seconds=30)
log = logging.getLogger(__name__)


def simulated_mo(source: str, destination: str, text: str, parts: int, now: datetime,
                 rng: random.Random | None = None) -> list[InboundPart]:
    """An MO as a carrier would hand it over: one part, or ``parts`` concatenated parts of
    (nearly) equal length under one random 8-bit reference, in a shuffled order."""
    if parts < 1 or parts > 255:
        raise ValueError("parts must be 1 to 255")
    if parts == 1:
        return [InboundPart(source, destination, text, now)]
    if len(text) < parts:
        raise ValueError(f"a text of {len(text)} character(s) cannot make {parts} parts")
    rng = rng or random.Random()
    size, extra = divmod(len(text), parts)
    pieces, start = [], 0
    for n in range(parts):
        end = start + size + (1 if n < extra else 0)
        pieces.append(text[start:end])
        start = end
    reference = rng.randrange(256)
    out = [InboundPart(source, destination, piece, now, ConcatPart(reference, parts, n))
           for n, piece in enumerate(pieces, 1)]
    rng.shuffle(out)
    return out


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
        global_replies, reply_delay = parse_replies(rules)
        self._replies = {**DEFAULT_REPLIES, **global_replies}
        self._reply_delay = DEFAULT_REPLY_DELAY if reply_delay is None else reply_delay
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

    def _reply(self, message: OutboundSms) -> tuple[str | None, float]:
        replies, delay = self._replies, self._reply_delay
        if message.profile:
            try:
                extra, own_delay = parse_replies(message.profile)
            except ValueError:
                extra, own_delay = {}, None
            replies = {**replies, **extra}
            delay = delay if own_delay is None else own_delay
        rule = reply_for(message.recipient, replies)
        if rule is None or not message.sender:
            return None, delay
        return (message.text if rule == ECHO else rule), delay

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
            reply, reply_delay = self._reply(message) if stat == "DELIVRD" else (None, 0.0)
            parts.extend(SimulatedPart(
                carrier_id, message.message_id, n, message.recipient,
                stat=None if stat == "NONE" else stat, error=OUTCOMES[stat],
                receipt_due_at=None if stat == "NONE" else due, created_at=now,
                # the whole message's reply, owed once (by its first part)
                reply_text=reply if n == 1 else None,
                reply_to=message.sender if n == 1 and reply is not None else None,
                reply_due_at=due + timedelta(seconds=reply_delay)
                if n == 1 and reply is not None else None)
                for n, carrier_id in enumerate(ids, 1))
            outcomes.append(Accepted(message.message_id, ids))
        self._ledger.record(parts)
        return outcomes

    def poll(self, limit: int = 1000) -> int:
        """Send the receipts and replies that are due; returns how many."""
        if self._sink is None:
            return 0
        return self._send_receipts(limit) + self._send_replies(limit)

    def _send_replies(self, limit: int) -> int:
        """Due replies to the inbound sink; one it could not store is offered again after the
        lease (as a carrier resends an MO it got no acknowledgement for)."""
        inbound = self._inbound
        if inbound is None:
            return 0
        now = self._clock.now()
        due = self._ledger.lease_due_replies(now, limit, now + RESEND_AFTER)
        if not due:
            return 0
        try:
            inbound([InboundPart(r.source, r.destination, r.text, now,
                                 carrier_id=f"reply-{r.carrier_id}") for r in due])
        except Exception:  # noqa: BLE001 - the store's trouble: resent after the lease
            log.exception("the inbound sink could not store %d simulated repl(ies); "
                          "they come again in %s", len(due), RESEND_AFTER)
            return 0
        self._ledger.mark_replied([r.carrier_id for r in due])
        return len(due)

    def _send_receipts(self, limit: int) -> int:
        now = self._clock.now()
        # A lease: if we die before the sink stored them, they are sent again later.
        due = self._ledger.lease_due(now, limit, now + RESEND_AFTER)
        if not due:
            return 0
        self._sink(due)
        self._ledger.mark_sent([r.carrier_id for r in due])
        return len(due)
