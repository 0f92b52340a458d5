"""Use case: smsc's documented limits on repeating a request (smsc's error 9).

Identical sends, cost and status requests and balance requests are counted per account and
minute in the database, so they hold across every gunicorn worker and every node. They apply
on top of the rate limits every door has (app/access/rate_limits.py); failed requests and logins are
the login guard's business (app/access/login_guard.py).
"""

from __future__ import annotations

import hashlib

from ...domain.clock import Clock
from ...domain.errors import RateLimited
from .auth import Authenticator, Credentials
from ..uow import UnitOfWorkFactory


def _key(what: str) -> str:
    return hashlib.sha256(what.encode("utf-8", "surrogatepass")).hexdigest()


class RequestLimits:
    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator, clock: Clock) -> None:
        self._uow = uow_factory
        self._auth = auth
        self._clock = clock

    def check(self, credentials: Credentials, what: str, limit: int) -> None:
        """Count this request; raise RateLimited when it is more than ``limit`` this minute."""
        with self._uow() as uow:
            account = self._auth.authenticate(uow, credentials)
        key = _key(what)
        now = self._clock.now()
        with self._uow(write=True) as uow:
            count = uow.counters.hit(account.stored_id, key, int(now.timestamp() // 60))
            uow.commit()
        if count > limit:
            raise RateLimited(f"more than {limit} such requests this minute",
                              retry_after=60 - int(now.timestamp()) % 60)
