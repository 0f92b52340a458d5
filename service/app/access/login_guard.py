"""The brute-force guard every door shares, through the Authenticator.

Failed logins are counted in the database (so all nodes see them) on three rows:

- the pair (login, address): a guesser at one address is refused after ``max_failures``;
- the address (``''``, address): a busy address guessing many logins is refused too;
- the login (login, ``''``): guessing one login from many addresses is refused as well,
  except at addresses where that login recently signed in (they are *trusted*), so an
  attacker elsewhere cannot lock the owner out. The same exemption covers the address lock,
  so a user behind a guesser's NAT keeps working.

Each lock starts at ``block_seconds`` and doubles with every repeat (strike) up to
``max_block_seconds``; strikes are forgotten after a quiet ``max_block_seconds``. While a
lock holds, attempts are refused without checking the password and are not counted. Unknown
logins are counted exactly like known ones; a login that can never exist (see
domain/logins.py) is counted on its address only. Cost: one read per login; a write only
after a failure, or when a login succeeds while failures are on record.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from typing import Sequence

from ...domain.clock import Clock
from ...domain.errors import TooManyAttempts
from ..uow import UnitOfWork, UnitOfWorkFactory
from .ports import FailureRecord
from ...domain.backoff import backoff

NO_ADDRESS = "-"   # the address key of a request whose client address is unknown
ANY = ""           # the login, or the address, of a login-wide or address-wide row


def address_key(address: str | None) -> str:
    """The address as the guard stores it: a normalised IP, or for anything else (a forged
    forwarding header, say) a bounded digest of it."""
    if not address:
        return NO_ADDRESS
    try:
        return str(ipaddress.ip_address(address))[:64]
    except ValueError:
        return "?" + hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True)
class GuardPolicy:
    max_failures: int = 5              # per (login, address) in a window; 0 turns it off
    address_max_failures: int = 30     # per address, whatever the login
    login_max_failures: int = 100      # per login, whatever the address
    window_seconds: int = 900
    block_seconds: int = 60            # the first lock; each repeat doubles it
    max_block_seconds: int = 86400
    trust_seconds: int = 30 * 86400    # how long a successful sign-in exempts its address

    def block_for(self, strikes: int) -> int:
        return backoff(strikes + 1, self.block_seconds, self.max_block_seconds)


@dataclass(frozen=True)
class Standing:
    """What the one read found for a login attempt: the rows, and whether the pair is trusted."""

    rows: tuple[FailureRecord, ...]
    trusted: bool


@dataclass(frozen=True)
class Block:
    login: str
    address: str
    failures: int
    strikes: int
    blocked_until: int | None


class LoginGuard:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 policy: GuardPolicy = GuardPolicy()) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.policy = policy

    def _now(self) -> int:
        return int(self._clock.now().timestamp())

    def check(self, uow: UnitOfWork, login: str | None, address: str | None) -> Standing:
        """Raise TooManyAttempts while a lock covers this attempt. One read."""
        address = address_key(address)
        rows = tuple(uow.login_failures.standing(login, address))
        if not rows:
            return Standing((), False)
        now = self._now()
        pair = _find(rows, login, address)
        trusted = bool(pair and pair.last_success
                       and pair.last_success > now - self.policy.trust_seconds)
        waits = [r.blocked_until - now for r in rows
                 if r.blocked_until and r.blocked_until > now
                 and (r is pair or not trusted)]
        if waits:
            raise TooManyAttempts(max(waits))
        return Standing(rows, trusted)

    def failed(self, login: str | None, address: str | None) -> None:
        """Count a failed login (``login`` None: none that could exist) and lock on threshold."""
        address = address_key(address)
        p = self.policy
        counted = [(ANY, address, p.address_max_failures)]
        if login is not None:
            counted += [(login, address, p.max_failures), (login, ANY, p.login_max_failures)]
        self._count(counted)

    def request_failed(self, address: str | None) -> None:
        """Count a failed request that was not a login (smsc's error 4 counts these too)."""
        self._count([(ANY, address_key(address), self.policy.address_max_failures)])

    def check_address(self, address: str | None) -> None:
        """Raise TooManyAttempts while this address as a whole is locked."""
        with self._uow() as uow:
            rows = uow.login_failures.standing(None, address_key(address))
        now = self._now()
        waits = [r.blocked_until - now for r in rows if r.blocked_until and r.blocked_until > now]
        if waits:
            raise TooManyAttempts(max(waits))

    def succeeded(self, standing: Standing, login: str, address: str | None) -> None:
        """Forget the pair's failures and trust the address for this login. Writes only when
        failures are on record and the pair is not already freshly trusted."""
        if not standing.rows:
            return
        address = address_key(address)
        now = self._now()
        pair = _find(standing.rows, login, address)
        fresh = pair is not None and pair.last_success and pair.last_success > now - 3600
        if fresh and pair is not None and not pair.failures and not pair.strikes:
            return
        with self._uow(write=True) as uow:
            uow.login_failures.succeeded(login, address, now)
            uow.commit()

    def _count(self, counted: list[tuple[str, str, int]]) -> None:
        now = self._now()
        p = self.policy
        with self._uow(write=True) as uow:
            for login, address, threshold in counted:
                if threshold <= 0:
                    continue
                record = uow.login_failures.record(login, address, now, p.window_seconds,
                                                   p.max_block_seconds)
                if record.failures == threshold:  # exactly one concurrent failure gets here
                    uow.login_failures.block(login, address,
                                             now + p.block_for(record.strikes), now)
            uow.commit()

    # -- operator --------------------------------------------------------------------------

    def blocks(self) -> list[Block]:
        """Every lock in force now, longest first."""
        now = self._now()
        with self._uow() as uow:
            rows = uow.login_failures.blocked(now)
        return sorted((Block(r.login, r.address, r.failures, r.strikes, r.blocked_until)
                       for r in rows), key=lambda b: -(b.blocked_until or 0))

    def lift(self, subject: str) -> int:
        """Forget every failure and lock of this address or login; how many rows went."""
        with self._uow(write=True) as uow:
            count = uow.login_failures.lift(subject)
            key = address_key(subject)
            if key != subject and not key.startswith("?"):  # "::0001" names "::1"
                count += uow.login_failures.lift(key)
            uow.commit()
        return count


def _find(rows: Sequence[FailureRecord], login: str | None, address: str) -> FailureRecord | None:
    return next((r for r in rows if r.login == login and r.address == address), None)
