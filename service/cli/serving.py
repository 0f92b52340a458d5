"""``smsgw serve``, ``smsgw worker`` and ``smsgw db upgrade``: running the gateway."""

from __future__ import annotations

import os
import secrets
import sys
from decimal import Decimal

from ..config import Settings, child_environment
from ..server import GUNICORN_CONFIG
from .common import container, subcommands


def register(sub) -> None:
    serve = sub.add_parser("serve", help="upgrade the database and run the gateway under gunicorn")
    serve.add_argument("--bind", help="address:port (default: SMSGW_BIND or 127.0.0.1:8080)")
    serve.set_defaults(handler=lambda settings, args: _serve(settings, args.bind))

    db = subcommands(sub.add_parser("db", help="database schema"), "db_command")
    db.add_parser("upgrade", help="create or upgrade the schema to the newest revision"
                  ).set_defaults(handler=_db_upgrade)

    sub.add_parser("worker", help="run a delivery worker (dispatch, receipts, callbacks)"
                   ).set_defaults(handler=lambda settings, args: _worker(settings))


def upgrade(settings: Settings) -> None:
    from ..persistence.engine import make_engine
    from ..persistence.migrate import upgrade as upgrade_schema
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        upgrade_schema(engine)
    finally:
        engine.dispose()


def _db_upgrade(settings: Settings, args) -> int:
    upgrade(settings)
    print("database is up to date")
    return 0


def _serve(settings: Settings, bind: str | None) -> int:
    from ..supervisor import listen, supervise
    if bind:
        settings = settings.rebound(bind)
    listener = listen(settings.bind)  # before anything else: a busy port fails at once
    upgrade(settings)
    password = secrets.token_urlsafe(12)
    if container(settings).use_cases.accounts.create_first(settings.demo_login, password,
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


def _worker(settings: Settings) -> int:
    import logging
    from ..bootstrap import build_worker
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = build_worker(container(settings))
    worker.install_signal_handlers()
    worker.run()
    return 0
