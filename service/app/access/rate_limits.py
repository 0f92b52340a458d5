"""The one rate limiter: requests per account, operation class and minute, for every door.

Use cases name the class of what they do (send, query, manage) when they admit a request
(``Authenticator.admit``); counts live in ``request_counters`` in the database, so a limit
holds across every worker and node. The limit is the account's own (``rate_send`` ...) or
else the global default; 0 means no limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ...domain.account import Account
from ...domain.clock import Clock
from ...domain.errors import RateLimited
from ..uow import UnitOfWork, UnitOfWorkFactory


class Operation(str, Enum):
    """The class of a use case, for rate limits."""

    SEND = "send"        # anything that sends or starts sending (and spends money)
    QUERY = "query"      # reads: statuses, history, balance, lists, quotes
    MANAGE = "manage"    # changes to contacts, groups, mailings, blacklist

    @property
    def counter_key(self) -> str:
        return f"rate|{self.value}"


@dataclass(frozen=True)
class RatePolicy:
    """Requests per minute by class, where the account sets none; 0 means no limit."""

    send: int = 300
    query: int = 600
    manage: int = 300

    def limit(self, account: Account, operation: Operation) -> int:
        own: int | None = getattr(account.settings, f"rate_{operation.value}")
        default: int = getattr(self, operation.value)
        return own if own is not None else default


class RateLimiter:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 policy: RatePolicy = RatePolicy()) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.policy = policy

    def hit(self, account: Account, operation: Operation, weight: int = 1) -> None:
        """Count this request (``weight`` units of it: 1 for a request; an SMPP batch counts
        its segments) in a transaction of its own; raise RateLimited (code 30) above the limit
        for this minute."""
        if self.policy.limit(account, operation) <= 0:
            return
        with self._uow(write=True) as uow:
            error = self.count(uow, account, operation, weight)
            uow.commit()
        if error is not None:
            raise error

    def count(self, uow: UnitOfWork, account: Account, operation: Operation,
              weight: int = 1, unit: str = "requests") -> RateLimited | None:
        """Count ``weight`` units inside the caller's write transaction (the count stays when
        it commits); the RateLimited to answer when they went above this minute's limit, else
        None. Nothing is counted when the account has no limit."""
        limit = self.policy.limit(account, operation)
        if limit <= 0:
            return None
        now = self._clock.now().timestamp()
        count = uow.counters.hit(account.stored_id, operation.counter_key, int(now // 60), weight)
        if count <= limit:
            return None
        return RateLimited(f"more than {limit} {operation.value} {unit} this minute",
                           retry_after=max(1, 60 - int(now) % 60))
