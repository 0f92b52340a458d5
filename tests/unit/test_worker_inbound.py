"""The worker's loop processes inbound messages (MO) every iteration, and counts what it did
as work (so the loop does not sleep while a backlog is processed)."""

from __future__ import annotations

from service.delivery.worker import Worker


class _Quiet:
    name = "stub"

    def process_receipts(self):
        return 0

    def dispatch(self, connector, owner, stopping):
        return 0

    def poll(self):
        return 0

    def sweep(self):
        return 0


class _Inbound:
    def __init__(self, handled):
        self.handled = list(handled)
        self.calls = 0

    def process(self, limit=500):
        self.calls += 1
        return self.handled.pop(0) if self.handled else 0


def test_every_iteration_processes_inbound_and_counts_it_as_work():
    quiet = _Quiet()
    inbound = _Inbound([7, 0])
    worker = Worker(delivery=quiet, callbacks=None, connector=quiet, inbound=inbound)
    assert worker._work_once() == 7
    assert worker._work_once() == 0
    assert inbound.calls == 2


def test_a_worker_without_inbound_still_works():
    quiet = _Quiet()
    assert Worker(delivery=quiet, callbacks=None, connector=quiet)._work_once() == 0
