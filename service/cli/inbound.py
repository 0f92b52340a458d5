"""``smsgw number ...``, ``smsgw keyword ...`` and ``smsgw inbound ...``: the operator's side of
inbound messages (docs/inbound.md).

    number assign NUMBER LOGIN            dedicate a long number (+E.164) or a short code
    number list [--login LOGIN]
    number release NUMBER
    keyword assign NUMBER WORD LOGIN      on a shared number, WORD (the first word) picks LOGIN
    keyword list [--number NUMBER]
    keyword release NUMBER WORD
    inbound unmatched [--limit N]         inbound messages no number or keyword matched
"""

from __future__ import annotations

from ..config import Settings
from .common import container, subcommands, whole_number


def register(sub) -> None:
    num = subcommands(sub.add_parser("number", help="inbound numbers dedicated to accounts"),
                      "number_command")
    assign = num.add_parser("assign", help="dedicate a number to an account (everything sent "
                            "to it is the account's)")
    assign.add_argument("number", help="a long number (+79991234567) or a short code (4444)")
    assign.add_argument("login")
    assign.set_defaults(handler=_assign_number)
    lst = num.add_parser("list", help="dedicated numbers")
    lst.add_argument("--login", help="only this account's")
    lst.set_defaults(handler=_list_numbers)
    release = num.add_parser("release", help="take a dedicated number back")
    release.add_argument("number")
    release.set_defaults(handler=_release_number)

    kw = subcommands(sub.add_parser("keyword", help="keywords on shared inbound numbers"),
                     "keyword_command")
    kassign = kw.add_parser("assign", help="on a shared number, texts whose first word is WORD "
                            "go to the account")
    kassign.add_argument("number")
    kassign.add_argument("word")
    kassign.add_argument("login")
    kassign.set_defaults(handler=_assign_keyword)
    klist = kw.add_parser("list", help="keywords and the accounts they route to")
    klist.add_argument("--number", help="only this number's")
    klist.set_defaults(handler=_list_keywords)
    krelease = kw.add_parser("release", help="take a keyword back")
    krelease.add_argument("number")
    krelease.add_argument("word")
    krelease.set_defaults(handler=_release_keyword)

    inbound = subcommands(sub.add_parser("inbound", help="inbound messages"), "inbound_command")
    unmatched = inbound.add_parser("unmatched", help="the latest inbound messages no number or "
                                   "keyword matched, newest first")
    unmatched.add_argument("--limit", type=whole_number, default=50,
                           help="at most this many (default 50, at most 1000)")
    unmatched.set_defaults(handler=_unmatched)


def _numbers(settings: Settings):
    return container(settings).use_cases.inbound_numbers


def _utc(when) -> str:
    """A stored UTC time as every listing here shows it (2026-12-01T21:17:48Z)."""
    return f"{when:%Y-%m-%dT%H:%M:%SZ}"


def _assign_number(settings: Settings, args) -> int:
    a = _numbers(settings).assign_number(args.number, args.login)
    print(f"number {a.number} assigned to {a.login}")
    return 0


def _list_numbers(settings: Settings, args) -> int:
    for a in _numbers(settings).list_numbers(args.login):
        print(f"{a.number}\t{a.login}\t{_utc(a.created_at)}")
    return 0


def _release_number(settings: Settings, args) -> int:
    _numbers(settings).release_number(args.number)
    print(f"number {args.number.strip()} released")
    return 0


def _assign_keyword(settings: Settings, args) -> int:
    a = _numbers(settings).assign_keyword(args.number, args.word, args.login)
    print(f"keyword {a.keyword} on {a.number} assigned to {a.login}")
    return 0


def _list_keywords(settings: Settings, args) -> int:
    for a in _numbers(settings).list_keywords(args.number):
        print(f"{a.number}\t{a.keyword}\t{a.login}\t{_utc(a.created_at)}")
    return 0


def _release_keyword(settings: Settings, args) -> int:
    _numbers(settings).release_keyword(args.number, args.word)
    print(f"keyword {args.word.strip()} on {args.number.strip()} released")
    return 0


def _shown(text: str) -> str:
    """A carrier's text on one terminal line: backslashes, tabs, newlines and every other
    unprintable character escaped (``\\n``, ``\\x1b``), letters of any script as they are."""
    return "".join(c if c.isprintable() and c != "\\" else repr(c)[1:-1] for c in text)


def _unmatched(settings: Settings, args) -> int:
    for m in _numbers(settings).unmatched(args.limit):
        flags = "" if m.complete else f"\tincomplete ({m.parts} parts)"
        print(f"{m.id}\t{_utc(m.received_at)}\t{_shown(m.source)}\t"
              f"{_shown(m.destination)}\t{_shown(m.text)}{flags}")
    return 0
