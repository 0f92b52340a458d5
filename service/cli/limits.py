"""``smsgw account limits LOGIN [--per-day N] ...``: an account's sending limits (docs/limits.md).

Without flags it shows them; each flag sets one (``off`` or 0 turns it off for this account,
``default`` returns it to the gateway's SMSGW_LIMIT_* default). A bad spec is one line on
stderr and exit 1; nothing changes.
"""

from __future__ import annotations

from ..config import Settings
from .common import container, group

_FLAGS = (
    ("per_day", "N", "messages per UTC day"),
    ("per_month", "N", "messages per UTC month"),
    ("flood", "N/MINUTES", "more than N messages to one number in MINUTES are BANNED"),
    ("duplicate_minutes", "M", "the same text to the same number within M minutes is BANNED"),
    ("countries", "RU,KZ", "allowed destination regions (any: all); others are BANNED"),
    ("quiet_hours", "21-09", "mailings wait out these local hours of the recipient"),
)


def register(sub) -> None:
    p = group(sub, "account").add_parser("limits", help="show or set an account's sending limits")
    p.add_argument("login")
    for name, metavar, text in _FLAGS:
        p.add_argument("--" + name.replace("_", "-"), dest=name, metavar=metavar,
                       help=f"{text}; off, or default")
    p.set_defaults(handler=_limits)


def _limits(settings: Settings, args) -> int:
    limits = container(settings).use_cases.sending_limits
    specs = {name: getattr(args, name) for name, _m, _t in _FLAGS}
    if any(v is not None for v in specs.values()):
        view = limits.change(args.login, **specs)
    else:
        view = limits.show(args.login)
    own, effective = view.own.describe(), view.effective.describe()
    print(f"{view.login}: sending limits (today {view.today}, this month {view.this_month} "
          "messages counted)")
    for name, _m, _t in _FLAGS:
        source = "default" if own[name] == "default" else "own"
        print(f"  {name.replace('_', '-'):<18} {effective[name]:<12} ({source})")
    return 0
