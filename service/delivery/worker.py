"""``smsgw worker``: one process that dispatches, applies receipts, sweeps, and sends callbacks.

Any number of workers may run against one database (on PostgreSQL, on any number of hosts):
claims are leases, so the work is shared and a crashed worker's messages are taken over.
SIGTERM (or SIGINT) stops it gracefully: the current submit window finishes and is recorded,
callbacks being posted finish, and nothing stays claimed.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Sequence

from ..app.delivery.callbacks import CallbackService
from ..app.delivery.carrier import Connector
from ..app.delivery.delivery import DeliveryService
from ..app.inbound.service import InboundService
from ..app.retention.retention import RetentionService
from ..app.smpp.receipts import SmppReceiptQueue
from ..app.tasks.tasks import TaskService
from ..domain.backoff import backoff
from ..domain.inbound import InboundPart

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _noted_by_wakeup_fd(_signum, _frame) -> None:
    """Deliberately empty: the wakeup fd already carries the signal to the watcher thread."""


@dataclass(frozen=True)
class WorkerOptions:
    idle_sleep: float = 0.05
    sweep_every: float = 1.0
    callback_threads: int = 4
    error_backoff_first: float = 0.2  # after one failure; doubling up to the max
    error_backoff_max: float = 10.0
    retention_every: float = 60.0     # purges by days, the archive, expired counters and keys
    purge_immediate_every: float = 1.0  # retention 0: final and notified messages go at once
    receipt_expiry_every: float = 60.0  # SMPP receipts past their max age are dropped


def worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(self, delivery: DeliveryService, callbacks: CallbackService,
                 connector: Connector, options: WorkerOptions | None = None,
                 tasks: TaskService | None = None,
                 retention: RetentionService | None = None,
                 smpp_receipts: SmppReceiptQueue | None = None,
                 inbound: InboundService | None = None) -> None:
        self.delivery = delivery
        self.inbound = inbound
        self.smpp_receipts = smpp_receipts
        self.tasks = tasks
        self.retention = retention
        self.callbacks = callbacks
        self.connector = connector
        self.options = options or WorkerOptions()
        self.id = worker_id()
        self.stopping = threading.Event()
        self._next_sweep = 0.0
        self._next_receipt_expiry = 0.0

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop the worker gracefully, however many arrive and whenever.

        A Python signal handler runs in the main thread between two bytecodes, possibly while
        that thread holds the lock inside ``stopping`` (in ``wait`` or ``set``); a handler that
        called ``stopping.set()`` then waits for itself forever. So the handler does nothing:
        the interpreter's C-level handler writes the signal number to a socket
        (``signal.set_wakeup_fd``, as asyncio does), and a watcher thread reads it and sets
        ``stopping`` like any other thread. Must be called from the main thread.
        """
        reader, writer = socket.socketpair()
        writer.setblocking(False)
        signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        for sig in STOP_SIGNALS:
            signal.signal(sig, _noted_by_wakeup_fd)
        self._wakeup = (reader, writer)  # the writer must stay open while handlers are installed
        threading.Thread(target=self._watch_signals, args=(reader,), name="signals",
                         daemon=True).start()

    def _watch_signals(self, reader: socket.socket) -> None:
        while True:
            data = reader.recv(64)
            received = [n for n in data if n in STOP_SIGNALS]
            if received or not data:
                break
        if received:
            log.info("worker %s: %s received, stopping", self.id, signal.Signals(received[0]).name)
        self.stopping.set()

    def run(self) -> None:
        """Work until ``stopping`` is set, then shut down cleanly."""
        log.info("worker %s starting with connector %s", self.id, self.connector.name)
        self.connector.start(
            lambda receipts: self.delivery.accept_receipts(self.connector.name, receipts),
            self._accept_inbound)
        senders = [threading.Thread(target=self._callback_loop, name=f"callbacks-{n}",
                                    daemon=True) for n in range(self.options.callback_threads)]
        if self.tasks is not None:
            senders.append(threading.Thread(target=self._task_loop, name="tasks", daemon=True))
        if self.retention is not None:
            senders.append(threading.Thread(target=self._retention_loop, name="retention",
                                            daemon=True))
        for t in senders:
            t.start()
        try:
            self._main_loop()
        finally:
            self.connector.stop()
            for t in senders:
                t.join(timeout=30)
            log.info("worker %s stopped", self.id)

    def _accept_inbound(self, parts: Sequence[InboundPart]) -> None:
        """The connector's inbound sink: stored, or raise so the carrier resends."""
        if self.inbound is None:
            raise RuntimeError("this worker has no inbound service; the carrier will resend")
        self.inbound.accept(self.connector.name, parts)

    def _main_loop(self) -> None:
        self._keep_running(self._work_once, self.options.idle_sleep,
                           f"worker {self.id}: iteration")

    def _work_once(self) -> int:
        """Receipts, then a window of messages, then the connector's turn, then inbound
        messages (MO) accepted from carriers; a sweep, and the expiry of SMPP receipts, when
        due."""
        busy = self.delivery.process_receipts()
        busy += self.delivery.dispatch(self.connector, self.id, self.stopping.is_set)
        busy += self.connector.poll() or 0
        if self.inbound is not None:
            busy += self.inbound.process()
        if time.monotonic() >= self._next_sweep:
            busy += self.delivery.sweep()
            self._next_sweep = time.monotonic() + self.options.sweep_every
        if self.smpp_receipts is not None and time.monotonic() >= self._next_receipt_expiry:
            self.smpp_receipts.expire()
            self._next_receipt_expiry = time.monotonic() + self.options.receipt_expiry_every
        return busy

    def _task_loop(self) -> None:
        """Background tasks (large imports and mailing starts), one at a time."""
        self._keep_running(lambda: self.tasks.run_next(self.id), self.options.idle_sleep * 4,
                           "task runner")

    def _retention_loop(self) -> None:
        """The retention job in its own thread, so a large archive run never delays dispatch:
        retention 0 every ``purge_immediate_every`` seconds, everything else less often."""
        retention = self.retention
        assert retention is not None
        next_full = time.monotonic()  # a worker starting catches up at once

        def step() -> int:
            nonlocal next_full
            if time.monotonic() >= next_full:
                next_full = time.monotonic() + self.options.retention_every
                retention.run()
            else:
                retention.purge_immediate()
            return 0  # then wait: this job is never urgent

        self._keep_running(step, self.options.purge_immediate_every, "retention job")

    def _callback_loop(self) -> None:
        self._keep_running(self.callbacks.send_due, self.options.idle_sleep * 4,
                           "callback sender")

    def _keep_running(self, step: Callable[[], object], idle: float, what: str) -> None:
        """Call ``step`` until ``stopping`` is set, waiting ``idle`` seconds after a call that
        found nothing to do. A step that raises (the database or the carrier is away) is
        logged and retried with backoff: the loop never dies."""
        failures = 0
        while not self.stopping.is_set():
            try:
                busy = step()
                failures = 0
            except Exception:
                failures += 1
                log.exception("%s failed (%s in a row)", what, failures)
                self.stopping.wait(backoff(failures, self.options.error_backoff_first,
                                           self.options.error_backoff_max))
                continue
            if not busy:
                self.stopping.wait(idle)
