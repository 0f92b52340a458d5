"""Fake of the inbox reader (app/inbound/inbox_ports.py), over the store's inbound messages."""

from __future__ import annotations

from service.app.results import Page

from .store import _Store


class FakeInboxReader:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def _matching(self, account_id, flt):
        out = []
        for message_id in sorted(self._s.inbound_messages):
            m = self._s.inbound_messages[message_id]
            if m.account_id != account_id:
                continue
            if flt.after_id is not None and m.id <= flt.after_id:
                continue
            if flt.since is not None and m.received_at < flt.since:
                continue
            if flt.numbers and m.destination not in flt.numbers:
                continue
            out.append(m)
        return out

    def page(self, account_id, flt, offset, limit):
        found = self._matching(account_id, flt)
        return Page(len(found), found[offset:offset + limit])

    def answers(self, account_id, flt, limit):
        return self._matching(account_id, flt)[:limit]
