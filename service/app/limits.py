"""Use case: limits on how often an account may repeat a request (smsc's error 9).

Counts live in the database, per account and minute, so they hold across every gunicorn
worker and every node.
"""

from __future__ import annotations

import hashlib

from ..domain.clock import Clock
from ..domain.errors import RateLimited
from .auth import Authenticator, Credentials
from .ports import UnitOfWorkFactory


NO_ACCOUNT = 0  # counters that belong to a client address, not to an account


def _key(what: str) -> str:
    return hashlib.sha256(what.encode()).hexdigest()


class IpBlocked(RateLimited):
    """Too many failed requests from this address: blocked for a while (smsc error 4)."""


class RequestLimits:
    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator, clock: Clock, *,
                 block_threshold: int = 10, block_window_seconds: int = 60,
                 block_seconds: int = 600) -> None:
        self._uow = uow_factory
        self._auth = auth
        self._clock = clock
        self._threshold = block_threshold
        self._window = block_window_seconds
        self._block = block_seconds

    def check_ip(self, ip: str | None) -> None:
        """Raise IpBlocked while this address serves a block for repeated errors."""
        if not ip or self._threshold <= 0:
            return
        with self._uow() as uow:
            since = uow.counters.latest_window(NO_ACCOUNT, _key(f"blocked|{ip}"))
        now = int(self._clock.now().timestamp())
        if since is not None and since + self._block > now:
            raise IpBlocked(f"{ip} is blocked after repeated errors",
                            retry_after=since + self._block - now)

    def failed(self, ip: str | None) -> None:
        """Count a failed request from ``ip``; enough of them within the window block it."""
        if not ip or self._threshold <= 0:
            return
        now = int(self._clock.now().timestamp())
        with self._uow(write=True) as uow:
            count = uow.counters.hit(NO_ACCOUNT, _key(f"errors|{ip}"), now // self._window)
            if count == self._threshold:
                uow.counters.hit(NO_ACCOUNT, _key(f"blocked|{ip}"), now)
            uow.commit()

    def check(self, credentials: Credentials, what: str, limit: int) -> None:
        """Count this request; raise RateLimited when it is more than ``limit`` this minute."""
        with self._uow() as uow:
            account = self._auth.authenticate(uow, credentials)
        key = _key(what)
        now = self._clock.now()
        with self._uow(write=True) as uow:
            count = uow.counters.hit(account.id, key, int(now.timestamp() // 60))
            uow.commit()
        if count > limit:
            raise RateLimited(f"more than {limit} such requests this minute",
                              retry_after=60 - int(now.timestamp()) % 60)
