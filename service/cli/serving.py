"""``smsgw serve``, ``smsgw worker`` and ``smsgw db upgrade``: running the gateway."""

from __future__ import annotations

import os
import secrets
import socket
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
    smpp = _smpp_listeners(settings, listen)
    upgrade(settings)
    password = secrets.token_urlsafe(12)
    smpp_password = secrets.token_urlsafe(6)  # 8 characters: all SMPP 3.4 allows
    uc = container(settings).use_cases
    created = uc.accounts.create_first(settings.demo_login, password, Decimal("1000"))
    if created:
        if smpp:
            uc.accounts.configure(settings.demo_login, smpp_password=smpp_password)
        print(f"No accounts yet: created demo account  login: {settings.demo_login}  "
              f"password: {password}  balance: 1000 {settings.currency}")
    origin = (f"from the bind address {settings.bind}; set SMSGW_PUBLIC_URL to change"
              if settings.public_url_derived else "from SMSGW_PUBLIC_URL")
    print(f"WSDL: {settings.soap_url}?wsdl ({origin})")
    for kind, sock in smpp:
        host, port = sock.getsockname()[:2]
        login = (f"system_id: {settings.demo_login}  password: {smpp_password}" if created
                 else "system_id: a login, password: its SMPP password "
                      "(smsgw account set LOGIN --smpp-password PW)")
        print(f"SMPP{kind}: {host}:{port}  {login}")
    sys.stdout.flush()
    env = child_environment(**({"bind": bind} if bind else {}))
    argv = [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG, "service.wsgi:application"]
    fds: tuple[int, ...] = ()
    if listener is not None:  # gunicorn adopts the socket (the command line beats the config)
        argv += ["--bind", f"fd://{listener.fileno()}"]
        fds = (listener.fileno(),)
    elif bind:
        argv += ["--bind", bind]
    commands = [argv]
    if settings.embedded_worker:
        commands.append([sys.executable, "-m", "service.cli", "worker"])
    if smpp:
        smpp_argv = [sys.executable, "-m", "service.cli", "smpp-server"]
        for kind, sock in smpp:
            smpp_argv += ["--tls-fd" if kind else "--fd", str(sock.fileno())]
            fds += (sock.fileno(),)
        commands.append(smpp_argv)
    if len(commands) == 1:
        os.execve(argv[0], argv, env)
    try:
        return supervise(commands, pass_fds=fds, env=env)
    finally:
        for sock in [listener, *(s for _, s in smpp)]:
            if sock is not None:
                sock.close()


def _smpp_listeners(settings: Settings, listen) -> list[tuple[str, socket.socket]]:
    """The SMPP server's sockets, opened here like the HTTP one (a busy port fails at once):
    ("", plain) unless SMSGW_SMPP_SERVER_BIND is empty, and (" (TLS)", tls) when set."""
    found = []
    if settings.smpp_server_bind:
        found.append(("", listen(settings.smpp_server_bind, backlog=1024)))
    if settings.smpp_server_tls_bind:
        found.append((" (TLS)", listen(settings.smpp_server_tls_bind, backlog=1024)))
    return [(kind, sock) for kind, sock in found if sock is not None]


def _worker(settings: Settings) -> int:
    import logging
    from ..bootstrap import build_worker
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = build_worker(container(settings))
    worker.install_signal_handlers()
    worker.run()
    return 0
