"""Run a module under cProfile in every thread: ``python bench/profiled.py OUT.prof -m MODULE
ARGS...``. Each thread's profile is merged into OUT.prof when the process exits normally (the
worker does on SIGTERM). Used by ``inbound_bench.py --profile``."""

from __future__ import annotations

import atexit
import cProfile
import pstats
import runpy
import sys
import threading

profiles: list[cProfile.Profile] = []
_lock = threading.Lock()
_run = threading.Thread.run


def _profiled_run(self: threading.Thread) -> None:
    profile = cProfile.Profile()
    with _lock:
        profiles.append(profile)
    profile.enable()
    try:
        _run(self)
    finally:
        profile.disable()


def _dump(path: str) -> None:
    with _lock:
        for p in profiles:
            p.disable()
        stats = pstats.Stats(*profiles) if profiles else None
    if stats is not None:
        stats.dump_stats(path)


def main() -> None:
    out, flag, module, *args = sys.argv[1:]
    assert flag == "-m", "usage: profiled.py OUT.prof -m MODULE ARGS..."
    threading.Thread.run = _profiled_run  # type: ignore[method-assign]
    main_profile = cProfile.Profile()
    profiles.append(main_profile)
    atexit.register(_dump, out)
    sys.argv = [module, *args]
    main_profile.enable()
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
