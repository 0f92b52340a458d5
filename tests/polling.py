"""Waiting on what other processes do: they signal a test nothing it could wait on."""

from __future__ import annotations

import time


def wait_until(predicate, timeout: float, step: float = 0.05) -> bool:
    """A bounded poll: whether ``predicate`` came true within ``timeout`` seconds, checked
    every ``step`` and once more at the end."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
