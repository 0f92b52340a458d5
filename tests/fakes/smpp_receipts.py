"""The SMPP receipt outbox in memory (app/smpp/receipt_ports.py)."""

from __future__ import annotations

from service.app.smpp.receipt_ports import OwedReceipt

from .store import _Store, _next

_FIELDS = ("id", "account_id", "message_id", "source", "destination", "stat", "err",
           "message_state", "submitted_at", "done_at", "text", "attempts", "final")


class FakeSmppReceiptOutbox:
    """Rows in id order, leased like the SQL table's: due when the next attempt has come and no
    unexpired lease holds them; the fake's transactions are serial, so nothing is skipped."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def _rows(self):
        return [x for _, x in sorted(self._s.smpp_receipts.items())]

    @staticmethod
    def _is_due(x, account_ids, now):
        return (x["account_id"] in account_ids and x["next_attempt_at"] <= now
                and (x["lease_until"] is None or x["lease_until"] < now))

    def add(self, receipts, now):
        for r in receipts:
            receipt_id = _next(self._s, "smpp_receipts")
            self._s.smpp_receipts[receipt_id] = dict(
                id=receipt_id, account_id=r.account_id, message_id=r.message_id,
                source=r.source[:64], destination=r.destination[:64], stat=r.stat[:8],
                err=r.err[:3], message_state=r.message_state, submitted_at=r.submitted_at,
                done_at=r.done_at, text=r.text[:20], final=r.final, created_at=now,
                attempts=0, next_attempt_at=now, lease_owner=None, lease_until=None)

    def any_due(self, account_ids, now):
        wanted = set(account_ids)
        return any(self._is_due(x, wanted, now) for x in self._rows())

    def claim(self, account_ids, owner, now, lease_until, limit):
        wanted = set(account_ids)
        due = [x for x in self._rows() if self._is_due(x, wanted, now)][:max(0, limit)]
        for x in due:
            x.update(lease_owner=owner, lease_until=lease_until)
        return [OwedReceipt(**{k: x[k] for k in _FIELDS}) for x in due]

    def delete(self, receipt_ids):
        for receipt_id in receipt_ids:
            self._s.smpp_receipts.pop(receipt_id, None)

    def held_attempts(self, receipt_id, owner):
        x = self._s.smpp_receipts.get(receipt_id)
        return x["attempts"] if x is not None and x["lease_owner"] == owner else None

    def retry(self, receipt_id, owner, at):
        x = self._s.smpp_receipts.get(receipt_id)
        if x is not None and x["lease_owner"] == owner:
            x.update(attempts=x["attempts"] + 1, next_attempt_at=at, lease_owner=None,
                     lease_until=None)

    def release(self, owner):
        for x in self._rows():
            if x["lease_owner"] == owner:
                x.update(lease_owner=None, lease_until=None)

    def expire(self, created_before):
        old = [x["id"] for x in self._rows() if x["created_at"] < created_before]
        self.delete(old)
        return len(old)
