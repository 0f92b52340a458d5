"""Timing rules: the submit rate limit of a bind and the delays between attempts."""

from __future__ import annotations

import random

from ...domain.backoff import backoff


class Pacer:
    """Spaces PDUs evenly at ``rate`` per second, without burst credit; 0 means unlimited."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0

    def wait(self, now: float) -> float:
        """Seconds until the next PDU may go (0 when it may go now)."""
        return max(0.0, self._next - now)

    def take(self, now: float) -> None:
        if not self._interval:
            return
        if now - self._next < self._interval:
            # Woken a little late: keep the schedule, or late wake-ups would add up to a
            # rate well below the limit. Any one-second window still holds at most rate + 1.
            self._next += self._interval
        else:
            # Idle for a while: idle time earns no burst credit.
            self._next = now + self._interval


class ReconnectBackoff:
    """Delays between connection attempts: exponential with jitter, capped; reset when stable."""

    def __init__(self, initial: float, cap: float, stable_after: float, jitter: float,
                 rng: random.Random | None = None) -> None:
        self._initial, self._cap = initial, cap
        self._stable_after, self._jitter = stable_after, jitter
        self._rng = rng or random.Random()
        self.failures = 0
        self._bound_at: float | None = None

    def bound(self, now: float) -> None:
        self._bound_at = now

    def next_delay(self, now: float) -> float:
        """The delay before the next attempt, after a failed bind or a lost connection."""
        if self._bound_at is not None and now - self._bound_at >= self._stable_after:
            self.failures = 0
        self._bound_at = None
        self.failures += 1
        delay = backoff(self.failures, self._initial, self._cap)
        return delay * (1.0 - self._jitter * self._rng.random())
