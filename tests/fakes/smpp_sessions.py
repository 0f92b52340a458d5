"""Fake of the SMPP session registry (app/smpp/session_ports.py)."""

from __future__ import annotations

from .store import _Store, _next


class FakeSmppSessions:
    """Sessions as dicts in the store; single-threaded, so ``open`` is trivially atomic."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def open(self, account_id, node, bind_type, ip, now, limit, stale_before):
        if self.live(account_id, stale_before) >= limit:
            return None
        session_id = _next(self._s, "smpp_sessions")
        self._s.smpp_sessions[session_id] = dict(
            account_id=account_id, node=node, bind_type=bind_type, ip=ip, bound_at=now,
            seen_at=now)
        return session_id

    def seen(self, session_ids, now):
        for session_id in session_ids:
            if session_id in self._s.smpp_sessions:
                self._s.smpp_sessions[session_id]["seen_at"] = now

    def close(self, session_id):
        self._s.smpp_sessions.pop(session_id, None)

    def close_node(self, node):
        return self._drop(lambda row: row["node"] == node)

    def purge(self, stale_before):
        return self._drop(lambda row: row["seen_at"] < stale_before)

    def live(self, account_id, stale_before):
        return sum(1 for row in self._s.smpp_sessions.values()
                   if row["account_id"] == account_id and row["seen_at"] >= stale_before)

    def _drop(self, doomed) -> int:
        ids = [i for i, row in self._s.smpp_sessions.items() if doomed(row)]
        for session_id in ids:
            del self._s.smpp_sessions[session_id]
        return len(ids)
