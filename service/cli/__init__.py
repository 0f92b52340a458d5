"""The ``smsgw`` command: serve, db upgrade, worker, and the operator's administration.

Each command group is a module with ``register(subparsers)``; every leaf command sets
``handler(settings, args) -> exit code``. A new group is a new module and one line in GROUPS.
Errors are one clear line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys

from ..config import ConfigError, Settings
from ..domain.errors import SmsgwError
from . import (accounts, inbound, ledger, limits, operations, retention, senders, serving,
               simulate, smpp_server, tariffs)
from .common import Parser, subcommands

# limits and ledger add to the account group, so they come after accounts
GROUPS = (serving, accounts, operations, limits, ledger, tariffs, senders, retention, smpp_server,
          inbound, simulate)


def parser() -> Parser:
    p = Parser(prog="smsgw", description="smsgw, a self-hosted SMS gateway")
    sub = subcommands(p, "command")
    for group in GROUPS:
        group.register(sub)
    return p


def run(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.handler(Settings.from_env(), args))


def main(argv: list[str] | None = None) -> int:
    try:
        return run(argv)
    except (SmsgwError, ConfigError) as exc:
        print(f"smsgw: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # the last line of defence: one line, never a traceback
        print(f"smsgw: error: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).splitlines()[0].split()) if str(exc) else ""
    if "database" in text and "does not exist" in text:  # PostgreSQL's, on the first run
        text += " (create the database first, e.g. with createdb: smsgw makes the tables, not the database)"
    return f"{type(exc).__name__}: {text}"
