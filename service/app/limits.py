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


class RequestLimits:
    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator, clock: Clock) -> None:
        self._uow = uow_factory
        self._auth = auth
        self._clock = clock

    def check(self, credentials: Credentials, what: str, limit: int) -> None:
        """Count this request; raise RateLimited when it is more than ``limit`` this minute."""
        with self._uow() as uow:
            account = self._auth.authenticate(uow, credentials)
        key = hashlib.sha256(what.encode()).hexdigest()
        now = self._clock.now()
        with self._uow(write=True) as uow:
            count = uow.counters.hit(account.id, key, int(now.timestamp() // 60))
            uow.commit()
        if count > limit:
            raise RateLimited(f"more than {limit} such requests this minute",
                              retry_after=60 - int(now.timestamp()) % 60)
