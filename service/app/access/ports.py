"""Ports of access control: the rate limiter's request counters and the login guard's failures.

Reached through the unit of work (``uow.counters``, ``uow.login_failures``); shared by every
node through the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class RequestCounters(Protocol):
    def hit(self, account_id: int, key: str, window: int, weight: int = 1) -> int:
        """Add ``weight`` (1: one request; an SMPP batch adds its segments) to ``key``'s count
        in minute ``window``; the count including it. The first hit of a new minute forgets
        the account's minutes before the previous one."""

    def latest_window(self, account_id: int, key: str) -> int | None:
        """The newest window in which ``key`` was counted, if any."""


@dataclass(frozen=True)
class FailureRecord:
    """One row of the login guard: failed logins of a (login, address) pair, of a login
    (``address == ""``) or of an address (``login == ""``). Times are epoch seconds."""

    login: str
    address: str
    failures: int = 0
    strikes: int = 0
    blocked_until: int | None = None
    last_success: int | None = None


class LoginFailures(Protocol):
    """Failed logins, shared by every node (see app/access/login_guard.py)."""

    def standing(self, login: str | None, address: str) -> list[FailureRecord]:
        """The rows of (login, address), (login, "") and ("", address), in one read."""

    def record(self, login: str, address: str, now: int, window_seconds: int,
               forget_seconds: int) -> FailureRecord:
        """Atomically count one failure on this row (a new window restarts at 1; strikes are
        forgotten after ``forget_seconds`` without a failure or a lock); the row after it."""

    def block(self, login: str, address: str, until: int, now: int) -> None:
        """Lock this row until ``until``: one more strike, and the count starts again."""

    def succeeded(self, login: str, address: str, now: int) -> None:
        """The pair signed in: forget its failures and strikes, remember when."""

    def blocked(self, now: int) -> list[FailureRecord]:
        """Every row locked beyond ``now``."""

    def lift(self, subject: str) -> int:
        """Delete every row of this login or address; how many there were."""
