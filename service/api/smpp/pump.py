"""The outbox pump: owed deliver_sm (receipts and inbound messages, app/smpp/outbox_ports.py)
from the durable SMPP outbox to the accounts' receiving sessions. Both kinds travel the same
way; only the PDU differs (``operations.deliver_pdu``).

Every poll (or at once after a bind), for each account with a receiving session (RX or TRX)
on this process, it claims as many rows as that account's sessions have free window,
oldest first, under the lease owner ``<node>:<pid>:<account>``, and sends each as a
deliver_sm. A deliver_sm_resp OK makes it ``delivered`` (in batches); an error status or no
answer within the response timeout makes it ``failed`` (retried later by the queue). When a
session closes, its unanswered rows go to another receiving session of that account, or,
when none is left, back to the queue (``release``), so a reconnect gets them at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from typing import TYPE_CHECKING

from ...app.smpp.outbox_ports import OwedDeliver

if TYPE_CHECKING:
    from .server import SmppServer
    from .session import Session

log = logging.getLogger(__name__)


class OutboxPump:
    def __init__(self, server: "SmppServer", owner_prefix: str, poll_seconds: float) -> None:
        self.server = server
        self.owner_prefix = owner_prefix
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._backlog: dict[int, deque[OwedDeliver]] = defaultdict(deque)
        self._delivered: list[int] = []
        self._failed: list[tuple[int, int]] = []          # (row id, account id)
        self._leased: set[int] = set()                    # accounts we hold a lease for
        self.sent = 0

    def owner(self, account_id: int) -> str:
        return f"{self.owner_prefix}:{account_id}"

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            except asyncio.TimeoutError:  # nobody woke us: poll anyway (other nodes)
                pass
            self._wake.clear()
            if self._stopping:
                break
            try:
                await self._tick()
            except Exception:  # the database may be away for a while: try again next poll
                log.exception("the SMPP outbox pump failed; retrying")

    async def stop(self) -> None:
        """Record what was answered and give every lease back (the sessions are closed)."""
        self._stopping = True
        self._wake.set()
        await self._flush()
        for account_id in list(self._leased):
            await self._release(account_id)

    # -- the sessions' side --------------------------------------------------------------------

    def answered(self, session: "Session", owed: OwedDeliver, ok: bool) -> None:
        if ok:
            self._delivered.append(owed.id)
        else:
            self._failed.append((owed.id, owed.account_id))
        self._wake.set()

    def returned(self, account_id: int, owed: list[OwedDeliver]) -> None:
        """A closed session's unanswered deliver_sm: sent again elsewhere, or released."""
        if owed:
            self._backlog[account_id].extendleft(reversed(owed))
            self._wake.set()

    # -- one round -----------------------------------------------------------------------------

    async def _tick(self) -> None:
        await self._flush()
        by_account: dict[int, list["Session"]] = defaultdict(list)
        for session in self.server.sessions:
            if session.receives and session.bound is not None:
                by_account[session.bound.account_id].append(session)
        for account_id in set(self._backlog) | self._leased:
            if account_id not in by_account:
                await self._release(account_id)
        for account_id, sessions in by_account.items():
            backlog = self._backlog[account_id]
            free = sum(s.free_window for s in sessions) - len(backlog)
            claimed: list[OwedDeliver] = []
            if free > 0:
                self._leased.add(account_id)  # before the claim: a stop during it releases too
                claimed = await self.server.blocking(
                    self.server.services.outbox.claim, [account_id],
                    self.owner(account_id), free)
                backlog.extend(claimed)
            self._send(account_id, backlog)
            if not backlog:
                del self._backlog[account_id]
            if free > 0 and len(claimed) >= free:
                self._wake.set()  # there may be more waiting: do not wait for the poll

    def _send(self, account_id: int, backlog: deque[OwedDeliver]) -> None:
        while backlog:
            sessions = [s for s in self.server.sessions
                        if s.receives and s.bound is not None and s.bound.account_id == account_id]
            best = max(sessions, key=lambda s: s.free_window, default=None)
            if best is None or best.free_window == 0:
                return
            best.send_owed(backlog.popleft())
            self.sent += 1

    async def _flush(self) -> None:
        outbox = self.server.services.outbox
        delivered, self._delivered = self._delivered, []
        if delivered:
            try:
                await self.server.blocking(outbox.delivered, delivered)
            except BaseException:
                self._delivered[:0] = delivered  # recorded on the next round, never re-sent
                raise
        while self._failed:
            row_id, account_id = self._failed[0]
            await self.server.blocking(outbox.failed, row_id, self.owner(account_id))
            self._failed.pop(0)

    async def _release(self, account_id: int) -> None:
        await self._flush()  # an answered row must never be released and sent again
        self._backlog.pop(account_id, None)
        self._leased.discard(account_id)
        await self.server.blocking(self.server.services.outbox.release, self.owner(account_id))
