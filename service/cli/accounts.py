"""``smsgw account ...``: create, top up, show and configure accounts, and their API keys."""

from __future__ import annotations

from ..config import Settings
from ..domain.errors import ValidationError
from ..domain.money import parse_amount
from . import keywords
from .common import boolean, container, rate, subcommands, whole_number
from .retention import retention_days


def register(sub) -> None:
    acc = subcommands(sub.add_parser("account", help="manage accounts"), "account_command")
    create = acc.add_parser("create", help="create an account")
    create.add_argument("login")
    create.add_argument("--password", required=True)
    create.add_argument("--balance", default="0")
    create.add_argument("--currency")
    create.add_argument("--parent", help="create it as a sub-client of this account")
    create.add_argument("--balance-mode", choices=("own", "parent"), default=None,
                        help="with --parent: its own balance (default) or its parent's")
    create.set_defaults(handler=_create)
    topup = acc.add_parser("topup", help="add money to an account")
    topup.add_argument("login")
    topup.add_argument("amount")
    topup.set_defaults(handler=_top_up)
    show = acc.add_parser("show", help="show an account")
    show.add_argument("login")
    show.set_defaults(handler=_show)
    setp = acc.add_parser("set", help="change an account's settings")
    setp.add_argument("login")
    setp.add_argument("--allowed-ips", help="comma-separated IPs/CIDRs; empty string allows any")
    setp.add_argument("--retention-days", type=retention_days)
    setp.add_argument("--default-sender")
    setp.add_argument("--callback-url")
    setp.add_argument("--callback-secret")
    setp.add_argument("--blocked", type=boolean)
    setp.add_argument("--password")
    setp.add_argument("--paused", type=boolean, help="hold delivery of the account's messages")
    setp.add_argument("--simulator-rules", help="e.g. 0000=UNDELIV,delay=0.5 (empty: defaults)")
    setp.add_argument("--sender-policy", choices=("fallback", "refuse"),
                      help="a sender not approved for the destination: use the shared sender "
                      "(fallback) or refuse the message (refuse); see docs/senders.md")
    for cls in ("send", "query", "manage"):
        setp.add_argument(f"--rate-{cls}", type=rate, metavar="N",
                          help=f"{cls} requests per minute (0: no limit, -1: the default)")
    setp.add_argument("--tariff", metavar="NAME",
                      help="price with this stored tariff; empty string: the default (SMSGW_TARIFF)")
    setp.add_argument("--smpp-password", metavar="PW",
                      help="the password SMPP binds check: 1 to 8 printable ASCII characters "
                      "(SMPP 3.4 allows no more); empty string: no SMPP binds")
    setp.add_argument("--smpp-max-binds", type=rate, metavar="N",
                      help="simultaneous SMPP binds (-1: the default, SMSGW_SMPP_SERVER_MAX_BINDS)")
    keywords.add_arguments(setp)
    setp.set_defaults(handler=_configure)

    keys = subcommands(acc.add_parser("apikey", help="API keys (used in place of the password)"),
                       "apikey_command")
    kc = keys.add_parser("create", help="create a key; it is shown once")
    kc.add_argument("login")
    kc.add_argument("--name")
    kc.set_defaults(handler=_key_create)
    kl = keys.add_parser("list", help="list an account's keys")
    kl.add_argument("login")
    kl.set_defaults(handler=_key_list)
    kr = keys.add_parser("revoke", help="revoke a key")
    kr.add_argument("login")
    kr.add_argument("key_id", type=whole_number)
    kr.set_defaults(handler=_key_revoke)


def _create(settings: Settings, args) -> int:
    if args.parent is not None or args.balance_mode is not None:
        return _create_sub(settings, args)
    account = container(settings).use_cases.accounts.create(
        args.login, args.password, parse_amount(args.balance, "balance"), args.currency)
    print(f"created account {account.login} (balance {account.balance} {account.currency})")
    return 0


def _create_sub(settings: Settings, args) -> int:
    if args.parent is None:
        raise ValidationError("--balance-mode needs --parent", field="parent")
    use_cases = container(settings).use_cases
    balance = parse_amount(args.balance, "balance")
    if balance and args.balance_mode == "parent":
        raise ValidationError("a sub-client in balance mode parent spends its parent's "
                              "balance; give it no --balance", field="balance")
    parent = use_cases.accounts.show(args.parent)
    if args.currency is not None and args.currency.strip().upper() != parent.currency:
        raise ValidationError(f"a sub-client keeps its parent's currency ({parent.currency})",
                              field="currency")
    sub = use_cases.subaccounts.create_for(args.parent, args.login, args.password,
                                           args.balance_mode)
    if balance:
        use_cases.accounts.top_up(sub.login, balance)
    print(f"created account {sub.login} under {args.parent} (balance mode "
          f"{sub.balance_mode.value}, balance {balance} {parent.currency})")
    return 0


def _top_up(settings: Settings, args) -> int:
    balance = container(settings).use_cases.accounts.top_up(
        args.login, parse_amount(args.amount, positive=True))
    print(f"{args.login}: balance is now {balance}")
    return 0


def _show(settings: Settings, args) -> int:
    uc = container(settings).use_cases
    account = uc.accounts.show(args.login)
    tariff = uc.tariffs.name_of(account)
    parent = uc.subaccounts.parent_of(args.login)
    if tariff is None and parent is not None:  # a sub-client without its own inherits
        inherited = uc.tariffs.name_of(uc.accounts.show(parent))
        tariff = f"{inherited} (the parent's)" if inherited else None
    _print_account(account, tariff, settings.smpp_server_max_binds)
    if parent is not None:
        print(f"parent:         {parent}")
    keywords.print_settings(uc.inbound_settings.show(args.login))
    return 0


def _configure(settings: Settings, args) -> int:
    ips = None if args.allowed_ips is None else args.allowed_ips.split(",")
    uc = container(settings).use_cases
    if keywords.given(args):  # checked first: a bad word list changes nothing else
        uc.inbound_settings.change(args.login, **keywords.given(args))
    if args.tariff is not None:
        uc.tariffs.assign(args.login, args.tariff.strip())
    account = uc.accounts.configure(
        args.login, allowed_ips=ips, retention_days=args.retention_days,
        default_sender=args.default_sender, callback_url=args.callback_url,
        callback_secret=args.callback_secret, blocked=args.blocked, password=args.password,
        paused=args.paused, simulator_rules=args.simulator_rules,
        rates={c: getattr(args, f"rate_{c}") for c in ("send", "query", "manage")
               if getattr(args, f"rate_{c}") is not None},
        sender_policy=args.sender_policy, approve_default_sender=True,
        smpp_password=args.smpp_password, smpp_max_binds=args.smpp_max_binds)
    _print_account(account, uc.tariffs.name_of(account), settings.smpp_server_max_binds)
    keywords.print_settings(uc.inbound_settings.show(args.login))
    return 0


def _print_account(account, tariff: str | None = None, default_binds: int | None = None) -> int:
    s = account.settings
    print(f"login:          {account.login}")
    print(f"balance:        {account.balance} {account.currency}")
    print(f"credit limit:   {account.credit_limit} {account.currency}"
          f"{'' if account.credit_limit else ' (prepaid)'}")
    print(f"blocked:        {'yes' if account.blocked else 'no'}")
    print(f"paused:         {'yes' if account.paused else 'no'}")
    print(f"allowed IPs:    {', '.join(s.allowed_ips) or 'any'}")
    print(f"retention days: {s.retention_days if s.retention_days is not None else 'default'}")
    print(f"default sender: {s.default_sender or '-'}")
    print(f"sender policy:  {s.sender_policy}")
    untrusted = s.callback_url and not s.callback_url_trusted
    origin = " (set by a client: untrusted)" if untrusted else ""
    print(f"callback URL:   {s.callback_url or '-'}{origin}")
    print(f"callback secret: {'set' if s.callback_secret else '-'}")
    print(f"simulator rules: {s.simulator_rules or 'default'}")
    rates = [f"{c} {getattr(s, 'rate_' + c)}" if getattr(s, "rate_" + c) is not None
             else f"{c} default" for c in ("send", "query", "manage")]
    print(f"rates per minute: {', '.join(rates)}")
    print(f"tariff:         {tariff or 'default'}")
    print(f"smpp password:  {'set' if account.smpp_password_hash else 'not set'}")
    binds = (s.smpp_max_binds if s.smpp_max_binds is not None
             else f"default ({default_binds})" if default_binds is not None else "default")
    print(f"smpp max binds: {binds}")
    return 0


def _key_create(settings: Settings, args) -> int:
    record, key = container(settings).use_cases.accounts.create_api_key(args.login, args.name)
    print(f"API key {record.id} for {args.login} (shown once, keep it): {key}")
    return 0


def _key_list(settings: Settings, args) -> int:
    for k in container(settings).use_cases.accounts.api_keys(args.login):
        state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
        print(f"{k.id}\tsgw_{k.prefix}_…\t{k.name or '-'}\tcreated "
              f"{k.created_at:%Y-%m-%d %H:%M}\t{state}")
    return 0


def _key_revoke(settings: Settings, args) -> int:
    container(settings).use_cases.accounts.revoke_api_key(args.login, args.key_id)
    print(f"API key {args.key_id} of {args.login} revoked")
    return 0
