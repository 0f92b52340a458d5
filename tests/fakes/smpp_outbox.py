"""The SMPP outbox in memory (app/smpp/outbox_ports.py): receipts and inbound messages."""

from __future__ import annotations

from service.app.smpp.outbox_ports import NewReceipt, OwedInbound, OwedReceipt

from .store import _Store, _next

_RECEIPT_FIELDS = ("id", "account_id", "message_id", "source", "destination", "stat", "err",
                   "message_state", "submitted_at", "done_at", "text", "attempts", "final")
_INBOUND_FIELDS = ("id", "account_id", "inbound_id", "source", "destination", "text",
                   "attempts")


class FakeSmppOutbox:
    """Rows in id order, leased like the SQL table's: due when the next attempt has come and no
    unexpired lease holds them; the fake's transactions are serial, so nothing is skipped."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def _rows(self):
        return [x for _, x in sorted(self._s.smpp_outbox.items())]

    @staticmethod
    def _is_due(x, account_ids, now):
        return (x["account_id"] in account_ids and x["next_attempt_at"] <= now
                and (x["lease_until"] is None or x["lease_until"] < now))

    def add(self, items, now):
        for r in items:
            row_id = _next(self._s, "smpp_outbox")
            common = dict(id=row_id, account_id=r.account_id, source=r.source[:64],
                          destination=r.destination[:64], created_at=now, attempts=0,
                          next_attempt_at=now, lease_owner=None, lease_until=None)
            if isinstance(r, NewReceipt):
                row = dict(common, kind="receipt", message_id=r.message_id, inbound_id=None,
                           stat=r.stat[:8], err=r.err[:3], message_state=r.message_state,
                           submitted_at=r.submitted_at, done_at=r.done_at, text=r.text[:20],
                           final=r.final)
            else:
                row = dict(common, kind="inbound", message_id=None, inbound_id=r.inbound_id,
                           stat=None, err=None, message_state=None, submitted_at=None,
                           done_at=None, text=r.text, final=None)
            self._s.smpp_outbox[row_id] = row

    def any_due(self, account_ids, now):
        wanted = set(account_ids)
        return any(self._is_due(x, wanted, now) for x in self._rows())

    def claim(self, account_ids, owner, now, lease_until, limit):
        wanted = set(account_ids)
        due = [x for x in self._rows() if self._is_due(x, wanted, now)][:max(0, limit)]
        for x in due:
            x.update(lease_owner=owner, lease_until=lease_until)
        return [OwedInbound(**{k: x[k] for k in _INBOUND_FIELDS}) if x["kind"] == "inbound"
                else OwedReceipt(**{k: x[k] for k in _RECEIPT_FIELDS}) for x in due]

    def delete(self, ids):
        for row_id in ids:
            self._s.smpp_outbox.pop(row_id, None)

    def held_attempts(self, row_id, owner):
        x = self._s.smpp_outbox.get(row_id)
        return x["attempts"] if x is not None and x["lease_owner"] == owner else None

    def retry(self, row_id, owner, at):
        x = self._s.smpp_outbox.get(row_id)
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
