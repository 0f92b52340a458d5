"""Fakes of the mailing and background-task ports."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
import copy

from .book import _card
from .store import _Store, _next, _tracking


_UNSENT = ("QUEUED", "SCHEDULED")


class FakeMailingRepository:
    """The mailing store in memory (app/mailings/ports.py), over the same messages and
    contacts as the other fakes, with the SQL one's semantics."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def _messages(self, mailing_id, *statuses, submit_state=...):
        return [m for _, m in sorted(self._s.messages.items())
                if m.mailing_id == mailing_id
                and (not statuses or m.status.canonical_name in statuses)
                and (submit_state is ... or
                     _tracking(self._s, m.id)["submit_state"] == submit_state)]

    def add(self, mailing):
        mailing_id = _next(self._s, "mailings")
        self._s.mailings[mailing_id] = replace(copy.deepcopy(mailing), id=mailing_id)
        return mailing_id  # like SQL: ``mailing.id`` is left as it was

    def get(self, account_id, mailing_id, *, lock=False):
        m = self._s.mailings.get(mailing_id)
        return copy.deepcopy(m) if m is not None and m.account_id == account_id else None

    def update(self, mailing):
        stored = self._s.mailings.get(mailing.id)
        if stored is not None:
            stored.state, stored.started_at = mailing.state, mailing.started_at
            stored.recipients, stored.total_cost = mailing.recipients, mailing.total_cost

    def list(self, account_id, offset, limit):
        from service.app.results import Page
        own = [m for _, m in sorted(self._s.mailings.items(), reverse=True)
               if m.account_id == account_id]
        return Page(len(own), [copy.deepcopy(m) for m in own[offset:offset + limit]])

    def _group_cards(self, account_id, group_ids):
        wanted = set(group_ids)
        return [c for _, c in sorted(self._s.contacts.items()) if c.account_id == account_id
                and any((g, c.id) in self._s.members for g in wanted)]

    def group_contacts(self, account_id, group_ids):
        return [_card(self._s, c, with_groups=False)
                for c in self._group_cards(account_id, group_ids)]

    def stats(self, mailing_id):
        """Hot and archived messages, plus what retention purged (as SQL's mailing_purged_stats)."""
        out: dict[str, tuple[int, Decimal]] = {}
        for m in self._messages(mailing_id):
            count, cost = out.get(m.status.canonical_name, (0, Decimal("0")))
            out[m.status.canonical_name] = (count + 1, cost + m.cost)
        for (mailing, status), (purged, purged_cost) in self._s.retention.purged_stats.items():
            if mailing == mailing_id:
                count, cost = out.get(status, (0, Decimal("0")))
                out[status] = (count + purged, cost + purged_cost)
        return out

    def stop_unsent(self, mailing_id, now):
        from service.domain.status import MessageStatus
        stopped = self._messages(mailing_id, *_UNSENT, submit_state=None)
        for m in stopped:
            m.status, m.updated_at = MessageStatus.STOPPED, now
            _tracking(self._s, m.id).update(lease_owner=None, lease_until=None)
        return len(stopped)

    def stopped(self, mailing_id):
        return [m.id for m in self._messages(mailing_id, "STOPPED")]

    def requeue(self, rows, now):
        from service.domain.status import MessageStatus
        for message_id, status, at in rows:
            m = self._s.messages.get(message_id)
            if m is not None and m.status is MessageStatus.STOPPED:
                m.status, m.scheduled_at, m.updated_at = MessageStatus.from_name(status), at, now
                _tracking(self._s, m.id).update(lease_owner=None, lease_until=None)

    def unsent(self, mailing_id):
        return [m.id for m in self._messages(mailing_id, *_UNSENT, "STOPPED", submit_state=None)]

    def stage(self, mailing_id, account_id, group_ids, contact_ids, phones):
        taken = {phone for m, phone, _ in self._s.staged.values() if m == mailing_id}

        def put(phone, contact_id):
            if phone not in taken:  # like SQL's insert ... on conflict do nothing
                taken.add(phone)
                self._s.staged[_next(self._s, "staged")] = (mailing_id, phone, contact_id)

        for c in self._group_cards(account_id, group_ids) if group_ids else ():
            put(c.phone, c.id)
        wanted = set(contact_ids)
        for contact_id, c in sorted(self._s.contacts.items()):
            if contact_id in wanted and c.account_id == account_id:
                put(c.phone, contact_id)
        for phone in dict.fromkeys(phones):
            put(phone, None)

    def staged(self, mailing_id, after_id, limit):
        rows = [(i, phone, contact_id) for i, (m, phone, contact_id) in sorted(
            self._s.staged.items()) if m == mailing_id and i > after_id][:limit]
        return [(i, phone, _card(self._s, self._s.contacts[c], with_groups=False)
                 if c in self._s.contacts else None) for i, phone, c in rows]

    def clear_stage(self, mailing_id):
        self._s.staged = {i: row for i, row in self._s.staged.items() if row[0] != mailing_id}

    def release_held(self, mailing_id):
        for m in self._messages(mailing_id, submit_state="held"):
            _tracking(self._s, m.id)["submit_state"] = None

    def discard_held(self, mailing_id):
        for m in self._messages(mailing_id, submit_state="held"):
            del self._s.messages[m.id]
            self._s.tracking.pop(m.id, None)


class FakeTaskStore:
    def __init__(self, store: _Store) -> None:
        self._s = store

    @staticmethod
    def _record(t):
        from service.app.tasks.ports import TaskRecord
        return TaskRecord(**{k: v for k, v in t.items()
                             if k not in ("lease_owner", "lease_until", "errors")})

    def add(self, account_id, kind, payload, total, now):
        task_id = self._s.next_task
        self._s.next_task += 1
        self._s.tasks[task_id] = dict(
            id=task_id, account_id=account_id, kind=kind, payload=payload, checkpoint=None,
            state="queued", total=total, processed=0, result_code=None, message=None,
            created_at=now, finished_at=None, lease_owner=None, lease_until=None, errors=[])
        return task_id

    def get(self, account_id, task_id):
        t = self._s.tasks.get(task_id)
        return self._record(t) if t is not None and t["account_id"] == account_id else None

    def claim(self, owner, now, lease_until):
        for _, t in sorted(self._s.tasks.items()):
            if t["state"] in ("queued", "running") and (
                    t["lease_until"] is None or t["lease_until"] < now):
                claimed = self._record(t)  # like SQL: the row as it was found
                t.update(state="running", lease_owner=owner, lease_until=lease_until)
                return claimed
        return None

    def save(self, task_id, owner, checkpoint, processed, lease_until):
        t = self._s.tasks.get(task_id)
        if t is None or t["lease_owner"] != owner or t["state"] != "running":
            return False
        t.update(checkpoint=checkpoint, processed=processed, lease_until=lease_until)
        return True

    def add_errors(self, task_id, errors):
        from service.app.results import ItemResult
        self._s.tasks[task_id]["errors"].extend(
            ItemResult(e.index, e.code, None, (e.message or "")[:500] or None, e.field)
            for e in errors)

    def clear_errors(self, task_id):
        self._s.tasks[task_id]["errors"] = []

    def finish(self, task_id, state, result_code, message, now):
        self._s.tasks[task_id].update(state=state, result_code=result_code,
                                      message=(message or "")[:500] or None, finished_at=now,
                                      lease_owner=None, lease_until=None)

    def errors(self, task_id, offset, limit):
        from service.app.results import Page
        errors = self._s.tasks[task_id]["errors"]
        return Page(len(errors), errors[offset:offset + limit])
