"""Running the SMPP server: in the foreground of a process (``smsgw smpp-server``), where
SIGTERM and SIGINT unbind and stop it, or on a thread of its own (tests, benchmarks)."""

from __future__ import annotations

import asyncio
import signal
import socket
import ssl
import threading
from collections.abc import Callable, Sequence

from .server import ServerOptions, SmppServer, SmppServices

Listener = tuple[socket.socket, ssl.SSLContext | None]


def run_forever(services: SmppServices, options: ServerOptions, listeners: Sequence[Listener],
                announce: Callable[[list[tuple[str, int]]], None]) -> int:
    """Serve until SIGTERM or SIGINT; ``announce`` gets the addresses once they accept."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(_serve(loop, services, options, listeners, announce))
    finally:
        loop.close()


async def _serve(loop: asyncio.AbstractEventLoop, services: SmppServices,
                 options: ServerOptions, listeners: Sequence[Listener],
                 announce: Callable[[list[tuple[str, int]]], None]) -> int:
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    server = SmppServer(services, options, loop)
    announce(await server.start(listeners))
    await stop.wait()
    await server.shutdown(min(5.0, options.response_timeout_seconds))
    return 0


class ServerThread:
    """An SmppServer on its own thread and event loop: ``start()`` returns the addresses."""

    def __init__(self, services: SmppServices, options: ServerOptions,
                 listeners: Sequence[Listener]) -> None:
        self.services, self.options, self.listeners = services, options, listeners
        self.loop = asyncio.new_event_loop()
        self.server: SmppServer | None = None
        self.addresses: list[tuple[str, int]] = []
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="smpp-server", daemon=True)

    def start(self, timeout: float = 10) -> list[tuple[str, int]]:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the SMPP server did not start")
        if self._error is not None:
            raise self._error
        return self.addresses

    def call(self, fn: Callable[[], object], timeout: float = 10) -> object:
        """Run ``fn`` on the server's loop and return its result (for tests' inspections)."""
        async def run() -> object:
            return fn()
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    def stop(self, timeout: float = 30) -> None:
        if self.server is not None and self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(
                self.server.shutdown(min(5.0, self.options.response_timeout_seconds)),
                self.loop).result(timeout)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.server = SmppServer(self.services, self.options, self.loop)
            self.addresses = self.loop.run_until_complete(self.server.start(self.listeners))
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        self.loop.close()
