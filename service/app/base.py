"""What the account-scoped use cases share: their collaborators, and who is asking."""

from __future__ import annotations

from ..domain.clock import Clock
from .access.auth import Authenticator, Credentials
from .sending.policy import SendingPolicy
from .uow import UnitOfWorkFactory
from .access.rate_limits import Operation


class AccountUseCases:
    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator,
                 policy: SendingPolicy, clock: Clock, task_threshold: int = 1000) -> None:
        self._uow = uow_factory
        self._auth = auth
        self._policy = policy
        self._clock = clock
        self._threshold = task_threshold

    def _account(self, credentials: Credentials, operation: Operation) -> int:
        """The id of the account these credentials may act for (authenticated, allowed),
        once this request of class ``operation`` is within the account's rate limit."""
        with self._uow() as uow:
            return self._auth.admit(uow, credentials, operation).stored_id
