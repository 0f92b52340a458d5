"""``smsgw ledger check`` and the ledger's account commands: ``account ledger``, ``account
adjust`` and ``account set --credit-limit`` (docs/ledger.md)."""

from __future__ import annotations

import sys
from datetime import datetime

from ..config import Settings
from ..domain.errors import ValidationError
from ..domain.money import parse_amount, parse_signed_amount, shown_amount
from .common import container, group, subcommands, whole_number


def register(sub) -> None:
    ledger = subcommands(sub.add_parser("ledger", help="the money ledger"), "ledger_command")
    check = ledger.add_parser("check", help="verify that every balance equals the sum of its "
                              "ledger (exit 1 and name the accounts when one does not)")
    check.set_defaults(handler=_check)
    _account_commands(group(sub, "account"))


def _account_commands(acc) -> None:
    """The ledger's subcommands of ``smsgw account``, and ``account set --credit-limit``."""
    show = acc.add_parser("ledger", help="an account's ledger entries, newest first")
    show.add_argument("login")
    show.add_argument("--since", help="ISO 8601 time (UTC when no offset is given)")
    show.add_argument("--until", help="ISO 8601 time, exclusive")
    show.add_argument("--limit", type=whole_number, default=50, help="at most this many (1..1000)")
    show.set_defaults(handler=_history)
    adjust = acc.add_parser("adjust", help="correct a balance (positive or negative), with a "
                            "reason that the ledger keeps")
    adjust.add_argument("login")
    adjust.add_argument("amount", help="e.g. 10 or -2.50")
    adjust.add_argument("--reason", required=True)
    adjust.set_defaults(handler=_adjust)
    setp = acc.choices["set"]
    setp.add_argument("--credit-limit", metavar="AMOUNT",
                      help="postpaid: the balance may go down to minus this (0: prepaid)")
    configure = setp.get_default("handler")

    def set_with_credit_limit(settings: Settings, args) -> int:
        _credit_limit(settings, args)  # first: the account printed afterwards shows it
        return int(configure(settings, args))

    setp.set_defaults(handler=set_with_credit_limit)


def _time(text: str | None, field: str) -> datetime | None:
    if text is None or text == "":
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationError(f"{field} {text[:40]!r} is not an ISO 8601 time, like "
                              "2026-12-01T10:00:00Z", field=field) from exc


def _check(settings: Settings, args) -> int:
    totals = container(settings).use_cases.ledger.check()
    bad = [t for t in totals if not t.consistent]
    for t in bad:
        print(f"smsgw: error: account {t.login} (id {t.account_id}): balance {t.balance}, "
              f"ledger sum {t.total} over {t.entries} entries, newest balance after "
              f"{t.last_balance_after if t.last_balance_after is not None else '-'}",
              file=sys.stderr)
    if bad:
        print(f"smsgw: error: the ledger does not hold for {len(bad)} of {len(totals)} accounts: "
              f"{', '.join(t.login for t in bad)}", file=sys.stderr)
        return 1
    print(f"ledger OK: {len(totals)} accounts, every balance equals the sum of its ledger")
    return 0


def _history(settings: Settings, args) -> int:
    account, page = container(settings).use_cases.ledger.history(
        args.login, _time(args.since, "since"), _time(args.until, "until"), args.limit)
    cur = account.currency
    print(f"{account.login}: balance {shown_amount(account.balance, cur)} {cur}, "
          f"{page.total} entries{' (newest ' + str(len(page.items)) + ')' if page.total > len(page.items) else ''}")
    for e in page.items:
        amount = shown_amount(e.amount, cur)
        print(f"{e.created_at:%Y-%m-%d %H:%M:%S}\t{'+' if e.amount >= 0 else ''}{amount}\t"
              f"{shown_amount(e.balance_after, cur)}\t{e.reason.value}\t{e.reference or '-'}\t"
              f"{e.actor}\t{e.note or ''}")
    return 0


def _adjust(settings: Settings, args) -> int:
    balance = container(settings).use_cases.accounts.adjust(
        args.login, parse_signed_amount(args.amount), args.reason)
    print(f"{args.login}: balance is now {balance}")
    return 0


def _credit_limit(settings: Settings, args) -> None:
    """``account set --credit-limit``: applied before the other settings are."""
    if getattr(args, "credit_limit", None) is not None:
        container(settings).use_cases.accounts.set_credit_limit(
            args.login, parse_amount(args.credit_limit, "credit limit"))
