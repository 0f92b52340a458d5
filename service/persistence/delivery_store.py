"""SQL implementation of the DeliveryStore port (service/app/delivery/ports.py).

Claims use ``FOR UPDATE ... SKIP LOCKED`` on PostgreSQL, so any number of workers share the
queue; on SQLite the write transaction (BEGIN IMMEDIATE) already serialises them. Every batch
is one statement or one executemany, never a statement per row.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Sequence

from sqlalchemy import (and_, bindparam, exists, false, func, insert, literal_column, or_, select,
                        update)
from sqlalchemy.engine import Connection

from ..app.accounts.ledger import Refund
from ..app.delivery.carrier import Receipt
from ..app.delivery.ports import (CallbackJob, ClaimedMessage, MessageState, NewCallback,
                                  PartMatch, PendingReceipt, ReplayResult, Transition)
from ..app.smpp.receipts import ReceiptSubject, receipts_for_transitions
from ..domain.receipt_request import asks_for_receipts
from ..domain.carrier_ids import normalise_carrier_id
from ..domain.encoding import Encoding
from ..domain.message import ConcatPart
from ..domain.status import MessageStatus
from . import ledger
from .bulk import insert_unnest
from .smpp_outbox import SqlSmppOutbox
from .subaccounts import route_refunds
from .tables import accounts, callbacks, message_parts, messages, receipts

_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=timezone.utc)
FINAL = [s.canonical_name for s in MessageStatus if s.final]
SUBMITTABLE = ("QUEUED", "SCHEDULED")
CANCELLABLE = SUBMITTABLE + ("STOPPED",)
m, a, p, c, r = messages, accounts, message_parts, callbacks, receipts



def _lit(value: str):
    """An internal constant written into the SQL, not bound: partial indexes are only used
    when the planner can see the value (and an expanding IN cannot be used in executemany)."""
    return literal_column(f"'{value}'")


_NOT_FINAL = m.c.status.not_in([_lit(name) for name in FINAL])
_APPLY = (update(m).where(m.c.id == bindparam("mid"), _NOT_FINAL)
          .values(status=bindparam("status"), updated_at=bindparam("now"),
                  error_code=func.coalesce(bindparam("error_code"), m.c.error_code),
                  error_message=func.coalesce(bindparam("error_message"), m.c.error_message),
                  dlr_stat=func.coalesce(bindparam("dlr_stat"), m.c.dlr_stat),
                  dlr_error=func.coalesce(bindparam("dlr_error"), m.c.dlr_error),
                  finished_at=bindparam("finished_at"),
                  lease_owner=bindparam("lease_owner"), lease_until=bindparam("lease_until")))
_RETRY = (update(m).where(m.c.id == bindparam("mid"))
          .values(submit_state=None, lease_owner=None, lease_until=None,
                  attempts=m.c.attempts + 1, next_attempt_at=bindparam("at"),
                  error_message=bindparam("reason")))
_PART_OUTCOME = (update(p).where(p.c.message_id == bindparam("mid"),
                                 p.c.part_no == bindparam("part"), p.c.status.is_(None))
                 .values(status=bindparam("status"), dlr_stat=bindparam("stat"),
                         dlr_error=bindparam("err"), receipt_at=bindparam("at")))
_RECEIPT_AGAIN = (update(r).where(r.c.id == bindparam("rid"))
                  .values(state=bindparam("state"), attempts=r.c.attempts + 1,
                          next_attempt_at=bindparam("at")))
_CALLBACK_FAILED = (update(c).where(c.c.id == bindparam("cid"))
                    .values(attempts=c.c.attempts + 1, lease_until=None,
                            last_error=bindparam("error"), state=bindparam("state"),
                            next_attempt_at=bindparam("at")))


def _chunks(items: Sequence, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class SqlDeliveryStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- dispatch ---------------------------------------------------------------------------

    def claim_due(self, owner, now, lease_until, limit) -> list[ClaimedMessage]:
        due = (select(m.c.id).join(a, a.c.id == m.c.account_id)
               .where(m.c.status.in_([_lit(v) for v in SUBMITTABLE]), m.c.submit_state.is_(None),
                      or_(m.c.scheduled_at.is_(None), m.c.scheduled_at <= now),
                      or_(m.c.next_attempt_at.is_(None), m.c.next_attempt_at <= now),
                      or_(m.c.lease_until.is_(None), m.c.lease_until < now),
                      a.c.paused == false())
               .order_by(m.c.id).limit(limit).with_for_update(skip_locked=True, of=m))
        ids = list(self._conn.execute(due).scalars())
        if not ids:
            return []
        self._conn.execute(update(m).where(m.c.id.in_(ids))
                           .values(lease_owner=owner, lease_until=lease_until))
        rows = self._conn.execute(
            select(m.c.id, m.c.account_id, m.c.recipient, m.c.sender, m.c.text, m.c.encoding,
                   m.c.cost, m.c.attempts, m.c.valid_until, m.c.client_ref, a.c.callback_url,
                   a.c.simulator_rules, m.c.concat_ref, m.c.concat_total, m.c.concat_seq)
            .join(a, a.c.id == m.c.account_id).where(m.c.id.in_(ids)).order_by(m.c.id))
        return [ClaimedMessage(id=x.id, account_id=x.account_id, recipient=x.recipient,
                               sender=x.sender, text=x.text, encoding=Encoding(x.encoding),
                               cost=x.cost, attempts=x.attempts, valid_until=x.valid_until,
                               client_ref=x.client_ref, callback_url=x.callback_url,
                               simulator_rules=x.simulator_rules,
                               concat=None if x.concat_ref is None else ConcatPart(
                                   x.concat_ref, x.concat_total, x.concat_seq))
                for x in rows]

    def mark_in_flight(self, ids, owner, lease_until) -> list[int]:
        return sorted(self._conn.execute(
            update(m).where(m.c.id.in_(list(ids)), m.c.lease_owner == owner,
                            m.c.status.in_([_lit(v) for v in SUBMITTABLE]))
            .values(submit_state="inflight", lease_until=lease_until)
            .returning(m.c.id)).scalars())

    def release(self, ids, owner) -> None:
        self._conn.execute(update(m).where(m.c.id.in_(list(ids)), m.c.lease_owner == owner,
                                           m.c.submit_state.is_(None))
                           .values(lease_owner=None, lease_until=None))

    def record_submitted(self, connector, accepted, now) -> None:
        ids = [message_id for message_id, _ in accepted]
        for chunk in _chunks(ids):
            self._conn.execute(update(m).where(m.c.id.in_(chunk)).values(
                submit_state="done", submitted_at=now, lease_owner=None, lease_until=None))
        self.record_parts(connector, accepted)

    def record_parts(self, connector, parts) -> None:
        rows = [{"message_id": message_id, "part_no": n, "connector": connector,
                 "carrier_id": raw[:64], "carrier_key": normalise_carrier_id(raw)[:64]}
                for message_id, carrier_ids in parts
                for n, raw in enumerate(carrier_ids, 1) if raw is not None]
        if rows:
            self._conn.execute(insert(p), rows)

    def schedule_retry(self, retries) -> None:
        if retries:
            self._conn.execute(_RETRY, [{"mid": i, "reason": reason[:500], "at": at}
                                        for i, reason, at in retries])

    def withdraw(self, account_id, message_id, now) -> bool:
        # One guarded UPDATE: under READ COMMITTED a concurrent mark_in_flight either commits
        # first (then submit_state is set and nothing matches) or waits for us and then finds
        # its lease gone and the status final.
        return self._conn.execute(
            update(m).where(m.c.id == message_id, m.c.account_id == account_id,
                            m.c.status.in_([_lit(v) for v in CANCELLABLE]),
                            m.c.submit_state.is_(None))
            .values(lease_owner=None, lease_until=None, updated_at=now)).rowcount == 1

    def take_over_stale(self, now, limit) -> list[int]:
        stale = (select(m.c.id).where(m.c.submit_state == _lit("inflight"), m.c.lease_until < now)
                 .order_by(m.c.id).limit(limit).with_for_update(skip_locked=True))
        ids = list(self._conn.execute(stale).scalars())
        if ids:
            self._conn.execute(update(m).where(m.c.id.in_(ids)).values(
                submit_state="unknown", lease_owner=None, lease_until=None))
        return ids

    # -- state changes ----------------------------------------------------------------------

    def states(self, ids) -> dict[int, MessageState]:
        if not ids:
            return {}
        parts: dict[int, list] = {}
        rows = []
        for chunk in _chunks(list(ids)):
            rows += self._conn.execute(
                select(m.c.id, m.c.account_id, m.c.recipient, m.c.status, m.c.valid_until,
                       m.c.submit_state, m.c.client_ref, a.c.callback_url, m.c.sender)
                .join(a, a.c.id == m.c.account_id).where(m.c.id.in_(chunk))
                .with_for_update(of=m)).all()
            for x in self._conn.execute(select(p.c.message_id, p.c.status)
                                        .where(p.c.message_id.in_(chunk)).order_by(p.c.part_no)):
                parts.setdefault(x.message_id, []).append(
                    MessageStatus.from_name(x.status) if x.status else None)
        return {x.id: MessageState(
            id=x.id, account_id=x.account_id, recipient=x.recipient,
            status=MessageStatus.from_name(x.status), valid_until=x.valid_until,
            submit_state=x.submit_state, client_ref=x.client_ref, callback_url=x.callback_url,
            parts=parts.get(x.id, []), sender=x.sender) for x in rows}

    def apply(self, transitions: Sequence[Transition], now, actor: str = "worker") -> None:
        if not transitions:
            return
        ids = [t.message_id for t in transitions]
        before, asking = self._statuses(ids)
        self._conn.execute(_APPLY, [{
            "mid": t.message_id, "status": t.status.canonical_name, "now": now,
            "error_code": t.error_code, "error_message": (t.error_message or None) and t.error_message[:500],
            "dlr_stat": t.dlr_stat, "dlr_error": t.dlr_error,
            "finished_at": now if t.status.final else None,
            "lease_owner": None, "lease_until": None} for t in transitions])
        # Only changes that happened count: a final status is never overwritten, so a
        # transition that lost a race refunds and notifies nothing.
        # A message gone meanwhile (purged by retention) has nothing left to change.
        applied = [t for t in transitions
                   if t.message_id in before and before[t.message_id] not in FINAL]
        self._refund([t for t in applied if t.refund], now, actor)
        self._owe_smpp_receipts([t for t in applied if t.message_id in asking], now)
        notified = [t for t in applied if t.callback]
        if notified:
            owners = self._owners([t.message_id for t in notified])
            self.queue_callbacks([NewCallback(
                account_id=owners[t.message_id], url=t.callback[0], payload=t.callback[1],
                message_id=t.message_id) for t in notified if t.callback], now)

    def _statuses(self, ids) -> tuple[dict[int, str], set[int]]:
        """Each message's status (locked), and which of them asked for SMPP receipts."""
        out, asking = {}, set()
        for chunk in _chunks(list(ids)):
            for x in self._conn.execute(select(m.c.id, m.c.status, m.c.receipt_request)
                                        .where(m.c.id.in_(chunk)).with_for_update(of=m)):
                out[x.id] = x.status
                if asks_for_receipts(x.receipt_request):
                    asking.add(x.id)
        return out, asking

    def _owe_smpp_receipts(self, transitions: Sequence[Transition], now) -> None:
        """Queue the SMPP receipts these changes owe, in this transaction (only messages that
        asked are read again, so other traffic pays nothing)."""
        if not transitions:
            return
        subjects = {x.id: ReceiptSubject(
            message_id=x.id, account_id=x.account_id, recipient=x.recipient, sender=x.sender,
            text=x.text, submitted_at=x.created_at, receipt_request=x.receipt_request)
            for chunk in _chunks(sorted({t.message_id for t in transitions}))
            for x in self._conn.execute(
                select(m.c.id, m.c.account_id, m.c.recipient, m.c.sender, m.c.text,
                       m.c.created_at, m.c.receipt_request).where(m.c.id.in_(chunk)))}
        SqlSmppOutbox(self._conn).add(
            receipts_for_transitions(subjects, transitions, now), now)

    def _owners(self, ids) -> dict[int, int]:
        out = {}
        for chunk in _chunks(list(ids)):
            out.update(self._conn.execute(select(m.c.id, m.c.account_id)
                                          .where(m.c.id.in_(chunk))).all())
        return out

    def _refund(self, transitions: Sequence[Transition], now, actor: str) -> None:
        """Each refunded message's cost goes back with its own ledger entry (persistence/
        ledger.py), saying why: the status it ended in and the reason given."""
        if not transitions:
            return
        why = {t.message_id: t.status.canonical_name + (f": {t.error_message}"
                                                        if t.error_message else "")
               for t in transitions}
        refunds: list[Refund] = []
        for chunk in _chunks(sorted(why)):
            refunds += [Refund(x.account_id, x.id, x.cost, x.mailing_id, why[x.id])
                        for x in self._conn.execute(
                            select(m.c.id, m.c.account_id, m.c.cost, m.c.mailing_id)
                            .where(m.c.id.in_(chunk)).order_by(m.c.id))]
        # a parent-mode sub-client's refunds go back to the parent that paid
        ledger.refund(self._conn, route_refunds(self._conn, refunds), actor, now)

    def overdue(self, now, limit) -> list[int]:
        due = (select(m.c.id).where(m.c.status.in_(("SUBMITTED", "PARTIALLY_DELIVERED",
                                                    "QUEUED", "SCHEDULED", "STOPPED")),
                                    m.c.valid_until < now,
                                    or_(m.c.submit_state.is_(None), m.c.submit_state == "done"),
                                    or_(m.c.lease_until.is_(None), m.c.lease_until < now))
               .order_by(m.c.id).limit(limit).with_for_update(skip_locked=True))
        return list(self._conn.execute(due).scalars())

    # -- receipts ---------------------------------------------------------------------------

    def add_receipts(self, connector, items: Sequence[Receipt], now) -> None:
        self._conn.execute(insert(r), [{
            "connector": connector, "carrier_id": x.carrier_id[:64], "stat": x.stat[:16],
            "error": (x.error or None) and x.error[:16], "done_at": x.done_at,
            "received_at": now, "state": "new", "attempts": 0, "next_attempt_at": now}
            for x in items])

    def due_receipts(self, now, limit) -> list[PendingReceipt]:
        rows = self._conn.execute(
            select(r).where(r.c.state.in_([_lit("new"), _lit("unmatched")]),
                            r.c.next_attempt_at <= now)
            .order_by(r.c.id).limit(limit).with_for_update(skip_locked=True))
        return [PendingReceipt(id=x.id, connector=x.connector, carrier_id=x.carrier_id,
                               stat=x.stat, error=x.error, done_at=x.done_at,
                               received_at=x.received_at, attempts=x.attempts) for x in rows]

    def find_parts(self, connector, keys) -> dict[str, PartMatch]:
        found: dict[str, PartMatch] = {}
        for chunk in _chunks(list(dict.fromkeys(keys))):
            rows = self._conn.execute(
                select(p.c.message_id, p.c.part_no, p.c.carrier_key)
                .where(p.c.connector == connector, p.c.carrier_key.in_(chunk))
                .order_by(p.c.id))
            for x in rows:  # an id the carrier reused: the newest part wins
                found[x.carrier_key] = PartMatch(x.message_id, x.part_no, x.carrier_key)
        return found

    def record_part_outcomes(self, outcomes) -> None:
        if outcomes:
            self._conn.execute(_PART_OUTCOME, [{
                "mid": part.message_id, "part": part.part_no, "status": status.canonical_name,
                "stat": stat[:8], "err": (err or None) and err[:8], "at": at}
                for part, status, stat, err, at in outcomes])

    def settle_receipts(self, matched, unmatched) -> None:
        for chunk in _chunks(list(matched)):
            self._conn.execute(update(r).where(r.c.id.in_(chunk)).values(state="matched"))
        if unmatched:
            self._conn.execute(_RECEIPT_AGAIN, [{
                "rid": rid, "state": "unmatched" if at else "orphan", "at": at or _FAR_FUTURE}
                for rid, at in unmatched])

    # -- callbacks --------------------------------------------------------------------------

    def queue_callbacks(self, items: Sequence[NewCallback], now) -> None:
        if not items:
            return
        rows = [{"account_id": x.account_id, "message_id": x.message_id,
                 "inbound_id": x.inbound_id, "url": x.url, "payload": x.payload,
                 "state": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}
                for x in items]
        # one statement either way; ids ascend in the order given
        if self._conn.dialect.name == "postgresql":
            insert_unnest(self._conn, c, rows)
        else:
            self._conn.execute(insert(c), rows)

    def claim_callbacks(self, now, lease_until, limit) -> list[CallbackJob]:
        earlier = c.alias("earlier")
        # (an inbound event has no message_id: NULL equals nothing, so it is always first)
        first_in_line = ~exists(select(earlier.c.id).where(and_(
            earlier.c.message_id == c.c.message_id, earlier.c.state == _lit("pending"),
            earlier.c.id < c.c.id)))
        due = (select(c.c.id).where(c.c.state == _lit("pending"), c.c.next_attempt_at <= now,
                                    or_(c.c.lease_until.is_(None), c.c.lease_until < now),
                                    first_in_line)
               .order_by(c.c.id).limit(limit).with_for_update(skip_locked=True, of=c))
        ids = list(self._conn.execute(due).scalars())
        if not ids:
            return []
        self._conn.execute(update(c).where(c.c.id.in_(ids)).values(lease_until=lease_until))
        return self._jobs(c.c.id.in_(ids))

    def _jobs(self, condition) -> list[CallbackJob]:
        rows = self._conn.execute(
            select(c.c.id, c.c.account_id, c.c.message_id, c.c.inbound_id, c.c.url,
                   c.c.payload, c.c.attempts,
                   c.c.created_at, c.c.last_error, a.c.callback_secret, a.c.callback_url,
                   a.c.callback_url_trusted)
            .join(a, a.c.id == c.c.account_id).where(condition).order_by(c.c.id))
        # A URL is trusted only while it is the account's current, operator-set one: a job
        # queued for a URL a client set stays untrusted after the operator sets another.
        return [CallbackJob(id=x.id, account_id=x.account_id, message_id=x.message_id, url=x.url,
                            payload=x.payload, secret=x.callback_secret, attempts=x.attempts,
                            created_at=x.created_at, last_error=x.last_error,
                            trusted=bool(x.callback_url_trusted) and x.url == x.callback_url,
                            inbound_id=x.inbound_id)
                for x in rows]

    def callbacks_settled(self, delivered, failed, now) -> None:
        for chunk in _chunks(list(delivered)):
            self._conn.execute(update(c).where(c.c.id.in_(chunk)).values(
                state="delivered", delivered_at=now, lease_until=None,
                attempts=c.c.attempts + 1))
        if failed:
            self._conn.execute(_CALLBACK_FAILED, [{
                "cid": job_id, "error": error[:500], "state": "pending" if at else "dead",
                "at": at or now} for job_id, error, at in failed])

    def dead_callbacks(self, limit) -> list[CallbackJob]:
        rows = self._conn.execute(select(c.c.id).where(c.c.state == "dead")
                                  .order_by(c.c.id).limit(limit))
        ids = list(rows.scalars())
        return self._jobs(c.c.id.in_(ids)) if ids else []

    def callback_states(self, ids) -> dict[int, str]:
        out: dict[int, str] = {}
        for chunk in _chunks(list(ids)):
            out.update(self._conn.execute(select(c.c.id, c.c.state)
                                          .where(c.c.id.in_(chunk))).all())
        return out

    def replay_callbacks(self, ids, now) -> ReplayResult:
        current_url = (select(a.c.callback_url).where(a.c.id == c.c.account_id)
                       .scalar_subquery())
        conditions = [c.c.state == "dead"]
        if ids is not None:
            conditions.append(c.c.id.in_(list(ids)))
        queued = self._conn.execute(
            update(c).where(*conditions, current_url.is_not(None))
            .values(url=current_url, state="pending", next_attempt_at=now, created_at=now,
                    attempts=0, lease_until=None)
            .returning(c.c.id)).scalars().all()
        left = self._conn.execute(select(c.c.id).where(*conditions).order_by(c.c.id)).scalars()
        return ReplayResult(sorted(queued), list(left))
