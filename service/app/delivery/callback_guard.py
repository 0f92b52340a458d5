"""Where a callback may go: the URL checked, the host resolved once, every address checked.

The sender connects only to an address this returns (the transport never resolves the host
again), so a DNS answer that changes between the check and the connection cannot lead it
elsewhere. The rules themselves are the domain's (``domain/callback_url.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...domain.callback_url import (CallbackTarget, IPNetwork, address_refusal,
                                   parse_callback_url)
from ...domain.errors import ValidationError
from .ports import HostResolver

ALLOWED_NETWORKS_SETTING = "SMSGW_CALLBACK_ALLOWED_NETWORKS"


class CallbackRefused(Exception):
    """This notification must not be sent to its URL. ``permanent``: it never will be (the
    URL itself is invalid), so retrying is pointless."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class Destination:
    target: CallbackTarget
    addresses: tuple[str, ...]  # every one checked; connect to these, in this order


class CallbackGuard:
    def __init__(self, resolver: HostResolver,
                 allowed_networks: tuple[IPNetwork, ...] = ()) -> None:
        self._resolver = resolver
        self._allowed = allowed_networks

    def destination(self, url: str, *, trusted: bool) -> Destination:
        """The checked target and addresses of ``url``. Raises CallbackRefused when the URL is
        invalid or any address it resolves to is refused, and OSError when it does not
        resolve."""
        try:
            target = parse_callback_url(url)
        except ValidationError as exc:
            raise CallbackRefused(f"refused: {exc.message}", permanent=True) from exc
        literal = target.ip_literal
        addresses = [str(literal)] if literal else self._resolver.resolve(target.host,
                                                                          target.port)
        if not addresses:
            raise OSError(f"{target.host} resolves to no address")
        for address in addresses:
            refusal = address_refusal(address, trusted=trusted, allowed=self._allowed)
            if refusal:
                via = "" if literal else f"{target.host} resolves to {address}: "
                hint = "" if refusal.always else f" (see {ALLOWED_NETWORKS_SETTING})"
                raise CallbackRefused(f"refused: {via}{refusal}{hint}")
        return Destination(target, tuple(dict.fromkeys(addresses)))
