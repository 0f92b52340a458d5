"""Authentication, shared by every front door.

Verifying a password costs a deliberately slow scrypt hash, so a success is remembered
in-process: the cache maps (login, keyed digest of the password) to the stored hash that it
matched. The account row is still read on every request, so a blocked flag, an IP allowlist or
a changed password take effect at once: a cache entry only counts while the stored hash is the
one it was verified against. Plain passwords are never kept.

An unknown login, and one that could never exist, costs a scrypt verification against a dummy
hash, so that answers take as long as for a wrong password and do not reveal which logins
exist. Every attempt passes the login guard (brute-force locks shared through the database),
and ``admit`` adds the rate limit of the use case's operation class.

SMPP binds (``authenticate_smpp``) take the same path against the account's SMPP password,
which is a separate hash (SMPP 3.4 passwords are at most 8 characters).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from ...domain.account import Account
from ...domain.api_keys import matches, prefix_of
from ...domain.errors import AuthenticationFailed
from ...domain.logins import could_be_stored
from ...domain.passwords import verify_dummy, verify_password
from .login_guard import LoginGuard, Standing
from ..uow import UnitOfWork
from .rate_limits import Operation, RateLimiter


@dataclass(frozen=True)
class Credentials:
    """What a client presented, and from where. ``ip`` is the client address as seen by us."""

    login: str | None
    password: str | None
    ip: str | None = None
    api_key: str | None = None


_NO_STANDING = Standing((), False)


class Authenticator:
    """Turns credentials into an account that may act now, or raises a domain error."""

    def __init__(self, ttl_seconds: float = 300.0, max_entries: int = 10_000, *,
                 guard: LoginGuard | None = None, limiter: RateLimiter | None = None) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._key = os.urandom(32)
        self._verified: OrderedDict[tuple[str, str, bytes], tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()
        self.guard = guard
        self._limiter = limiter

    def admit(self, uow: UnitOfWork, credentials: Credentials, operation: Operation) -> Account:
        """``authenticate``, then count the request against the account's rate for
        ``operation``: raises RateLimited above it."""
        account = self.authenticate(uow, credentials)
        if self._limiter is not None:
            self._limiter.hit(account, operation)
        return account

    def authenticate(self, uow: UnitOfWork, credentials: Credentials) -> Account:
        """The account these credentials name, checked for blocking and the IP allowlist.

        An API key works on its own (``api_key``) or in place of the password; with a login
        beside it, the key must belong to that login. Raises TooManyAttempts while the login
        guard holds a lock on this login or address, even for the right password.
        """
        ip = credentials.ip
        key = credentials.api_key or (credentials.password
                                      if prefix_of(credentials.password or "") else None)
        if key:
            self._check(uow, None, ip)
            account = self._by_key(uow, key)
            if account is not None and credentials.login in (None, "", account.login):
                account.check_access(ip)
                return account
            if credentials.api_key or not credentials.login:
                self._failed(None, ip)
                raise AuthenticationFailed("invalid API key")
        login, password = credentials.login, credentials.password
        if not login or password is None:
            raise AuthenticationFailed("credentials are required", missing=True)
        return self._by_password(uow, login, password, ip, _WEB)

    def authenticate_smpp(self, uow: UnitOfWork, login: str, password: str,
                          ip: str | None) -> Account:
        """The account an SMPP bind names (``system_id``, ``password``), checked exactly as
        ``authenticate`` checks a login and password (login guard, the same cost for an unknown
        login, blocking, the IP allowlist), but against the account's SMPP password. An account
        without one fails as a wrong password does, in the same time."""
        return self._by_password(uow, login, password, ip, _SMPP)

    def _by_password(self, uow: UnitOfWork, login: str, password: str, ip: str | None,
                     kind: "_Kind") -> Account:
        counted = login if could_be_stored(login) else None
        standing = self._check(uow, counted, ip)
        account = uow.accounts.get_by_login(counted) if counted is not None else None
        stored = kind.hash_of(account) if account is not None else None
        if stored is None:
            verify_dummy(password)
        if account is None or stored is None or not self._password_ok(kind, account.login,
                                                                      stored, password):
            self._failed(counted, ip)
            raise AuthenticationFailed()
        if self.guard is not None:
            self.guard.succeeded(standing, login, ip)
        account.check_access(ip)
        return account

    def _check(self, uow: UnitOfWork, login: str | None, ip: str | None) -> Standing:
        return self.guard.check(uow, login, ip) if self.guard is not None else _NO_STANDING

    def _failed(self, login: str | None, ip: str | None) -> None:
        if self.guard is not None:
            self.guard.failed(login, ip)

    @staticmethod
    def _by_key(uow: UnitOfWork, key: str) -> Account | None:
        prefix = prefix_of(key)
        if prefix is None:
            return None
        for stored in uow.api_keys.by_prefix(prefix):
            if matches(key, stored.key_hash):
                return uow.accounts.get(stored.account_id)
        return None

    def _password_ok(self, kind: "_Kind", login: str, stored: str, password: str) -> bool:
        key = (kind.name, login, hmac.new(self._key, password.encode("utf-8", "surrogatepass"),
                                          hashlib.sha256).digest())
        now = time.monotonic()
        with self._lock:
            hit = self._verified.get(key)
        if hit is not None and hit[0] == stored and hit[1] > now:
            return True
        if not verify_password(password, stored):
            return False
        with self._lock:
            self._verified[key] = (stored, now + self._ttl)
            self._verified.move_to_end(key)
            while len(self._verified) > self._max:
                self._verified.popitem(last=False)
        return True


@dataclass(frozen=True)
class _Kind:
    """Which of an account's passwords a check compares with; its name keeps the two kinds'
    cache entries apart."""

    name: str
    hash_of: Callable[[Account], str | None]


_WEB = _Kind("web", lambda account: account.password_hash)
_SMPP = _Kind("smpp", lambda account: account.smpp_password_hash)
