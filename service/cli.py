"""The ``smsgw`` command: serve, db upgrade, and account administration.

Errors are one clear line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from decimal import Decimal

from .config import ConfigError, Settings, child_environment
from .domain.errors import SmsgwError
from .server import GUNICORN_CONFIG


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _whole_number(text: str) -> int:
    """0, 1, 2...: ASCII digits only (int() would also take "٣", "1_000" and " 5")."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:40]!r}")
    if len(text) > 19:
        raise argparse.ArgumentTypeError(f"{text[:19]}… is too large")
    return int(text)


def _rate(text: str) -> int:
    """-1 (the default), or a whole number in ASCII digits (int() would take "٣" and "1_000")."""
    return -1 if text == "-1" else _whole_number(text)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        """One line, like every other error of this command (argparse would add the usage)."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="smsgw", description="smsgw, a self-hosted SMS gateway")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = sub.add_parser("serve", help="upgrade the database and run the gateway under gunicorn")
    serve.add_argument("--bind", help="address:port (default: SMSGW_BIND or 127.0.0.1:8080)")

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True,
                                                                         parser_class=_Parser)
    db.add_parser("upgrade", help="create or upgrade the schema to the newest revision")

    acc = sub.add_parser("account", help="manage accounts").add_subparsers(
        dest="account_command", required=True, parser_class=_Parser)
    create = acc.add_parser("create", help="create an account")
    create.add_argument("login")
    create.add_argument("--password", required=True)
    create.add_argument("--balance", default="0")
    create.add_argument("--currency")
    topup = acc.add_parser("topup", help="add money to an account")
    topup.add_argument("login")
    topup.add_argument("amount")
    show = acc.add_parser("show", help="show an account")
    show.add_argument("login")
    setp = acc.add_parser("set", help="change an account's settings")
    setp.add_argument("login")
    setp.add_argument("--allowed-ips", help="comma-separated IPs/CIDRs; empty string allows any")
    setp.add_argument("--retention-days", type=_whole_number)
    setp.add_argument("--default-sender")
    setp.add_argument("--callback-url")
    setp.add_argument("--callback-secret")
    setp.add_argument("--blocked", type=_bool)
    setp.add_argument("--password")
    setp.add_argument("--paused", type=_bool, help="hold delivery of the account's messages")
    setp.add_argument("--simulator-rules", help="e.g. 0000=UNDELIV,delay=0.5 (empty: defaults)")
    for cls in ("send", "query", "manage"):
        setp.add_argument(f"--rate-{cls}", type=_rate, metavar="N",
                          help=f"{cls} requests per minute (0: no limit, -1: the default)")

    keys = acc.add_parser("apikey", help="API keys (used in place of the password)").add_subparsers(
        dest="apikey_command", required=True, parser_class=_Parser)
    kc = keys.add_parser("create", help="create a key; it is shown once")
    kc.add_argument("login")
    kc.add_argument("--name")
    keys.add_parser("list", help="list an account's keys").add_argument("login")
    kr = keys.add_parser("revoke", help="revoke a key")
    kr.add_argument("login")
    kr.add_argument("key_id", type=_whole_number)

    sub.add_parser("worker", help="run a delivery worker (dispatch, receipts, callbacks)")

    blocks = sub.add_parser("blocks", help="brute-force locks on logins and addresses"
                            ).add_subparsers(dest="blocks_command", required=True,
                                             parser_class=_Parser)
    blocks.add_parser("list", help="list the locks in force")
    blocks.add_parser("lift", help="forget the failures and locks of an address or login"
                      ).add_argument("subject", metavar="ADDRESS|LOGIN")

    cb = sub.add_parser("callbacks", help="client notifications").add_subparsers(
        dest="callbacks_command", required=True, parser_class=_Parser)
    dead = cb.add_parser("dead", help="list dead-lettered notifications and why they failed")
    dead.add_argument("--limit", type=int, default=100, help="at most this many (1..10000)")
    replay = cb.add_parser("replay", help="send dead-lettered notifications again, to the "
                                          "account's current callback URL and secret")
    replay.add_argument("ids", nargs="*", type=int)
    replay.add_argument("--all", action="store_true")
    return p


def _container(settings: Settings):
    from .bootstrap import build_container
    return build_container(settings)


def _print_account(account) -> None:
    s = account.settings
    print(f"login:          {account.login}")
    print(f"balance:        {account.balance} {account.currency}")
    print(f"blocked:        {'yes' if account.blocked else 'no'}")
    print(f"paused:         {'yes' if account.paused else 'no'}")
    print(f"allowed IPs:    {', '.join(s.allowed_ips) or 'any'}")
    print(f"retention days: {s.retention_days if s.retention_days is not None else 'default'}")
    print(f"default sender: {s.default_sender or '-'}")
    untrusted = s.callback_url and not s.callback_url_trusted
    origin = " (set by a client: untrusted)" if untrusted else ""
    print(f"callback URL:   {s.callback_url or '-'}{origin}")
    print(f"callback secret: {'set' if s.callback_secret else '-'}")
    print(f"simulator rules: {s.simulator_rules or 'default'}")
    rates = [f"{c} {getattr(s, 'rate_' + c)}" if getattr(s, "rate_" + c) is not None
             else f"{c} default" for c in ("send", "query", "manage")]
    print(f"rates per minute: {', '.join(rates)}")


def _upgrade(settings: Settings) -> None:
    from .persistence.engine import make_engine
    from .persistence.migrate import upgrade
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def _serve(settings: Settings, bind: str | None) -> int:
    from .supervisor import listen, supervise
    if bind:
        settings = settings.rebound(bind)
    listener = listen(settings.bind)  # before anything else: a busy port fails at once
    _upgrade(settings)
    password = secrets.token_urlsafe(12)
    if _container(settings).use_cases.accounts.create_first(settings.demo_login, password,
                                                            Decimal("1000")):
        print(f"No accounts yet: created demo account  login: {settings.demo_login}  "
              f"password: {password}  balance: 1000 {settings.currency}")
    origin = (f"from the bind address {settings.bind}; set SMSGW_PUBLIC_URL to change"
              if settings.public_url_derived else "from SMSGW_PUBLIC_URL")
    print(f"WSDL: {settings.soap_url}?wsdl ({origin})")
    sys.stdout.flush()
    env = child_environment(**({"bind": bind} if bind else {}))
    argv = [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG, "service.wsgi:application"]
    fds: tuple[int, ...] = ()
    if listener is not None:  # gunicorn adopts the socket (the command line beats the config)
        argv += ["--bind", f"fd://{listener.fileno()}"]
        fds = (listener.fileno(),)
    elif bind:
        argv += ["--bind", bind]
    if not settings.embedded_worker:
        os.execve(argv[0], argv, env)
    try:
        return supervise([argv, [sys.executable, "-m", "service.cli", "worker"]],
                         pass_fds=fds, env=env)
    finally:
        if listener is not None:
            listener.close()


def _apikeys(accounts, args) -> None:
    if args.apikey_command == "create":
        record, key = accounts.create_api_key(args.login, args.name)
        print(f"API key {record.id} for {args.login} (shown once, keep it): {key}")
    elif args.apikey_command == "list":
        for k in accounts.api_keys(args.login):
            state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
            print(f"{k.id}\tsgw_{k.prefix}_…\t{k.name or '-'}\tcreated "
                  f"{k.created_at:%Y-%m-%d %H:%M}\t{state}")
    else:
        accounts.revoke_api_key(args.login, args.key_id)
        print(f"API key {args.key_id} of {args.login} revoked")


def _worker(settings: Settings) -> int:
    import logging
    from .bootstrap import build_worker
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = build_worker(_container(settings))
    worker.install_signal_handlers()
    worker.run()
    return 0


def _callbacks(settings: Settings, args) -> int:
    from .bootstrap import build_delivery
    _delivery, callbacks = build_delivery(_container(settings))
    if args.callbacks_command == "dead":
        jobs = callbacks.dead_letters(args.limit)
        for job in jobs:
            print(f"{job.id}\tmessage {job.message_id}\t{job.attempts} attempts\t"
                  f"last error: {job.last_error or '-'}\t{job.url}\t{job.payload}")
        print(f"{len(jobs)} dead-lettered notification(s)")
        return 0
    if args.all and args.ids:
        raise ConfigError("give either notification ids or --all, not both")
    if not args.all and not args.ids:
        raise ConfigError("name the notification ids to replay, or --all")
    result = callbacks.replay(None if args.all else args.ids)
    note = (f"; {len(result.no_url)} left dead: their account has no callback URL now"
            if result.no_url else "")
    print(f"{len(result.queued)} notification(s) queued again, to their account's current "
          f"callback URL{note}")
    return 0


def _blocks(settings: Settings, args) -> int:
    from datetime import datetime, timezone
    guard = _container(settings).use_cases.guard
    if args.blocks_command == "list":
        found = guard.blocks()
        for b in found:
            until = datetime.fromtimestamp(b.blocked_until, timezone.utc)
            print(f"login {b.login or '*'}\taddress {b.address or '*'}\tuntil "
                  f"{until:%Y-%m-%d %H:%M:%S}Z\tstrike {b.strikes}")
        print(f"{len(found)} block(s) in force")
        return 0
    subject = args.subject.strip()
    if not subject:
        raise ConfigError("name an address or a login to lift")
    count = guard.lift(subject)
    if not count:
        print(f"smsgw: error: no failures or blocks on record for {subject}", file=sys.stderr)
        return 1
    print(f"lifted: {subject} ({count} record(s) forgotten)")
    return 0


def run(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    if args.command == "serve":
        return _serve(settings, args.bind)
    if args.command == "db":
        _upgrade(settings)
        print("database is up to date")
        return 0
    if args.command == "worker":
        return _worker(settings)
    if args.command == "callbacks":
        return _callbacks(settings, args)
    if args.command == "blocks":
        return _blocks(settings, args)
    from .domain.money import parse_amount
    accounts = _container(settings).use_cases.accounts
    if args.account_command == "create":
        account = accounts.create(args.login, args.password, parse_amount(args.balance, "balance"),
                                  args.currency)
        print(f"created account {account.login} (balance {account.balance} {account.currency})")
    elif args.account_command == "topup":
        balance = accounts.top_up(args.login, parse_amount(args.amount, positive=True))
        print(f"{args.login}: balance is now {balance}")
    elif args.account_command == "show":
        _print_account(accounts.show(args.login))
    elif args.account_command == "apikey":
        _apikeys(accounts, args)
    elif args.account_command == "set":
        ips = None if args.allowed_ips is None else args.allowed_ips.split(",")
        _print_account(accounts.configure(
            args.login, allowed_ips=ips, retention_days=args.retention_days,
            default_sender=args.default_sender, callback_url=args.callback_url,
            callback_secret=args.callback_secret, blocked=args.blocked, password=args.password,
            paused=args.paused, simulator_rules=args.simulator_rules,
            rates={c: getattr(args, f"rate_{c}") for c in ("send", "query", "manage")
                   if getattr(args, f"rate_{c}") is not None}))
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
