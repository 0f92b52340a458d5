"""Use cases of delivery: dispatch due messages to a carrier, apply its receipts, and end
what outlived its validity. Every state change is committed before anything depends on it.

At most once: a message is marked in flight (committed) before it is handed to the carrier.
If the worker dies before the outcome is recorded, the lease expires and the message is
"outcome unknown"; ``DeliveryPolicy.unknown_outcome`` decides: ``fail`` (never risk a
duplicate) or ``retry`` (never risk a loss).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Sequence

from ...domain.carrier_ids import receipt_lookup_keys
from ...domain.clock import Clock
from ...domain.encoding import analyse
from ...domain.lifecycle import aggregate, at_validity_end
from ...domain.status import MessageStatus as S
from ...domain.vocabularies import callback_names, smsc_code, status_from_receipt
from ...domain.backoff import backoff
from .carrier import Accepted, Connector, OutboundSms, Receipt, Rejected, Unknown
from .ports import ClaimedMessage, MessageState, PendingReceipt, Transition
from ..uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    batch_size: int = 200
    window: int = 50
    lease_seconds: int = 60
    unknown_outcome: str = "fail"           # or "retry"
    retry_base_seconds: float = 2.0
    retry_cap_seconds: float = 300.0
    receipt_retry_seconds: float = 5.0
    receipt_give_up_hours: float = 72.0


def notification(state_id: int, recipient: str, client_ref: str | None, url: str | None,
                 status: S, when: datetime, *, outcome_unknown: bool = False,
                 error: str | None = None, sender: str | None = None) -> tuple[str, str] | None:
    """The (url, JSON) of the client notification for a change to ``status``, if any."""
    names = callback_names(status, outcome_unknown=outcome_unknown)
    if not url or names is None:
        return None
    # "event" tells it from an inbound message's notification (app/inbound/event.py)
    body = {"event": "status", "id": state_id, "send_status": names.send_status,
            "status": names.status,
            "error": (error or names.error).zfill(3)[-3:], "phone": recipient,
            "status_code": smsc_code(status), "timestamp": when.isoformat()}
    if client_ref:
        body["client_ref"] = client_ref
    if sender:
        body["sender"] = sender  # the sender it went out with (docs/senders.md)
    return url, json.dumps(body, separators=(",", ":"))


class DeliveryService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 policy: DeliveryPolicy) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.policy = policy

    # -- dispatch ---------------------------------------------------------------------------

    def dispatch(self, connector: Connector, owner: str,
                 should_stop: Callable[[], bool] = lambda: False) -> int:
        """Claim due messages and hand them to ``connector``; returns how many were claimed.

        ``should_stop`` is asked between windows; what was claimed but not yet handed over
        is then released at once for other workers.
        """
        if not connector.ready():
            return 0
        now = self._clock.now()
        lease = now + timedelta(seconds=self.policy.lease_seconds)
        with self._uow(write=True) as uow:
            claimed = uow.delivery.claim_due(owner, now, lease, self.policy.batch_size)
            uow.commit()
        if not claimed:
            return 0
        late = [c for c in claimed if c.valid_until <= now]
        if late:
            self._apply([self._expire_unsent(c, now) for c in late])
        live = [c for c in claimed if c.valid_until > now]
        for start in range(0, len(live), self.policy.window):
            if should_stop():
                with self._uow(write=True) as uow:
                    uow.delivery.release([c.id for c in live[start:]], owner)
                    uow.commit()
                break
            self._submit_window(connector, owner, live[start:start + self.policy.window])
        return len(claimed)

    def _submit_window(self, connector: Connector, owner: str, window: list[ClaimedMessage]) -> None:
        ids = [c.id for c in window]
        lease = self._clock.now() + timedelta(seconds=self.policy.lease_seconds)
        with self._uow(write=True) as uow:
            marked = set(uow.delivery.mark_in_flight(ids, owner, lease))
            uow.commit()
        window = [c for c in window if c.id in marked]  # paused (STOPPED) since the claim
        if not window:
            return
        try:
            outcomes = connector.submit([_outbound(c) for c in window])
        except Exception as exc:  # a connector bug must not strand the window in flight
            log.exception("connector %s failed while submitting", connector.name)
            outcomes = [Unknown(c.id, f"connector error: {exc}") for c in window]
        now = self._clock.now()
        by_id = {c.id: c for c in window}
        accepted, partial, transitions = [], [], []
        retries: list[tuple[int, str, datetime]] = []
        for outcome in outcomes:
            c = by_id[outcome.message_id]
            if isinstance(outcome, Accepted):
                accepted.append((c.id, outcome.carrier_ids))
                transitions.append(Transition(c.id, S.SUBMITTED, callback=notification(
                    c.id, c.recipient, c.client_ref, c.callback_url, S.SUBMITTED, now,
                    sender=c.sender)))
            elif isinstance(outcome, Rejected) and outcome.permanent:
                transitions.append(Transition(
                    c.id, S.REJECTED, error_code=outcome.error_code, error_message=outcome.reason,
                    dlr_stat="REJECTD", refund=True, callback=notification(
                        c.id, c.recipient, c.client_ref, c.callback_url, S.REJECTED, now,
                        sender=c.sender)))
            elif isinstance(outcome, Rejected):
                retry_or_expiry = self._retry_or_expire(c, outcome.reason, now)
                if isinstance(retry_or_expiry, tuple):
                    retries.append(retry_or_expiry)
                else:
                    transitions.append(retry_or_expiry)
            elif isinstance(outcome, Unknown):
                log.warning("message %s: submit outcome unknown (%s)", c.id, outcome.reason)
                if any(outcome.carrier_ids):
                    partial.append((c.id, outcome.carrier_ids))
                if self.policy.unknown_outcome == "retry":
                    retries.append((c.id, f"outcome unknown: {outcome.reason}", now))
                else:
                    transitions.append(self._unknown_failure(
                        c.id, c.recipient, c.client_ref, c.callback_url, outcome.reason, now))
        with self._uow(write=True) as uow:
            if accepted:
                uow.delivery.record_submitted(connector.name, accepted, now)
            if partial:
                uow.delivery.record_parts(connector.name, partial)
            if retries:
                uow.delivery.schedule_retry(retries)
            uow.delivery.apply(transitions, now)
            uow.commit()

    def _retry_or_expire(self, c: ClaimedMessage, reason: str,
                         now: datetime) -> Transition | tuple[int, str, datetime]:
        at = now + timedelta(seconds=backoff(c.attempts + 1, self.policy.retry_base_seconds,
                                             self.policy.retry_cap_seconds))
        if at >= c.valid_until:
            return self._expire_unsent(c, now)
        return (c.id, reason, at)

    @staticmethod
    def _expire_unsent(c: ClaimedMessage, now: datetime) -> Transition:
        """Validity ended before the carrier had it: EXPIRED, and the cost goes back."""
        return Transition(c.id, S.EXPIRED, error_message="validity ended before submission",
                          dlr_stat="EXPIRED", refund=True, callback=notification(
                              c.id, c.recipient, c.client_ref, c.callback_url, S.EXPIRED, now,
                              sender=c.sender))

    @staticmethod
    def _unknown_failure(message_id: int, recipient: str, client_ref: str | None,
                         url: str | None, reason: str, now: datetime) -> Transition:
        return Transition(message_id, S.UNDELIVERABLE, error_message=f"outcome unknown: {reason}",
                          dlr_stat="UNKNOWN", dlr_error="007", callback=notification(
                              message_id, recipient, client_ref, url, S.UNDELIVERABLE, now,
                              outcome_unknown=True))

    def _apply(self, transitions: list[Transition]) -> None:
        with self._uow(write=True) as uow:
            uow.delivery.apply(transitions, self._clock.now())
            uow.commit()

    # -- receipts ---------------------------------------------------------------------------

    def accept_receipts(self, connector_name: str, receipts: Sequence[Receipt]) -> None:
        """The receipt sink: store durably (the connector acknowledges only after this)."""
        if not receipts:
            return
        with self._uow(write=True) as uow:
            uow.delivery.add_receipts(connector_name, receipts, self._clock.now())
            uow.commit()

    def process_receipts(self, limit: int = 500) -> int:
        """Match inbox receipts to parts and move their messages along; returns how many."""
        now = self._clock.now()
        with self._uow(write=True) as uow:
            store = uow.delivery
            pending = store.due_receipts(now, limit)
            if not pending:
                return 0
            parts = {}
            for connector in {r.connector for r in pending}:
                keys = [k for r in pending if r.connector == connector
                        for k in receipt_lookup_keys(r.carrier_id)]
                parts[connector] = store.find_parts(connector, keys)
            matched, unmatched, outcomes = [], [], []
            for r in pending:
                found = parts[r.connector]
                part = next((found[k] for k in receipt_lookup_keys(r.carrier_id) if k in found), None)
                if part is None:
                    unmatched.append((r.id, self._next_look(r, now)))
                    continue
                matched.append(r.id)
                status = status_from_receipt(r.stat)
                if status is not None:
                    outcomes.append((part, status, r.stat.upper(), r.error, r.done_at or now))
            store.record_part_outcomes(outcomes)
            changed = {o[0].message_id for o in outcomes}
            transitions = self._receipt_transitions(store.states(sorted(changed)), outcomes, now)
            store.apply(transitions, now)
            store.settle_receipts(matched, unmatched)
            uow.commit()
        return len(pending)

    def _next_look(self, r: PendingReceipt, now: datetime) -> datetime | None:
        """Unmatched receipts are looked at again (the submit may not be recorded yet)."""
        if now - r.received_at > timedelta(hours=self.policy.receipt_give_up_hours):
            log.error("receipt %s for carrier id %r matched no message; giving up", r.id, r.carrier_id)
            return None
        first = self.policy.receipt_retry_seconds
        return now + timedelta(seconds=backoff(r.attempts + 1, first, first * 720))

    @staticmethod
    def _receipt_transitions(states: dict[int, MessageState], outcomes: Sequence[tuple[Any, ...]],
                             now: datetime) -> list[Transition]:
        last = {o[0].message_id: o for o in outcomes}
        transitions = []
        for message_id, state in states.items():
            if state.status.final:
                continue
            new = aggregate(state.parts)
            if new is state.status:
                continue
            _part, _status, stat, error, _when = last[message_id]
            transitions.append(Transition(
                message_id, new, dlr_stat=stat, dlr_error=error,
                error_code=None if new in (S.DELIVERED, S.PARTIALLY_DELIVERED) else _int(error),
                callback=notification(message_id, state.recipient, state.client_ref,
                                      state.callback_url, new, now,
                                      error=error if new.final else None,
                                      sender=state.sender)))
        return transitions

    # -- the sweep --------------------------------------------------------------------------

    def sweep(self, limit: int = 500) -> int:
        """End validity where it ran out, and settle submits whose worker died mid-flight."""
        now = self._clock.now()
        with self._uow(write=True) as uow:
            store = uow.delivery
            stale = store.take_over_stale(now, limit)
            overdue = store.overdue(now, limit)
            states = store.states(sorted(set(stale) | set(overdue)))
            transitions, retries = [], []
            for message_id in stale:
                state = states[message_id]
                if self.policy.unknown_outcome == "retry" and state.valid_until > now:
                    retries.append((message_id, "worker lost during submit", now))
                else:
                    transitions.append(self._unknown_failure(
                        message_id, state.recipient, state.client_ref, state.callback_url,
                        "worker lost during submit", now))
            for message_id in overdue:
                state = states[message_id]
                if message_id in stale or state.status.final:
                    continue
                transitions.append(self._validity_end(state, now))
            store.schedule_retry(retries)
            store.apply(transitions, now)
            uow.commit()
        return len(stale) + len(overdue)

    @staticmethod
    def _validity_end(state: MessageState, now: datetime) -> Transition:
        if state.status in (S.QUEUED, S.SCHEDULED, S.STOPPED):
            new, refund = S.EXPIRED, True
        else:
            new, refund = at_validity_end(state.status, state.parts), False
        stat = "DELIVRD" if new is S.DELIVERED else "EXPIRED"
        return Transition(state.id, new, dlr_stat=stat, refund=refund,
                          error_message=None if new is S.DELIVERED else "validity period ended",
                          callback=notification(state.id, state.recipient, state.client_ref,
                                                state.callback_url, new, now,
                                                sender=state.sender))


def _outbound(c: ClaimedMessage) -> OutboundSms:
    info = analyse(c.text)
    # A client's own part was checked to fit one SMS beside its UDH: never split it again.
    parts = (c.text,) if c.concat is not None else info.parts
    return OutboundSms(message_id=c.id, recipient=c.recipient, sender=c.sender, text=c.text,
                       encoding=info.encoding, parts=parts, valid_until=c.valid_until,
                       profile=c.simulator_rules, concat=c.concat)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None
