"""Use cases: the settings a client changes itself (and a parent for its sub-clients).

A client may read and change its callback URL and secret, IP allowlist, retention days,
default sender and sender policy (fallback or refuse). What only the operator sets (blocking, tariff, limits, credit limit, rates,
balance, the simulator's rules) stays with the CLI: naming it here is Forbidden (9).

A URL a client sets is untrusted: it may reach only public addresses and the networks the
operator allows (SMSGW_CALLBACK_ALLOWED_NETWORKS). It is checked as it is set (an IP literal
outside those is refused at once) and again, address by address, before every POST
(app/delivery/callback_guard.py).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from collections.abc import Sequence

from ...domain.account import Account, parse_networks
from ...domain.callback_url import IPNetwork, address_refusal, parse_callback_url
from ...domain.errors import ConstraintViolation, Forbidden, ValidationError
from ..access.auth import Authenticator, Credentials
from ..access.rate_limits import Operation
from ..accounts.accounts import AccountService
from ..uow import UnitOfWorkFactory
from .subaccounts import SubAccountService

# The names a client might use for what only the operator sets, and who sets it.
OPERATOR_ONLY = {
    "blocked": "blocking", "block": "blocking", "paused": "pausing delivery",
    "tariff": "tariff", "limits": "limits", "perDay": "limits", "perMonth": "limits",
    "creditLimit": "credit limit", "credit": "credit limit", "balance": "balance",
    "currency": "currency", "rates": "rate limits", "rateSend": "rate limits",
    "rateQuery": "rate limits", "rateManage": "rate limits",
    "simulatorRules": "the simulator's rules", "callbackUrlTrusted": "callback URL trust",
    "balanceMode": "balance mode",
}


def refuse_operator_only(names: Sequence[str]) -> None:
    """Forbidden (9) naming the first operator-only setting among ``names``."""
    for name in names:
        what = OPERATOR_ONLY.get(name)
        if what is not None:
            raise Forbidden(f"{what} is set by the operator ({name} cannot be changed "
                            "through the API)", field=name)


@dataclass(frozen=True)
class SettingsView:
    """What a client sees of its settings. The callback secret is never shown, only whether
    one is set."""

    login: str
    callback_url: str | None
    callback_secret_set: bool
    allowed_ips: tuple[str, ...]
    retention_days: int | None
    default_sender: str | None
    sender_policy: str = "fallback"


@dataclass(frozen=True)
class SettingsChange:
    """``None`` leaves a setting as it is; ``""`` (or an empty list of IPs) clears it."""

    callback_url: str | None = None
    callback_secret: str | None = None
    allowed_ips: list[str] | None = None
    retention_days: int | None = None
    default_sender: str | None = None
    sender_policy: str | None = None  # fallback | refuse (docs/senders.md)


def view(account: Account) -> SettingsView:
    s = account.settings
    return SettingsView(account.login, s.callback_url, bool(s.callback_secret), s.allowed_ips,
                        s.retention_days, s.default_sender, s.sender_policy)


class AccountSettingsService:
    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator,
                 accounts: AccountService, subaccounts: SubAccountService,
                 allowed_networks: tuple[IPNetwork, ...] = ()) -> None:
        self._uow = uow_factory
        self._auth = auth
        self._accounts = accounts
        self._subaccounts = subaccounts
        self._allowed = allowed_networks

    def get(self, credentials: Credentials, sub_account: str | None = None) -> SettingsView:
        """The caller's settings, or (``sub_account``) those of one of its sub-clients."""
        with self._uow() as uow:
            caller = self._auth.admit(uow, credentials, Operation.QUERY)
            return view(self._subaccounts.resolve(uow, caller, sub_account))

    def set(self, credentials: Credentials, change: SettingsChange,
            sub_account: str | None = None) -> SettingsView:
        """Change the caller's settings (or a sub-client's); returns them as stored."""
        with self._uow() as uow:
            caller = self._auth.admit(uow, credentials, Operation.MANAGE)
            target = self._subaccounts.resolve(uow, caller, sub_account)
        try:
            account = self._apply(credentials, caller, target, change)
        except ValidationError as exc:
            exc.field = _CAMEL.get(exc.field or "", exc.field)
            raise
        return view(account)

    def _apply(self, credentials: Credentials, caller: Account, target: Account,
               change: SettingsChange) -> Account:
        if change.retention_days is not None and change.retention_days < 0:
            raise ConstraintViolation("retentionDays", "retentionDays must be 0 or more "
                                      "(0: deleted once final)")
        if change.callback_url:
            self._check_url(change.callback_url)
        if change.allowed_ips:
            networks = parse_networks(change.allowed_ips)
            if target.id == caller.id and credentials.ip and not _covers(networks, credentials.ip):
                raise ConstraintViolation("allowedIps", f"the allowlist must include the address "
                                          f"you are calling from ({credentials.ip})")
        return self._accounts.configure(
            target.login, allowed_ips=change.allowed_ips, retention_days=change.retention_days,
            default_sender=change.default_sender, callback_url=change.callback_url,
            callback_secret=change.callback_secret, callback_url_trusted=False,
            sender_policy=change.sender_policy or None)

    def _check_url(self, url: str) -> None:
        target = parse_callback_url(url)
        literal = target.ip_literal
        if literal is not None:
            refusal = address_refusal(literal, trusted=False, allowed=self._allowed)
            if refusal is not None:
                raise ValidationError(f"callback URL: {refusal}", field="callbackUrl")
        elif target.host == "localhost" or target.host.endswith(".localhost"):
            raise ValidationError("callback URL: localhost is not allowed for a client-set URL",
                                  field="callbackUrl")


_CAMEL = {"callback_url": "callbackUrl", "callback_secret": "callbackSecret",
          "allowed_ips": "allowedIps", "retention_days": "retentionDays",
          "default_sender": "defaultSender", "sender": "defaultSender",
          "sender_policy": "senderPolicy"}


def _covers(networks: tuple[str, ...], ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n) for n in networks)
