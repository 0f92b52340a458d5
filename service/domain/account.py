"""The account: who sends, what they may do, and what they have to spend."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import AccountBlocked, IpNotAllowed, ValidationError


def parse_networks(specs: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validate IPs/CIDRs (``10.0.0.1``, ``192.168.0.0/24``, ``::1``); return them normalised."""
    out = []
    for spec in specs:
        spec = spec.strip()
        if not spec:
            continue
        try:
            out.append(str(ipaddress.ip_network(spec, strict=False)))
        except ValueError as exc:
            raise ValidationError(f"invalid IP or network {spec!r}", field="allowed_ips") from exc
    return tuple(out)


@dataclass(frozen=True)
class AccountSettings:
    """Per-account policies. An empty ``allowed_ips`` means any address.

    ``callback_url_trusted``: the operator set ``callback_url`` (it may reach private
    networks); False when a client set it through an API (public addresses only, plus the
    networks the operator allows).
    """

    allowed_ips: tuple[str, ...] = ()
    retention_days: int | None = None
    default_sender: str | None = None
    callback_url: str | None = None
    callback_secret: str | None = None
    callback_url_trusted: bool = True
    simulator_rules: str | None = None
    # requests per minute by operation class; None: the gateway's default, 0: no limit
    rate_send: int | None = None
    rate_query: int | None = None
    rate_manage: int | None = None
    # what happens to a message whose sender is not approved for its destination
    # (domain/sender_ids.py): "fallback" to the shared sender, or "refuse" (BANNED)
    sender_policy: str = "fallback"
    # simultaneous SMPP binds (app/smpp/binds.py); None: SMSGW_SMPP_SERVER_MAX_BINDS
    smpp_max_binds: int | None = None

    def ip_allowed(self, ip: str | None) -> bool:
        if not self.allowed_ips:
            return True
        if not ip:
            return False
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net) for net in self.allowed_ips)


@dataclass
class Account:
    id: int | None
    login: str
    password_hash: str
    balance: Decimal = Decimal("0")
    currency: str = "RUB"
    blocked: bool = False
    paused: bool = False  # delivery held: workers claim none of its messages
    settings: AccountSettings = field(default_factory=AccountSettings)
    tariff_id: int | None = None  # its own price list; None: the gateway's default
    # postpaid: the balance may go down to minus this (0: prepaid); set only by the operator
    credit_limit: Decimal = Decimal("0")
    # SMPP binds check this, never ``password_hash`` (SMPP 3.4 passwords are at most 8
    # characters); None: no SMPP password, and every bind is refused as a wrong password would be
    smpp_password_hash: str | None = None

    @property
    def stored_id(self) -> int:
        """The id of an account read from the store (only a new, unsaved account has none)."""
        if self.id is None:
            raise ValueError("this account is not stored yet")
        return self.id

    def check_access(self, ip: str | None) -> None:
        """Raise unless this account may act from ``ip`` right now."""
        if self.blocked:
            raise AccountBlocked(self.login)
        if not self.settings.ip_allowed(ip):
            raise IpNotAllowed(ip)
