"""A delivery worker stops on SIGINT/SIGTERM whenever they land, however many arrive (issue 10 #12).

The signals are raised while the main thread holds the lock inside the worker's ``stopping``
event, which is where Ctrl-C caught `make run` (a handler calling ``Event.set()`` inside
``Event.set()``). Each case runs in its own interpreter so that a deadlock is a timeout here,
not a hung test run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import signal
    from service.delivery.worker import Worker

    worker = Worker(delivery=None, callbacks=None, connector=None)
    worker.install_signal_handlers()
    with worker.stopping._cond:  # the main thread is inside Event.set() or Event.wait()
        for name in {names!r}:
            signal.raise_signal(getattr(signal, name))
        print("handlers returned", flush=True)
    assert worker.stopping.wait(20), "the watcher never set stopping"
    print("stopping", flush=True)
""")


@pytest.mark.parametrize("names", [["SIGINT"], ["SIGINT", "SIGINT"], ["SIGINT", "SIGTERM"],
                                   ["SIGTERM", "SIGINT", "SIGTERM", "SIGINT"]])
def test_stop_signals_arriving_inside_the_event_lock_stop_the_worker_without_deadlock(names):
    result = subprocess.run([sys.executable, "-c", SCRIPT.format(names=names)], cwd=ROOT,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["handlers returned", "stopping"]

