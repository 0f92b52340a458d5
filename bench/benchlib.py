"""Small helpers the benchmark scripts share (they run as ``python bench/<name>.py``, so this
directory is on their import path)."""

from __future__ import annotations

import platform
import socket
from pathlib import Path


def free_port() -> int:
    """A loopback TCP port nobody is listening on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_model() -> str:
    """The CPU's model name, recorded beside the figures."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
