"""SMPP binds: who may bind, and how many sessions an account may hold at once.

A bind is authenticated by the one Authenticator (login guard, the same cost for an unknown
login, blocking, the IP allowlist) against the account's SMPP password, then registered in the
session registry that every node shares. A server heartbeats its sessions every
``heartbeat_seconds``; a session not seen for ``stale_seconds`` (its node died) stops counting
against the limit, so a crashed node never locks its accounts out for longer than that.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Sequence

from ...domain.clock import Clock
from ...domain.errors import TooManyBinds
from ..access.auth import Authenticator
from ..uow import UnitOfWorkFactory

MAX_NODE = 64  # the column's length
MAX_IP = 64


class BindType(str, Enum):
    """The three SMPP 3.4 binds."""

    TRANSMITTER = "tx"
    RECEIVER = "rx"
    TRANSCEIVER = "trx"

    @property
    def receives(self) -> bool:
        """Receipts (deliver_sm) may be sent to this session."""
        return self is not BindType.TRANSMITTER

    @property
    def transmits(self) -> bool:
        """This session may submit messages."""
        return self is not BindType.RECEIVER


@dataclass(frozen=True)
class BoundSession:
    """A session that bound: its registry id, and for whom it acts."""

    session_id: int
    account_id: int
    login: str
    bind_type: BindType


class SmppBinds:
    """Binds, heartbeats and unbinds of SMPP sessions, for every node of the gateway.

    ``max_binds`` is the gateway's default limit (SMSGW_SMPP_SERVER_MAX_BINDS) for accounts
    without their own. A server calls ``heartbeat`` with its sessions every
    ``heartbeat_seconds``; sessions unseen for ``stale_seconds`` stop counting, and rows unseen
    for ``purge_seconds`` are deleted by a later heartbeat.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator, clock: Clock, *,
                 max_binds: int = 8, heartbeat_seconds: float = 15.0,
                 stale_seconds: float = 60.0, purge_seconds: float = 3600.0) -> None:
        if max_binds < 1:
            raise ValueError("max_binds must be at least 1")
        if not 0 < heartbeat_seconds < stale_seconds <= purge_seconds:
            raise ValueError("expected 0 < heartbeat_seconds < stale_seconds <= purge_seconds")
        self._uow = uow_factory
        self._auth = auth
        self._clock = clock
        self.max_binds = max_binds
        self.heartbeat_seconds = heartbeat_seconds
        self.stale_seconds = stale_seconds
        self._purge_after = timedelta(seconds=purge_seconds)
        self._last_purge: float | None = None

    def bind(self, login: str, password: str, ip: str | None, bind_type: BindType,
             node: str) -> BoundSession:
        """Authenticate a bind and register its session on ``node``.

        Raises AuthenticationFailed for an unknown login, a wrong password and an account
        without an SMPP password alike (TooManyAttempts while the login guard holds a lock,
        IpNotAllowed outside the allowlist), AccountBlocked, and TooManyBinds when the account
        already holds its limit of live sessions across all nodes.
        """
        if not node or len(node) > MAX_NODE:
            raise ValueError(f"a node name is 1 to {MAX_NODE} characters")
        with self._uow() as uow:
            account = self._auth.authenticate_smpp(uow, login, password, ip)
        own = account.settings.smpp_max_binds
        limit = self.max_binds if own is None else own
        now = self._clock.now()
        with self._uow(write=True) as uow:
            session_id = uow.smpp_sessions.open(
                account.stored_id, node, bind_type.value, ip[:MAX_IP] if ip else None, now,
                limit, now - timedelta(seconds=self.stale_seconds))
            if session_id is None:
                raise TooManyBinds(limit)
            uow.commit()
        return BoundSession(session_id, account.stored_id, account.login, bind_type)

    def heartbeat(self, session_ids: Sequence[int]) -> None:
        """These sessions are still bound: they keep counting against their accounts' limits
        (and count again if they had gone stale). Call it every ``heartbeat_seconds``."""
        if session_ids:
            with self._uow(write=True) as uow:
                uow.smpp_sessions.seen(session_ids, self._clock.now())
                uow.commit()
        self._purge_now_and_then()

    def unbind(self, session_id: int) -> None:
        """The session ended (unbind, closed connection, shutdown): it no longer counts."""
        with self._uow(write=True) as uow:
            uow.smpp_sessions.close(session_id)
            uow.commit()

    def release_node(self, node: str) -> int:
        """Forget every session registered under ``node``: a server calls it as it starts,
        before it accepts binds, so that what a crashed predecessor of the same name left
        stops counting at once. Node names must be unique among running servers."""
        with self._uow(write=True) as uow:
            count = uow.smpp_sessions.close_node(node)
            uow.commit()
        return count

    def account_active(self, account_id: int) -> bool:
        """The account still exists, is not blocked and still has an SMPP password (removing
        it is how an operator revokes SMPP access): a bound session re-checks this now and
        then, and unbinds when it no longer holds."""
        with self._uow() as uow:
            account = uow.accounts.get(account_id)
        return account is not None and not account.blocked and bool(account.smpp_password_hash)

    def _purge_now_and_then(self) -> None:
        # Unbinds delete their rows; only sessions of crashed nodes with new names stay behind.
        started = time.monotonic()
        if self._last_purge is not None and started - self._last_purge < self.stale_seconds:
            return
        self._last_purge = started
        with self._uow(write=True) as uow:
            uow.smpp_sessions.purge(self._clock.now() - self._purge_after)
            uow.commit()
