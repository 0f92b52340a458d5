"""The SMPP 3.4 server: one asyncio event loop per process, plain TCP and optional TLS.

``SmppServer`` holds the sessions, the group committer, the outbox pump (receipts and inbound
messages), the thread pool for blocking use cases, the bind-flood guard (at most
``max_unbound_per_ip`` connections per address that have not bound yet; more are closed at
once) and the heartbeat that keeps this
node's sessions counted by the per-account bind limit. ``shutdown`` unbinds every session,
answers every submit_sm whose commit is in flight, gives the outbox leases back and stops.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Protocol, TypeVar

from ...app.sending.submit import Submission, Submitted
from ...app.smpp.binds import BindType, BoundSession
from ...app.smpp.outbox_ports import OwedDeliver
from ...domain.message import Message
from .committer import GroupCommitter
from .pump import OutboxPump
from .session import Session, State

log = logging.getLogger(__name__)
T = TypeVar("T")


class Binds(Protocol):
    def bind(self, login: str, password: str, ip: str | None, bind_type: BindType,
             node: str) -> BoundSession: ...
    def heartbeat(self, session_ids: Sequence[int]) -> None: ...
    def unbind(self, session_id: int) -> None: ...
    def account_active(self, account_id: int) -> bool: ...


class Outbox(Protocol):
    def claim(self, account_ids: Sequence[int], owner: str, limit: int) -> list[OwedDeliver]: ...
    def delivered(self, row_ids: Sequence[int]) -> None: ...
    def failed(self, row_id: int, owner: str) -> None: ...
    def release(self, owner: str) -> None: ...


class Submits(Protocol):
    def submit_many(self, batch: Sequence[Submission]) -> list[Submitted]: ...
    def find(self, account_id: int, message_id: int) -> Message | None: ...


class Cancels(Protocol):
    def cancel(self, account_id: int, message_id: int) -> Any: ...


@dataclass
class SmppServices:
    """The use cases the door calls (SmppBinds, SmppOutboxQueue, SubmitService,
    CancelService) and the clock SMPP's relative times count from."""

    binds: Binds
    outbox: Outbox     # receipts and inbound messages owed as deliver_sm
    submit: Submits
    cancel: Cancels
    now: Callable[[], datetime]


@dataclass(frozen=True)
class ServerOptions:
    window: int = 10
    max_pending: int = 5000
    enquire_link_seconds: float = 30
    bind_timeout_seconds: float = 30
    response_timeout_seconds: float = 30
    idle_timeout_seconds: float = 0
    max_unbound_per_ip: int = 10
    batch_wait_ms: float = 2
    heartbeat_seconds: float = 15
    receipt_poll_seconds: float = 0.2
    threads: int = 8
    system_id: str = "smsgw"
    node: str = field(default_factory=socket.gethostname)


class SmppServer:
    def __init__(self, services: SmppServices, options: ServerOptions,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.services, self.options = services, options
        self.loop = loop or asyncio.get_event_loop()
        self.sessions: set[Session] = set()
        self.unbound_by_ip: Counter[str | None] = Counter()
        self.committer = GroupCommitter(services.submit, self.loop,
                                        max_pending=options.max_pending,
                                        batch_wait=options.batch_wait_ms / 1000)
        self.pump = OutboxPump(self, f"{options.node}:{os.getpid()}",
                                options.receipt_poll_seconds)
        self._executor = ThreadPoolExecutor(options.threads, thread_name_prefix="smpp-uc")
        self._servers: list[asyncio.AbstractServer] = []
        self._tasks: set[asyncio.Future[Any]] = set()
        self._background: list[asyncio.Task[None]] = []
        self._numbers = iter(range(1, 1 << 62))
        self._all_closed = asyncio.Event()
        self._stopping = False

    # -- starting and stopping ------------------------------------------------------------------

    async def start(self, listeners: Sequence[tuple[socket.socket, ssl.SSLContext | None]]
                    ) -> list[tuple[str, int]]:
        """Serve on these listening sockets; the addresses they serve on."""
        self.committer.start()
        for sock, context in listeners:
            self._servers.append(await self.loop.create_server(
                lambda: Session(self, next(self._numbers)), sock=sock, ssl=context,
                ssl_handshake_timeout=self.options.bind_timeout_seconds if context else None,
                backlog=1024))
        self._background.append(self.loop.create_task(self.pump.run()))
        self._background.append(self.loop.create_task(self._heartbeat()))
        return [s.sockets[0].getsockname()[:2] for s in self._servers]

    async def shutdown(self, grace_seconds: float = 5.0) -> None:
        """Stop accepting, unbind every session, answer the commits in flight, release the
        outbox leases, and stop the threads."""
        self._stopping = True
        for server in self._servers:
            server.close()
        for session in list(self.sessions):
            session.begin_unbind("the server is stopping")
        await self.blocking(self.committer.stop)
        await asyncio.sleep(0)  # the committer's last answers were queued before it ended
        if self.sessions:
            try:
                await asyncio.wait_for(self._all_closed.wait(), grace_seconds)
            except asyncio.TimeoutError:  # grace is over: close what is left below
                pass
        for session in list(self.sessions):
            if session.transport is not None:
                session.transport.abort()
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=grace_seconds)
        await self.pump.stop()
        for server in self._servers:
            await server.wait_closed()
        self._executor.shutdown(wait=True)

    # -- the sessions' side ---------------------------------------------------------------------

    def blocking(self, fn: Callable[..., T], *args: Any) -> "asyncio.Future[T]":
        """Run a blocking use case in the pool; the session awaits the result."""
        return self.loop.run_in_executor(self._executor, partial(fn, *args))

    def track(self, task: "asyncio.Future[Any]") -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def session_opened(self, session: Session) -> bool:
        """False: refuse this connection (the server stops, or its address has too many
        connections that have not bound yet)."""
        if self._stopping:
            return False
        if self.unbound_by_ip[session.ip] >= self.options.max_unbound_per_ip:
            log.warning("smpp: refusing a connection from %s: %d connections that have not "
                        "bound yet", session.ip, self.unbound_by_ip[session.ip])
            return False
        self.unbound_by_ip[session.ip] += 1
        session.counted_unbound = True
        self.sessions.add(session)
        self._all_closed.clear()
        return True

    def session_bound(self, session: Session) -> None:
        self._uncount(session)
        self.pump.wake()

    def session_closed(self, session: Session, owed: list[OwedDeliver]) -> None:
        self._uncount(session)
        self.sessions.discard(session)
        if not self.sessions:
            self._all_closed.set()
        if session.bound is not None:
            self.pump.returned(session.bound.account_id, owed)
            self.release_binding(session.bound)

    def release_binding(self, bound: BoundSession) -> None:
        self.track(self.blocking(self._unbind_quietly, bound.session_id))

    def _unbind_quietly(self, session_id: int) -> None:
        try:
            self.services.binds.unbind(session_id)
        except Exception:  # the heartbeat stops; the registry forgets stale sessions itself
            log.exception("smpp: recording the end of session %d failed", session_id)

    def _uncount(self, session: Session) -> None:
        if session.counted_unbound:
            session.counted_unbound = False
            self.unbound_by_ip[session.ip] -= 1
            if self.unbound_by_ip[session.ip] <= 0:
                del self.unbound_by_ip[session.ip]

    # -- the heartbeat --------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.options.heartbeat_seconds)  # a period, not a wait for an event
            bound = [s for s in self.sessions if s.bound is not None and s.state is State.BOUND]
            try:
                await self.blocking(self.services.binds.heartbeat,
                                    [s.bound.session_id for s in bound if s.bound])
                for account_id in {s.bound.account_id for s in bound if s.bound}:
                    if not await self.blocking(self.services.binds.account_active, account_id):
                        for s in bound:
                            if s.bound and s.bound.account_id == account_id:
                                s.begin_unbind("the account is blocked")
            except Exception:
                log.exception("smpp: the session heartbeat failed; retrying")


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """A server context for PEM files: TLS 1.2 or newer, the ssl module's default ciphers."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context
