"""The one backoff rule: how long to wait before trying again.

Every retry in smsgw waits this way: messages the carrier turned away, client
notifications, unmatched receipts, SMPP throttling and reconnects, a worker loop whose
database is away, and login blocks.
"""

from __future__ import annotations

from typing import TypeVar

Seconds = TypeVar("Seconds", int, float)


def backoff(attempt: int, first: Seconds, cap: Seconds) -> Seconds:
    """The wait before retry number ``attempt`` (1 for the first): ``first``, doubled for
    each attempt after it, never above ``cap``.

    Doubling stops at the cap, so a count in the millions costs a few steps and never
    overflows; ints stay ints. A ``first`` of 0 or less cannot grow and is returned as is.
    """
    delay = first
    for _ in range(max(0, attempt - 1)):
        if delay >= cap or delay <= 0:
            break
        delay *= 2
    return min(cap, delay)
