"""The client's address, for IP allowlists: REMOTE_ADDR, or X-Forwarded-For from a trusted proxy."""

from __future__ import annotations

import ipaddress
from typing import Mapping


class ClientIpResolver:
    """Trusts ``X-Forwarded-For`` only when the direct peer is one of ``trusted_proxies``."""

    def __init__(self, trusted_proxies: tuple[str, ...] = ()) -> None:
        self._trusted = tuple(ipaddress.ip_network(p.strip(), strict=False)
                              for p in trusted_proxies if p.strip())

    def _is_trusted(self, ip: str) -> bool:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in net for net in self._trusted)

    def resolve(self, environ: Mapping[str, str]) -> str | None:
        peer = environ.get("REMOTE_ADDR")
        if not peer or not self._trusted or not self._is_trusted(peer):
            return peer
        hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        # The rightmost address a trusted proxy did not add is the client. A hop that is not
        # an address was never written by a proxy we trust: the client forged it, so the
        # nearest trusted hop is as far as the chain can be believed.
        nearest = peer
        for hop in reversed(hops):
            try:
                address = str(ipaddress.ip_address(hop))
            except ValueError:
                return nearest
            if not self._is_trusted(address):
                return address
            nearest = address
        return peer
