"""`smsgw serve`'s process side: its listening socket, and gunicorn and a worker run together.

The listening socket is opened here, before any child starts, so that a busy address fails at
once with "address already in use", and gunicorn takes it over as ``fd://N``, the way it takes
over systemd's sockets.

The children run in process groups of their own, so a Ctrl-C in the terminal reaches only this
supervisor, which passes each stop signal on once (SIGHUP as SIGTERM); a child never gets the
terminal's signal and a forwarded copy of it (supervisord and foreman do the same). The signal
handlers only note the signal; the loop, woken through ``signal.set_wakeup_fd``, does the work,
so a signal may land at any moment, as often as it likes.
"""

from __future__ import annotations

import errno
import select
import signal
import socket
import subprocess
import time

from .config import ConfigError, parse_bind

FORWARD = {signal.SIGINT: signal.SIGINT, signal.SIGTERM: signal.SIGTERM,
           signal.SIGHUP: signal.SIGTERM}
# gunicorn's graceful_timeout and the worker's callback join both fit well inside this.
KILL_AFTER_SECONDS = 60.0


def listen(bind: str, backlog: int = 2048) -> socket.socket | None:
    """A socket listening on ``bind`` (HOST:PORT), inheritable by children; None for binds
    gunicorn opens itself (``unix:``). A busy address is a ConfigError, at once."""
    parsed = parse_bind(bind, "bind address")
    if parsed is None:
        return None
    host, port = parsed
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        if host in ("", "0.0.0.0", "::"):
            sock = socket.create_server((host, port), family=family, backlog=backlog)
        else:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            sock = socket.create_server(infos[0][4], family=infos[0][0], backlog=backlog)
    except OSError as exc:
        reason = ("address already in use" if exc.errno == errno.EADDRINUSE
                  else exc.strerror or str(exc))
        raise ConfigError(f"cannot listen on {bind}: {reason}") from exc
    sock.set_inheritable(True)
    return sock


def supervise(commands: list[list[str]], *, pass_fds: tuple[int, ...] = (),
              env: dict[str, str] | None = None) -> int:
    """Run ``commands`` side by side until a stop signal or until one of them ends; then stop
    the others and wait for all. 0 after a stop signal, else the first non-zero exit code."""
    reader, writer = socket.socketpair()
    for end in (reader, writer):
        end.setblocking(False)
    pending: list[int] = []

    def note(signum, _frame):  # runs between any two bytecodes: only a list append
        pending.append(signum)

    handled = (*FORWARD, signal.SIGCHLD)
    previous = {sig: signal.signal(sig, note) for sig in handled}
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    children: list[subprocess.Popen] = []
    try:
        for command in commands:
            children.append(subprocess.Popen(command, process_group=0, pass_fds=pass_fds, env=env))
        return _run(children, reader, pending)
    finally:
        for child in children:
            if child.poll() is None:  # only if _run itself failed
                child.kill()
                child.wait()
        signal.set_wakeup_fd(previous_fd)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        reader.close()
        writer.close()


def _run(children: list[subprocess.Popen], wakeup: socket.socket, pending: list[int]) -> int:
    stopped_by_signal, kill_at = False, None
    while any(child.poll() is None for child in children):
        now = time.monotonic()
        if kill_at is not None and now >= kill_at:
            for child in children:
                if child.poll() is None:
                    child.kill()
            kill_at = float("inf")
        timeout = 1.0 if kill_at is None else max(0.0, min(1.0, kill_at - now))
        select.select([wakeup], [], [], timeout)
        try:
            while wakeup.recv(256):
                pass
        except BlockingIOError:
            pass
        while pending:
            signum = pending.pop(0)
            if signum in FORWARD:
                stopped_by_signal = True
                _signal_all(children, FORWARD[signum])
                kill_at = kill_at or time.monotonic() + KILL_AFTER_SECONDS
        if kill_at is None and any(child.poll() is not None for child in children):
            _signal_all(children, signal.SIGTERM)  # one ended by itself: stop the others
            kill_at = time.monotonic() + KILL_AFTER_SECONDS
    codes = [child.wait() for child in children]
    return 0 if stopped_by_signal else next((code for code in codes if code), 0)


def _signal_all(children: list[subprocess.Popen], signum: int) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signum)

