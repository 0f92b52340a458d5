"""The host resolver of callbacks: the system's (getaddrinfo), as every client on the host."""

from __future__ import annotations

import socket


class SystemResolver:
    def resolve(self, host: str, port: int) -> list[str]:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))
