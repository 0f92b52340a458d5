"""What SMPP binds need from the store: the registry of bound sessions, shared by every node.

A session counts against its account's bind limit while it is *live*: seen (opened or
heartbeated) at or after ``stale_before``. A node that dies stops heartbeating, so its sessions
stop counting on their own, without anyone cleaning up after it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, Sequence


class SmppSessions(Protocol):
    """The bound SMPP sessions of every node (table ``smpp_sessions``)."""

    def open(self, account_id: int, node: str, bind_type: str, ip: str | None, now: datetime,
             limit: int, stale_before: datetime) -> int | None:
        """Register a session and return its id, unless the account already has ``limit`` live
        sessions: then None, and nothing is written. Atomic across processes and nodes: two
        opens for one account never both see the same count (the account's row is locked, or
        the store's write lock serialises them); call it in a write unit of work."""

    def seen(self, session_ids: Sequence[int], now: datetime) -> None:
        """These sessions are still bound at ``now``: they count again if they had gone stale.
        Ids that are not registered (closed, purged) are ignored."""

    def close(self, session_id: int) -> None:
        """The session ended: it no longer counts. Closing an unknown id does nothing."""

    def close_node(self, node: str) -> int:
        """Every session registered by ``node`` ended (the node restarted); how many."""

    def purge(self, stale_before: datetime) -> int:
        """Forget sessions last seen before ``stale_before``; how many went."""

    def live(self, account_id: int, stale_before: datetime) -> int:
        """How many of the account's sessions count now."""
