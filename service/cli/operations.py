"""``smsgw callbacks ...`` and ``smsgw blocks ...``: the operator's repair tools."""

from __future__ import annotations

import sys
from datetime import datetime, timezone

from ..config import ConfigError, Settings
from .common import container, subcommands


def register(sub) -> None:
    blocks = subcommands(sub.add_parser("blocks", help="brute-force locks on logins and addresses"),
                         "blocks_command")
    blocks.add_parser("list", help="list the locks in force").set_defaults(handler=_blocks_list)
    lift = blocks.add_parser("lift", help="forget the failures and locks of an address or login")
    lift.add_argument("subject", metavar="ADDRESS|LOGIN")
    lift.set_defaults(handler=_blocks_lift)

    cb = subcommands(sub.add_parser("callbacks", help="client notifications"), "callbacks_command")
    dead = cb.add_parser("dead", help="list dead-lettered notifications and why they failed")
    dead.add_argument("--limit", type=int, default=100, help="at most this many (1..10000)")
    dead.set_defaults(handler=_dead)
    replay = cb.add_parser("replay", help="send dead-lettered notifications again, to the "
                                          "account's current callback URL and secret")
    replay.add_argument("ids", nargs="*", type=int)
    replay.add_argument("--all", action="store_true")
    replay.set_defaults(handler=_replay)


def _callbacks(settings: Settings):
    from ..bootstrap import build_delivery
    return build_delivery(container(settings))[1]


def _dead(settings: Settings, args) -> int:
    jobs = _callbacks(settings).dead_letters(args.limit)
    for job in jobs:
        print(f"{job.id}\t{job.subject}\t{job.attempts} attempts\t"
              f"last error: {job.last_error or '-'}\t{job.url}\t{job.payload}")
    print(f"{len(jobs)} dead-lettered notification(s)")
    return 0


def _replay(settings: Settings, args) -> int:
    if args.all and args.ids:
        raise ConfigError("give either notification ids or --all, not both")
    if not args.all and not args.ids:
        raise ConfigError("name the notification ids to replay, or --all")
    result = _callbacks(settings).replay(None if args.all else args.ids)
    note = (f"; {len(result.no_url)} left dead: their account has no callback URL now"
            if result.no_url else "")
    print(f"{len(result.queued)} notification(s) queued again, to their account's current "
          f"callback URL{note}")
    return 0


def _blocks_list(settings: Settings, args) -> int:
    found = container(settings).use_cases.guard.blocks()
    for b in found:
        until = datetime.fromtimestamp(b.blocked_until, timezone.utc)
        print(f"login {b.login or '*'}\taddress {b.address or '*'}\tuntil "
              f"{until:%Y-%m-%d %H:%M:%S}Z\tstrike {b.strikes}")
    print(f"{len(found)} block(s) in force")
    return 0


def _blocks_lift(settings: Settings, args) -> int:
    subject = args.subject.strip()
    if not subject:
        raise ConfigError("name an address or a login to lift")
    count = container(settings).use_cases.guard.lift(subject)
    if not count:
        print(f"smsgw: error: no failures or blocks on record for {subject}", file=sys.stderr)
        return 1
    print(f"lifted: {subject} ({count} record(s) forgotten)")
    return 0
