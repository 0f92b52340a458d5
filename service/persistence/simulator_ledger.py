"""SQL implementation of the simulator's ledger (table ``simulator_submissions``).

Each call is one write transaction of its own, like a carrier's own bookkeeping: it never
joins the gateway's units of work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from ..app.delivery.carrier import Receipt
from ..app.delivery.simulator_ports import SimulatedPart, SimulatedReply
from .engine import write_transaction
from .tables import simulator_submissions as sim


class SqlSimulatorLedger:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, parts: Sequence[SimulatedPart]) -> None:
        if not parts:
            return
        with write_transaction(self._engine) as conn:
            conn.execute(insert(sim), [
                {"carrier_id": p.carrier_id, "message_id": p.message_id, "part_no": p.part_no,
                 "recipient": p.recipient, "stat": p.stat, "error": p.error,
                 "receipt_due_at": p.receipt_due_at, "receipt_sent": p.stat is None,
                 "created_at": p.created_at, "reply_text": p.reply_text,
                 "reply_to": p.reply_to,
                 "reply_due_at": p.reply_due_at if p.reply_text is not None else None}
                for p in parts])

    def lease_due(self, now: datetime, limit: int, until: datetime) -> list[Receipt]:
        with write_transaction(self._engine) as conn:
            due = conn.execute(
                select(sim.c.id, sim.c.carrier_id, sim.c.stat, sim.c.error)
                .where(sim.c.receipt_sent.is_(False), sim.c.receipt_due_at <= now)
                .order_by(sim.c.receipt_due_at).limit(limit)
                .with_for_update(skip_locked=True)).all()
            if due:
                conn.execute(update(sim).where(sim.c.id.in_([d.id for d in due]))
                             .values(receipt_due_at=until))
        return [Receipt(carrier_id=d.carrier_id, stat=d.stat, error=d.error, done_at=now)
                for d in due]

    def mark_sent(self, carrier_ids: Sequence[str]) -> None:
        if not carrier_ids:
            return
        with write_transaction(self._engine) as conn:
            conn.execute(update(sim).where(sim.c.carrier_id.in_(list(carrier_ids)))
                         .values(receipt_sent=True))

    def lease_due_replies(self, now: datetime, limit: int,
                          until: datetime) -> list[SimulatedReply]:
        with write_transaction(self._engine) as conn:
            due = conn.execute(
                select(sim.c.id, sim.c.carrier_id, sim.c.recipient, sim.c.reply_to,
                       sim.c.reply_text)
                .where(sim.c.reply_due_at <= now)
                .order_by(sim.c.reply_due_at).limit(limit)
                .with_for_update(skip_locked=True)).all()
            if due:
                conn.execute(update(sim).where(sim.c.id.in_([d.id for d in due]))
                             .values(reply_due_at=until))
        return [SimulatedReply(d.carrier_id, d.recipient, d.reply_to or "", d.reply_text or "")
                for d in due]

    def mark_replied(self, carrier_ids: Sequence[str]) -> None:
        if not carrier_ids:
            return
        with write_transaction(self._engine) as conn:
            conn.execute(update(sim).where(sim.c.carrier_id.in_(list(carrier_ids)))
                         .values(reply_due_at=None))
