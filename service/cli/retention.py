"""``smsgw retention run``: the retention job once, now (workers run it on their own)."""

from __future__ import annotations

import argparse

from ..config import Settings
from ..domain.retention import MAX_RETENTION_DAYS
from .common import container, subcommands, whole_number


def register(sub) -> None:
    ret = subcommands(sub.add_parser(
        "retention", help="history retention and the archive (docs/retention.md)"),
        "retention_command")
    run = ret.add_parser("run", help="purge what retention ended, archive what is old, "
                                     "drop expired counters and idempotency keys; once")
    run.set_defaults(handler=_run)


def retention_days(text: str) -> int:
    """``--retention-days``: 0..36500 in ASCII digits (0: deleted once final and notified)."""
    if text.startswith("-"):
        raise argparse.ArgumentTypeError(
            f"retention days cannot be negative, got {text[:40]!r}: 0..{MAX_RETENTION_DAYS} "
            "(0: each message is deleted once final and notified)")
    days = whole_number(text)
    if days > MAX_RETENTION_DAYS:
        raise argparse.ArgumentTypeError(
            f"retention days must be 0..{MAX_RETENTION_DAYS}, got {days}")
    return days


def _run(settings: Settings, args) -> int:
    from ..bootstrap import build_retention
    report = build_retention(container(settings)).run()
    print(f"purged: {report.purged}")
    print(f"purged inbound: {report.inbound}")
    print(f"archived: {report.archived}")
    print(f"expired request counters: {report.counters}")
    print(f"expired idempotency keys: {report.send_requests}")
    return 0
