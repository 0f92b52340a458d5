"""Fakes of the delivery ports: the delivery store, the simulator's ledger, the host resolver
and retention."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from service.app.delivery.carrier import Receipt

from .accounts import FakeLedgerRepository
from .mailings import _UNSENT
from .store import _Store, _next, _tracking


_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=timezone.utc)


class FakeDeliveryStore:
    """The delivery store in memory (app/delivery/ports.py), over the same accounts and
    messages as the other fakes, with the SQL one's semantics: leases, a final status never
    overwritten, refunds and notifications only for changes that happened, receipts in an
    inbox, and callbacks one at a time per message."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def _rows(self, ids=None):
        """(message, its delivery columns) in id order, of ``ids`` or of every message."""
        wanted = None if ids is None else set(ids)
        return [(m, _tracking(self._s, i)) for i, m in sorted(self._s.messages.items())
                if wanted is None or i in wanted]

    @staticmethod
    def _leased_elsewhere(t, now):
        return t["lease_until"] is not None and not t["lease_until"] < now

    # -- dispatch ---------------------------------------------------------------------------

    def claim_due(self, owner, now, lease_until, limit):
        from service.app.delivery.ports import ClaimedMessage
        claimed = []
        for m, t in self._rows():
            account = self._s.accounts[m.account_id]
            if (len(claimed) < limit and m.status.canonical_name in _UNSENT
                    and t["submit_state"] is None
                    and (m.scheduled_at is None or m.scheduled_at <= now)
                    and (t["next_attempt_at"] is None or t["next_attempt_at"] <= now)
                    and not self._leased_elsewhere(t, now) and not account.paused):
                t.update(lease_owner=owner, lease_until=lease_until)
                claimed.append(ClaimedMessage(
                    id=m.id, account_id=m.account_id, recipient=m.recipient, sender=m.sender,
                    text=m.text, encoding=m.encoding, cost=m.cost, attempts=t["attempts"],
                    valid_until=m.valid_until, client_ref=m.client_ref,
                    callback_url=account.settings.callback_url,
                    simulator_rules=account.settings.simulator_rules, concat=m.concat))
        return claimed

    def mark_in_flight(self, ids, owner, lease_until):
        ours = []
        for m, t in self._rows(ids):
            if t["lease_owner"] == owner and m.status.canonical_name in _UNSENT:
                t.update(submit_state="inflight", lease_until=lease_until)
                ours.append(m.id)
        return ours

    def release(self, ids, owner):
        for _, t in self._rows(ids):
            if t["lease_owner"] == owner and t["submit_state"] is None:
                t.update(lease_owner=None, lease_until=None)

    def record_submitted(self, connector, accepted, now):
        for _, t in self._rows([message_id for message_id, _ in accepted]):
            t.update(submit_state="done", submitted_at=now, lease_owner=None, lease_until=None)
        self.record_parts(connector, accepted)

    def record_parts(self, connector, parts):
        from service.domain.carrier_ids import normalise_carrier_id
        taken = {(p["message_id"], p["part_no"]) for p in self._s.parts.values()}
        rows = [dict(message_id=message_id, part_no=n, connector=connector, carrier_id=raw[:64],
                     carrier_key=normalise_carrier_id(raw)[:64], status=None, dlr_stat=None,
                     dlr_error=None, receipt_at=None)
                for message_id, carrier_ids in parts
                for n, raw in enumerate(carrier_ids, 1) if raw is not None]
        keys = [(p["message_id"], p["part_no"]) for p in rows]
        if len(set(keys)) != len(keys) or taken & set(keys):
            raise ValueError("a message's part is recorded once")  # SQL: IntegrityError
        for row in rows:
            self._s.parts[_next(self._s, "parts")] = row

    def schedule_retry(self, retries):
        for message_id, reason, at in retries:
            if message_id in self._s.messages:
                self._s.messages[message_id].error_message = reason[:500]
                t = _tracking(self._s, message_id)
                t.update(submit_state=None, lease_owner=None, lease_until=None,
                         attempts=t["attempts"] + 1, next_attempt_at=at)

    def withdraw(self, account_id, message_id, now):
        m = self._s.messages.get(message_id)
        if m is None or m.account_id != account_id:
            return False
        t = _tracking(self._s, message_id)
        if m.status.canonical_name not in _UNSENT + ("STOPPED",) or t["submit_state"] is not None:
            return False
        t.update(lease_owner=None, lease_until=None)
        m.updated_at = now
        return True

    def take_over_stale(self, now, limit):
        stale = [m.id for m, t in self._rows() if t["submit_state"] == "inflight"
                 and t["lease_until"] is not None and t["lease_until"] < now][:limit]
        for _, t in self._rows(stale):
            t.update(submit_state="unknown", lease_owner=None, lease_until=None)
        return stale

    # -- state changes ----------------------------------------------------------------------

    def states(self, ids):
        from service.app.delivery.ports import MessageState
        from service.domain.status import MessageStatus
        out = {}
        for m, t in self._rows(ids):
            parts = [MessageStatus.from_name(p["status"]) if p["status"] else None
                     for _, p in sorted(self._s.parts.items(), key=lambda x: x[1]["part_no"])
                     if p["message_id"] == m.id]
            out[m.id] = MessageState(
                id=m.id, account_id=m.account_id, recipient=m.recipient, status=m.status,
                valid_until=m.valid_until, submit_state=t["submit_state"],
                client_ref=m.client_ref,
                callback_url=self._s.accounts[m.account_id].settings.callback_url, parts=parts,
                sender=m.sender)
        return out

    def apply(self, transitions, now, actor="worker"):
        if not transitions:
            return
        before = {m.id: m.status.final for m, _ in self._rows(t.message_id for t in transitions)}
        for tr in transitions:
            m = self._s.messages.get(tr.message_id)
            if m is None or m.status.final:
                continue
            t = _tracking(self._s, m.id)
            m.status, m.updated_at = tr.status, now
            m.error_code = tr.error_code if tr.error_code is not None else m.error_code
            message = (tr.error_message or None) and tr.error_message[:500]
            m.error_message = message if message is not None else m.error_message
            t.update(dlr_stat=tr.dlr_stat if tr.dlr_stat is not None else t["dlr_stat"],
                     dlr_error=tr.dlr_error if tr.dlr_error is not None else t["dlr_error"],
                     finished_at=now if tr.status.final else None,
                     lease_owner=None, lease_until=None)
        # like SQL: only changes that happened count (a status final before the batch is kept)
        applied = [tr for tr in transitions if before.get(tr.message_id) is False]
        self._refund([tr for tr in applied if tr.refund], now, actor)
        self._owe_smpp_receipts(applied, now)
        from service.app.delivery.ports import NewCallback
        self.queue_callbacks([NewCallback(
            account_id=self._s.messages[tr.message_id].account_id, url=tr.callback[0],
            payload=tr.callback[1], message_id=tr.message_id) for tr in applied if tr.callback],
            now)

    def _owe_smpp_receipts(self, applied, now):
        """Like SQL: the receipts the messages asked for, in the same unit of work."""
        from service.app.smpp.receipts import receipts_for_transitions, subject_of
        from .smpp_outbox import FakeSmppOutbox
        subjects = {tr.message_id: subject_of(self._s.messages[tr.message_id])
                    for tr in applied if self._s.messages[tr.message_id].receipt_request}
        FakeSmppOutbox(self._s).add(receipts_for_transitions(subjects, applied, now), now)

    def _refund(self, transitions, now, actor):
        """Like SQL: each account credited once, one ledger entry per refunded message."""
        from service.app.accounts.ledger import Refund, refund_entries, refunds_by_account
        why = {t.message_id: t.status.canonical_name + (f": {t.error_message}"
                                                        if t.error_message else "")
               for t in transitions}
        refunds = [Refund(m.account_id, m.id, m.cost, m.mailing_id, why[m.id])
                   for m, _ in self._rows(why)]
        # like SQL: a parent-mode sub-client's refunds go back to the parent that paid
        from service.app.subaccounts.funding import route_refunds
        subs = getattr(self._s, "subaccounts", {})
        refunds = route_refunds(refunds, {
            sid: (sub.parent_id, self._s.accounts[sid].login) for sid, sub in subs.items()
            if sub.balance_mode.value == "parent"})
        for account_id, items in refunds_by_account(refunds).items():
            account = self._s.accounts[account_id]
            account.balance += sum((r.cost for r in items), Decimal("0"))
            FakeLedgerRepository(self._s).add(refund_entries(items, account.balance, actor, now))

    def overdue(self, now, limit):
        return [m.id for m, t in self._rows()
                if m.status.canonical_name in ("SUBMITTED", "PARTIALLY_DELIVERED", "QUEUED",
                                               "SCHEDULED", "STOPPED")
                and m.valid_until < now and t["submit_state"] in (None, "done")
                and not self._leased_elsewhere(t, now)][:limit]

    # -- receipts ---------------------------------------------------------------------------

    def add_receipts(self, connector, receipts, now):
        for x in receipts:
            receipt_id = _next(self._s, "receipts")
            self._s.receipts[receipt_id] = dict(
                id=receipt_id, connector=connector, carrier_id=x.carrier_id[:64],
                stat=x.stat[:16], error=(x.error or None) and x.error[:16], done_at=x.done_at,
                received_at=now, state="new", attempts=0, next_attempt_at=now)

    def due_receipts(self, now, limit):
        from service.app.delivery.ports import PendingReceipt
        due = [x for _, x in sorted(self._s.receipts.items())
               if x["state"] in ("new", "unmatched") and x["next_attempt_at"] <= now][:limit]
        return [PendingReceipt(**{k: x[k] for k in (
            "id", "connector", "carrier_id", "stat", "error", "done_at", "received_at",
            "attempts")}) for x in due]

    def find_parts(self, connector, keys):
        from service.app.delivery.ports import PartMatch
        wanted = set(keys)
        found = {}
        for _, p in sorted(self._s.parts.items()):  # an id the carrier reused: the newest wins
            if p["connector"] == connector and p["carrier_key"] in wanted:
                found[p["carrier_key"]] = PartMatch(p["message_id"], p["part_no"],
                                                    p["carrier_key"])
        return found

    def record_part_outcomes(self, outcomes):
        for part, status, stat, err, at in outcomes:
            for p in self._s.parts.values():
                if ((p["message_id"], p["part_no"]) == (part.message_id, part.part_no)
                        and p["status"] is None):
                    p.update(status=status.canonical_name, dlr_stat=stat[:8],
                             dlr_error=(err or None) and err[:8], receipt_at=at)

    def settle_receipts(self, matched, unmatched):
        for receipt_id in matched:
            if receipt_id in self._s.receipts:
                self._s.receipts[receipt_id]["state"] = "matched"
        for receipt_id, at in unmatched:
            x = self._s.receipts.get(receipt_id)
            if x is not None:
                x.update(state="unmatched" if at else "orphan", attempts=x["attempts"] + 1,
                         next_attempt_at=at or _FAR_FUTURE)

    # -- callbacks --------------------------------------------------------------------------

    def queue_callbacks(self, items, now):
        for x in items:
            job_id = _next(self._s, "callbacks")
            self._s.callbacks[job_id] = dict(
                id=job_id, account_id=x.account_id, message_id=x.message_id,
                inbound_id=x.inbound_id, url=x.url, payload=x.payload, state="pending",
                attempts=0, next_attempt_at=now, lease_until=None, last_error=None,
                created_at=now, delivered_at=None)

    def _jobs(self, ids):
        from service.app.delivery.ports import CallbackJob
        jobs = []
        for job_id in sorted(ids):
            x = self._s.callbacks[job_id]
            s = self._s.accounts[x["account_id"]].settings
            jobs.append(CallbackJob(
                id=x["id"], account_id=x["account_id"], message_id=x["message_id"], url=x["url"],
                payload=x["payload"], secret=s.callback_secret, attempts=x["attempts"],
                created_at=x["created_at"], last_error=x["last_error"],
                trusted=bool(s.callback_url_trusted) and x["url"] == s.callback_url,
                inbound_id=x.get("inbound_id")))
        return jobs

    def claim_callbacks(self, now, lease_until, limit):
        pending = [x for _, x in sorted(self._s.callbacks.items()) if x["state"] == "pending"]
        first = {}
        for x in pending:  # like SQL: an inbound event (no message) waits for nothing
            first.setdefault(x["message_id"] or ("inbound", x["id"]), x["id"])
        due = [x for x in pending if first[x["message_id"] or ("inbound", x["id"])] == x["id"]
               and x["next_attempt_at"] <= now
               and (x["lease_until"] is None or x["lease_until"] < now)][:limit]
        for x in due:
            x["lease_until"] = lease_until
        return self._jobs([x["id"] for x in due])

    def callbacks_settled(self, delivered, failed, now):
        for job_id in delivered:
            x = self._s.callbacks.get(job_id)
            if x is not None:
                x.update(state="delivered", delivered_at=now, lease_until=None,
                         attempts=x["attempts"] + 1)
        for job_id, error, at in failed:
            x = self._s.callbacks.get(job_id)
            if x is not None:
                x.update(attempts=x["attempts"] + 1, lease_until=None, last_error=error[:500],
                         state="pending" if at else "dead", next_attempt_at=at or now)

    def dead_callbacks(self, limit):
        return self._jobs([i for i, x in sorted(self._s.callbacks.items())
                           if x["state"] == "dead"][:limit])

    def callback_states(self, ids):
        return {i: self._s.callbacks[i]["state"] for i in ids if i in self._s.callbacks}

    def replay_callbacks(self, ids, now):
        from service.app.delivery.ports import ReplayResult
        chosen = [x for i, x in sorted(self._s.callbacks.items())
                  if x["state"] == "dead" and (ids is None or i in set(ids))]
        queued = []
        for x in chosen:
            url = self._s.accounts[x["account_id"]].settings.callback_url
            if url is not None:
                x.update(url=url, state="pending", next_attempt_at=now, created_at=now,
                         attempts=0, lease_until=None)
                queued.append(x["id"])
        return ReplayResult(queued, [x["id"] for x in chosen if x["state"] == "dead"])


class FakeSimulatorLedger:
    """The simulator's ledger in memory (app/simulator_ports.py)."""

    def __init__(self) -> None:
        self.parts: dict[str, dict] = {}  # by carrier id: the part, its due time, sent or not

    def record(self, parts):
        ids = [p.carrier_id for p in parts]
        if len(set(ids)) != len(ids) or any(i in self.parts for i in ids):
            raise ValueError("carrier ids are unique")
        for p in parts:
            self.parts[p.carrier_id] = {"part": p, "due": p.receipt_due_at,
                                        "sent": p.stat is None,
                                        "reply_due": p.reply_due_at
                                        if p.reply_text is not None else None}

    def lease_due(self, now, limit, until):
        due = sorted((e for e in self.parts.values() if not e["sent"] and e["due"] <= now),
                     key=lambda e: e["due"])[:limit]
        for e in due:
            e["due"] = until
        return [Receipt(carrier_id=e["part"].carrier_id, stat=e["part"].stat,
                        error=e["part"].error, done_at=now) for e in due]

    def mark_sent(self, carrier_ids):
        for carrier_id in carrier_ids:
            if carrier_id in self.parts:
                self.parts[carrier_id]["sent"] = True

    def lease_due_replies(self, now, limit, until):
        from service.app.delivery.simulator_ports import SimulatedReply
        due = sorted((e for e in self.parts.values()
                      if e["reply_due"] is not None and e["reply_due"] <= now),
                     key=lambda e: e["reply_due"])[:limit]
        for e in due:
            e["reply_due"] = until
        return [SimulatedReply(e["part"].carrier_id, e["part"].recipient,
                               e["part"].reply_to or "", e["part"].reply_text or "")
                for e in due]

    def mark_replied(self, carrier_ids):
        for carrier_id in carrier_ids:
            if carrier_id in self.parts:
                self.parts[carrier_id]["reply_due"] = None


class FakeResolver:
    """A HostResolver answering from a table, recording each lookup. A name not in the table
    does not resolve: tests never ask real DNS."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = dict(table or {})
        self.lookups: list[str] = []

    def resolve(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self.table:
            raise OSError(f"[fake resolver] {host} does not resolve")
        return list(self.table[host])


class FakeRetentionStore:
    """The RetentionStore port (app/retention/ports.py) in memory. When a message became final
    and how its notifications stand come from the fake delivery store (``tracking``,
    ``callbacks``) or, for messages a test arranged directly, from ``store.retention``."""

    def __init__(self, store: _Store) -> None:
        self._s = store
        self._r = store.retention

    def _finished(self, message_id):
        m = self._s.messages[message_id]
        if not m.status.final:
            return None
        return (self._r.finished_at.get(message_id)
                or self._s.tracking.get(message_id, {}).get("finished_at")
                or m.updated_at)  # like SQL: stored final, final since it was stored

    def _notifications(self, message_id):
        return set(self._r.callbacks.get(message_id, [])) | {
            c["state"] for c in self._s.callbacks.values() if c["message_id"] == message_id}

    def _forget(self, message_id, keep_message=False):
        """Its parts and notifications go (and the message itself unless ``keep_message``)."""
        for table in (self._s.parts, self._s.callbacks):
            for key in [k for k, row in table.items() if row["message_id"] == message_id]:
                del table[key]
        self._r.callbacks.pop(message_id, None)
        if not keep_message:
            self._s.messages.pop(message_id)
            self._s.tracking.pop(message_id, None)
            self._r.finished_at.pop(message_id, None)
            self._r.archived.discard(message_id)

    def _due(self, message_id, before):
        finished = self._finished(message_id)
        return finished is not None and finished <= before

    def retention_classes(self):
        return list({a.settings.retention_days for a in self._s.accounts.values()})

    def purge(self, retention_days, finished_before, limit):
        owners = {a.id for a in self._s.accounts.values()
                  if a.settings.retention_days == retention_days}
        due = [i for i, m in sorted(self._s.messages.items())
               if m.account_id in owners and self._due(i, finished_before)
               and (i in self._r.archived or "pending" not in self._notifications(i))]
        hot = [i for i in due if i not in self._r.archived]
        chosen = (hot + [i for i in due if i in self._r.archived])[:limit]  # hot first, like SQL
        for i in chosen:
            m = self._s.messages[i]
            if m.mailing_id is not None:
                key = (m.mailing_id, m.status.canonical_name)
                count, cost = self._r.purged_stats.get(key, (0, Decimal("0")))
                self._r.purged_stats[key] = (count + 1, cost + m.cost)
            self._forget(i)
        return len(chosen)

    def purge_inbound(self, retention_days, received_before, limit):
        owners = {a.id for a in self._s.accounts.values()
                  if a.settings.retention_days == retention_days}
        if retention_days is None:
            owners.add(None)
        pending = {c.get("inbound_id") for c in self._s.callbacks.values()
                   if c["state"] == "pending"}
        chosen = [i for i, m in sorted(self._s.inbound_messages.items())
                  if m.account_id in owners and m.received_at <= received_before
                  and i not in pending][:limit]
        for i in chosen:
            for key in [k for k, c in self._s.callbacks.items() if c.get("inbound_id") == i]:
                del self._s.callbacks[key]
            del self._s.inbound_messages[i]
            self._s.inbound_created.pop(i, None)
        return len(chosen)

    def archive(self, finished_before, limit):
        due = sorted((i for i in self._s.messages
                      if i not in self._r.archived and self._due(i, finished_before)
                      and not {"pending", "dead"} & self._notifications(i)),
                     key=lambda i: (self._finished(i), i))[:limit]
        for i in due:
            self._forget(i, keep_message=True)
            self._r.archived.add(i)
        return len(due)

    def purge_counters(self, before_window):
        old = [k for k in self._s.counters if k[2] < before_window]
        for k in old:
            del self._s.counters[k]
        return len(old)

    def purge_send_requests(self, created_before, limit):
        old = [k for k, row in self._s.send_requests.items() if row[0] < created_before][:limit]
        for k in old:
            del self._s.send_requests[k]
        return len(old)
