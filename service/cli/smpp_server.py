"""``smsgw smpp-server``: the SMPP 3.4 server door (docs/smpp-server.md).

It listens on SMSGW_SMPP_SERVER_BIND (and, with a certificate, TLS on
SMSGW_SMPP_SERVER_TLS_BIND), or on sockets inherited from ``smsgw serve`` (``--fd``,
``--tls-fd``), and prints one line per socket once it accepts connections.
"""

from __future__ import annotations

import logging
import socket
import sys

from ..config import ConfigError, Settings
from .common import whole_number


def register(sub) -> None:
    cmd = sub.add_parser("smpp-server", help="run the SMPP 3.4 server (SMSGW_SMPP_SERVER_BIND)")
    cmd.add_argument("--fd", type=whole_number, metavar="N",
                     help="serve plain SMPP on this inherited listening socket")
    cmd.add_argument("--tls-fd", type=whole_number, metavar="N",
                     help="serve SMPP over TLS on this inherited listening socket")
    cmd.set_defaults(handler=_run)


def address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _inherited(fd: int) -> socket.socket:
    try:
        sock = socket.socket(fileno=fd)
    except OSError as exc:
        raise ConfigError(f"--fd {fd}: not an open socket ({exc.strerror or exc})") from exc
    if sock.type != socket.SOCK_STREAM:
        raise ConfigError(f"--fd {fd}: not a stream socket")
    return sock


def _listeners(settings: Settings, args):
    from ..api.smpp.server import tls_context
    from ..supervisor import listen
    listeners = []
    if args.fd is not None:
        listeners.append((_inherited(args.fd), None))
    elif settings.smpp_server_bind:
        sock = listen(settings.smpp_server_bind, backlog=1024)
        if sock is not None:
            listeners.append((sock, None))
    if args.tls_fd is not None or settings.smpp_server_tls_bind:
        if not (settings.smpp_server_tls_cert and settings.smpp_server_tls_key):
            raise ConfigError("SMPP over TLS needs SMSGW_SMPP_SERVER_TLS_CERT and "
                              "SMSGW_SMPP_SERVER_TLS_KEY")
        try:
            context = tls_context(settings.smpp_server_tls_cert, settings.smpp_server_tls_key)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"SMSGW_SMPP_SERVER_TLS_CERT/_KEY: cannot load them: {exc}") from exc
        sock = (_inherited(args.tls_fd) if args.tls_fd is not None
                else listen(settings.smpp_server_tls_bind, backlog=1024))
        if sock is not None:
            listeners.append((sock, context))
    if not listeners:
        raise ConfigError("nothing to listen on: SMSGW_SMPP_SERVER_BIND is empty and no "
                          "TLS bind or --fd was given")
    return listeners


def _run(settings: Settings, args) -> int:
    from ..api.smpp.runner import run_forever
    from ..bootstrap import build_smpp_server
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    listeners = _listeners(settings, args)
    services, options = build_smpp_server(settings)

    def announce(addresses: list[tuple[str, int]]) -> None:
        for (host, port), (_, context) in zip(addresses, listeners):
            kind = " (TLS)" if context is not None else ""
            print(f"smpp-server{kind} listening on {address(host, port)}", flush=True)
    code = run_forever(services, options, listeners, announce)
    sys.stdout.flush()
    return code
