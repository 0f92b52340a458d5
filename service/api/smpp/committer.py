"""The group committer: every session's submit_sm go through one thread that commits them
together, so a window of 50 costs one transaction instead of 50.

Sessions ``offer`` a Submission with a callback; the thread takes everything waiting (up to
``batch_max``), waits at most ``batch_wait`` for more once the first has arrived, calls
``submit_many`` once, and hands each result to its callback on the event loop. Nothing is
answered before ``submit_many`` returns, that is before the commit. The queue is bounded:
``offer`` returns False when ``max_pending`` are already waiting (the session answers
ESME_RMSGQFUL).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ...app.sending.submit import Submission, Submitted

log = logging.getLogger(__name__)

Done = Callable[[Submitted | BaseException], None]


class SubmitsMany(Protocol):
    def submit_many(self, batch: Sequence[Submission]) -> list[Submitted]: ...


class GroupCommitter:
    def __init__(self, submit: SubmitsMany, loop: asyncio.AbstractEventLoop, *,
                 max_pending: int, batch_wait: float, batch_max: int = 256) -> None:
        self._submit, self._loop = submit, loop
        self._max_pending, self._batch_wait, self._batch_max = max_pending, batch_wait, batch_max
        self._waiting: deque[tuple[Submission, Done]] = deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._busy = False
        self._last_batch = 0
        self._thread = threading.Thread(target=self._run, name="smpp-commit", daemon=True)
        self.batches = 0       # for tests and the benchmark: how many transactions

    def start(self) -> None:
        self._thread.start()

    def offer(self, submission: Submission, done: Done) -> bool:
        """Queue one submission; False (nothing queued) when the queue is full or closing."""
        with self._cond:
            if self._stopping or len(self._waiting) >= self._max_pending:
                return False
            self._waiting.append((submission, done))
            if len(self._waiting) == 1 or len(self._waiting) >= self._batch_max:
                self._cond.notify()
            return True

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._waiting) + (1 if self._busy else 0)

    def stop(self, timeout: float | None = None) -> None:
        """Commit what is waiting, then end the thread (blocking: call it off the loop)."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._thread.join(timeout)

    def _take(self) -> list[tuple[Submission, Done]] | None:
        with self._cond:
            while not self._waiting:
                if self._stopping:
                    return None
                self._cond.wait()
            # Wait for company only when there is some: a lone client with a window of 1 would
            # pay the wait on every submit and never get a bigger batch for it.
            wait = self._batch_wait if self._last_batch > 1 or len(self._waiting) > 1 else 0.0
            deadline = time.monotonic() + wait
            while len(self._waiting) < self._batch_max and not self._stopping:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            count = min(len(self._waiting), self._batch_max)
            batch = [self._waiting.popleft() for _ in range(count)]
            self._busy = True
            self._last_batch = count
            return batch

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            results: Sequence[Submitted | BaseException]
            try:
                results = self._submit.submit_many([item for item, _ in batch])
                if len(results) != len(batch):
                    raise RuntimeError(f"submit_many answered {len(results)} of {len(batch)}")
            except Exception as exc:  # one answer for all; the session logs and says RSYSERR
                log.exception("a group commit of %d submit_sm failed", len(batch))
                results = [exc] * len(batch)
            self.batches += 1
            callbacks = [(done, result) for (_, done), result in zip(batch, results)]
            with self._cond:
                self._busy = False
            self._post(callbacks)

    def _post(self, callbacks: list[tuple[Done, Any]]) -> None:
        def deliver() -> None:
            for done, result in callbacks:
                try:
                    done(result)
                except Exception:
                    log.exception("answering a submit_sm failed")
        try:
            self._loop.call_soon_threadsafe(deliver)
        except RuntimeError:  # the loop is closed: the connections are gone with it
            pass
