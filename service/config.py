"""Settings: read once from the environment (``SMSGW_*``), frozen, and passed explicitly.

This is the only module that reads ``os.environ``.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Mapping


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


# Settings that were replaced: starting with one of them set is an error, not a silent change.
_REPLACED = {
    "SMSGW_HTTP_RATE_PER_MINUTE": "SMSGW_RATE_{SEND,QUERY,MANAGE}_PER_MINUTE",
    "SMSGW_SMSC_IP_BLOCK_ERRORS": "SMSGW_AUTH_ADDRESS_MAX_FAILURES",
    "SMSGW_SMSC_IP_BLOCK_WINDOW_SECONDS": "SMSGW_AUTH_FAILURE_WINDOW_SECONDS",
    "SMSGW_SMSC_IP_BLOCK_SECONDS": "SMSGW_AUTH_BLOCK_SECONDS",
}


WILDCARD_HOSTS = ("", "0.0.0.0", "::")

# Settings whose empty value says something (elsewhere empty means "the default"):
# SMSGW_SMPP_SERVER_BIND= turns the SMPP server off.
# SMSGW_INBOUND_{STOP,START,HELP}_REPLY= sends no reply.
_EMPTY_IS_A_VALUE = frozenset({"smpp_server_bind", "inbound_stop_reply", "inbound_start_reply",
                               "inbound_help_reply"})

# Each SMSGW_SMPP_* setting and the SmppConfig field (service/delivery/smpp/config.py) it sets.
SMPP_SETTINGS = {
    "smpp_host": "host", "smpp_port": "port", "smpp_system_id": "system_id",
    "smpp_password": "password", "smpp_system_type": "system_type", "smpp_tps": "tps",
    "smpp_window": "window", "smpp_response_timeout_seconds": "response_timeout",
    "smpp_enquire_link_seconds": "enquire_link_interval",
    "smpp_reconnect_max_seconds": "reconnect_max",
}


def parse_bind(bind: str, name: str = "SMSGW_BIND") -> tuple[str, int] | None:
    """``HOST:PORT`` or ``[IPV6]:PORT`` as (host, port); None for gunicorn's ``unix:``/``fd://``."""
    if bind.startswith(("unix:", "fd://")):
        return None
    host, sep, port = bind.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        sep = ""  # a bare IPv6 address: the port is not separable
    if not sep or not port.isascii() or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConfigError(f"{name}={bind!r}: expected HOST:PORT (port 1..65535, IPv6 in [])")
    if any(c.isspace() or c in "/?#@[]" for c in host) or not host.isascii():
        raise ConfigError(f"{name}={bind!r}: {host!r} is not a host name or address")
    return host, int(port)


def public_url_for(bind: str) -> str:
    """The base URL clients reach a gateway bound to ``bind`` at: the bound host, or the
    machine's name for a wildcard bind (``0.0.0.0``, ``[::]``)."""
    parsed = parse_bind(bind)
    if parsed is None:
        raise ConfigError(f"SMSGW_BIND={bind!r} has no host to derive a URL from: "
                          "set SMSGW_PUBLIC_URL")
    host, port = parsed
    if host in WILDCARD_HOSTS:
        host = socket.gethostname()
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def child_environment(**overrides: str) -> dict[str, str]:
    """The environment for a child process: ours, with these settings (``bind=...``) replaced."""
    return {**os.environ, **{"SMSGW_" + k.upper(): v for k, v in overrides.items()}}


@dataclass(frozen=True)
class Settings:
    # Where smsgw keeps its files (the default SQLite database); relative to the working
    # directory, never to the source tree, so an installed wheel works the same as a checkout.
    data_dir: str = "var"
    database_url: str = ""  # empty: SQLite at <data_dir>/smsgw.db
    bind: str = "127.0.0.1:8080"
    public_url: str = ""  # empty: derived from bind (public_url_for)
    # Processes do the CPU work (one GIL each); a second thread overlaps the database waits.
    # gthread workers with many threads convoy on the GIL and lose more than they gain.
    workers: int = field(default_factory=lambda: (os.cpu_count() or 1) + 1)
    threads: int = 2
    default_region: str = "RU"
    currency: str = "RUB"
    default_price: str = "1.00"
    # The default price list, for accounts without a tariff of their own (docs/tariffs.md):
    # a prefix spec (7=0.90,7495=0.80) over default_price, or the name of a stored tariff.
    tariff: str = ""
    max_recipients: int = 1000
    max_text_length: int = 1000
    default_validity_minutes: int = 1440
    max_validity_minutes: int = 10080
    max_schedule_days: int = 90
    max_request_bytes: int = 1024 * 1024
    # Slow clients: a request's headers, then its body, must arrive within these times
    # (whole, not per read) or the connection is dropped; see docs/deployment.md.
    header_timeout_seconds: int = 10
    body_timeout_seconds: int = 30
    auth_cache_seconds: int = 300
    demo_login: str = "demo"
    trusted_proxies: str = ""
    # delivery (issue 3): which connector, and its settings
    connector: str = "simulator"
    # The SMPP bind (SMPP_SETTINGS): None keeps SmppConfig's default, declared there only.
    smpp_host: str | None = None
    smpp_port: int | None = None
    smpp_system_id: str | None = None
    smpp_password: str | None = None
    smpp_system_type: str | None = None
    smpp_tps: int | None = None
    smpp_window: int | None = None
    smpp_response_timeout_seconds: int | None = None
    smpp_enquire_link_seconds: int | None = None
    smpp_reconnect_max_seconds: int | None = None
    simulator_rules: str = ""
    simulator_receipt_delay_ms: int = 1000
    simulator_tps: int = 0
    worker_batch: int = 200
    worker_window: int = 50
    worker_lease_seconds: int = 60
    worker_callback_threads: int = 4
    unknown_outcome: str = "fail"
    callback_retry_min_seconds: int = 10
    callback_retry_max_seconds: int = 600
    callback_give_up_hours: int = 24
    callback_timeout_seconds: int = 10
    # CIDRs a client-set callback URL may reach beyond public addresses (comma-separated)
    callback_allowed_networks: str = ""
    embedded_worker: int = 1
    task_threshold: int = 1000
    # Sender IDs (docs/senders.md): "on" resolves each message's sender against the registry
    # (approved senders, shared senders, the account's policy); "off" sends any valid sender
    sender_check: str = "off"
    # rate limits per account, operation class and minute (every door); 0 turns one off
    rate_send_per_minute: int = 300
    rate_query_per_minute: int = 600
    rate_manage_per_minute: int = 300
    # the login guard (brute force, every door; smsc's error 4); a threshold of 0 turns it off
    auth_max_failures: int = 5              # per login and address, within the window
    auth_address_max_failures: int = 30     # per address, any login (and smsc request errors)
    auth_login_max_failures: int = 100      # per login, any address but trusted ones
    auth_failure_window_seconds: int = 900
    auth_block_seconds: int = 60            # the first lock; doubles on each repeat
    auth_block_max_seconds: int = 86400
    auth_trust_seconds: int = 30 * 86400    # a sign-in exempts its address from wider locks
    smsc_namespace: str = "https://smsc.ru/sys/soap.php"
    # sending limits' defaults for accounts that set none (docs/limits.md); empty/0: off
    limit_per_day: int = 0
    limit_per_month: int = 0
    limit_flood: str = ""               # N/MINUTES
    limit_duplicate_minutes: int = 0
    limit_countries: str = ""           # region codes, e.g. RU,KZ
    limit_quiet_hours: str = ""         # START-END local hours, e.g. 21-09
    # Outlook Mobile Service (/oms)
    oms_provider: str = "smsgw"
    oms_service_name: str = "smsgw SMS"
    oms_sign_up_url: str = ""
    oms_locale: str = "1033"
    oms_max_recipients: int = 50
    oms_max_messages: int = 20
    oms_reply_phone: str = ""
    oms_smtp_address: str = ""
    log_level: str = "info"
    # history retention and the archive (docs/retention.md)
    retention_days: int | None = None       # for accounts without their own; empty: for ever
    archive_after_hours: int = 24           # final messages older than this leave the hot tables
    retention_batch: int = 1000             # rows per transaction of the retention job
    # The SMPP server door (docs/smpp-server.md); an empty bind: `smsgw serve` does not start it
    smpp_server_bind: str = "127.0.0.1:2775"
    smpp_server_tls_bind: str = ""
    smpp_server_tls_cert: str = ""
    smpp_server_tls_key: str = ""
    smpp_server_window: int = 10                # receipts in flight per receiving session
    smpp_server_max_pending: int = 5000         # submit_sm waiting for a commit, per process
    smpp_server_enquire_link_seconds: int = 30  # silence before we ask the peer
    smpp_server_bind_timeout_seconds: int = 30  # a connection must bind within this
    smpp_server_response_timeout_seconds: int = 30
    smpp_server_idle_timeout_seconds: int = 0   # no submit/deliver for this long: unbind; 0 off
    smpp_server_max_unbound_per_ip: int = 10
    smpp_server_batch_wait_ms: int = 2          # a group commit waits this long for company
    # SMPP receipts nobody bound to take are dropped after this many hours (docs/smpp-server.md)
    smpp_server_receipt_max_age_hours: int = 72
    smpp_server_max_binds: int = 8          # simultaneous SMPP binds per account, all nodes
    # Opt-out keywords of inbound messages (docs/inbound.md): comma separated words, empty for
    # the built-in lists; the replies: unset for the built-in texts, set empty for no reply
    inbound_stop_words: str = ""
    inbound_start_words: str = ""
    inbound_help_words: str = ""
    inbound_stop_reply: str | None = None
    inbound_start_reply: str | None = None
    inbound_help_reply: str | None = None
    # inbound messages (docs/inbound.md): how long the parts of a message wait for the rest
    inbound_reassembly_seconds: int = 300
    # True when public_url was derived from bind rather than given
    public_url_derived: bool = field(default=False, init=False, compare=False)

    def __post_init__(self) -> None:
        if not self.database_url:
            path = Path(self.data_dir).resolve() / "smsgw.db"
            object.__setattr__(self, "database_url", f"sqlite:///{path}")
        if not self.public_url:
            object.__setattr__(self, "public_url", public_url_for(self.bind))
            object.__setattr__(self, "public_url_derived", True)

    def rebound(self, bind: str) -> "Settings":
        """These settings listening on ``bind`` instead (``smsgw serve --bind``); a derived
        public URL follows the new address."""
        parse_bind(bind, "--bind")
        return replace(self, bind=bind, public_url="" if self.public_url_derived else self.public_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        for old, new in _REPLACED.items():
            if env.get(old):
                raise ConfigError(f"{old} is gone: use {new} (see README, configuration)")
        values: dict = {}
        for f in fields(cls):
            key = "SMSGW_" + f.name.upper()
            if not f.init or key not in env or (env[key] == "" and f.name not in _EMPTY_IS_A_VALUE):
                continue
            raw = env[key]
            if f.type in ("int", "int | None"):
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise ConfigError(f"{key}={raw!r} is not an integer") from exc
            else:
                values[f.name] = raw
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        parse_bind(self.bind)
        if not self.public_url.startswith(("http://", "https://")):
            raise ConfigError(f"SMSGW_PUBLIC_URL={self.public_url!r} must start with http(s)://")
        for name in ("workers", "threads", "max_recipients", "max_text_length",
                     "max_validity_minutes", "max_request_bytes", "worker_batch", "worker_window",
                     "worker_lease_seconds", "callback_timeout_seconds", "smpp_window",
                     "header_timeout_seconds", "body_timeout_seconds", "smpp_server_max_binds"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"SMSGW_{name.upper()} must be at least 1")
        for name in ("auth_failure_window_seconds", "auth_block_seconds",
                     "auth_block_max_seconds"):
            if getattr(self, name) < 1:
                raise ConfigError(f"SMSGW_{name.upper()} must be at least 1")
        for name in ("rate_send_per_minute", "rate_query_per_minute", "rate_manage_per_minute",
                     "auth_max_failures", "auth_address_max_failures", "auth_login_max_failures",
                     "auth_trust_seconds"):
            if getattr(self, name) < 0:
                raise ConfigError(f"SMSGW_{name.upper()} must not be negative")
        self._validate_smpp_server()
        from .domain.money import CURRENCIES
        if self.currency not in CURRENCIES:
            raise ConfigError(f"SMSGW_CURRENCY={self.currency!r} is not an active ISO 4217 code "
                              "(like RUB, EUR or USD)")
        if self.unknown_outcome not in ("fail", "retry"):
            raise ConfigError(f"SMSGW_UNKNOWN_OUTCOME={self.unknown_outcome!r}: expected fail or retry")
        if self.sender_check not in ("on", "off"):
            raise ConfigError(f"SMSGW_SENDER_CHECK={self.sender_check!r}: expected on or off")
        if self.connector not in ("simulator", "smpp"):
            raise ConfigError(f"SMSGW_CONNECTOR={self.connector!r}: expected simulator or smpp")
        for spec in self.callback_allowed_networks.split(","):
            try:
                if spec.strip():
                    ipaddress.ip_network(spec.strip(), strict=False)
            except ValueError as exc:
                raise ConfigError(f"SMSGW_CALLBACK_ALLOWED_NETWORKS: {spec.strip()!r} is not an "
                                  "IP network (expected CIDRs such as 10.0.0.0/8,::1)") from exc
        from .domain.retention import MAX_RETENTION_DAYS
        if self.retention_days is not None and not 0 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise ConfigError(f"SMSGW_RETENTION_DAYS={self.retention_days}: expected 0.."
                              f"{MAX_RETENTION_DAYS} days (empty: keep history for ever)")
        if self.archive_after_hours < 0:
            raise ConfigError("SMSGW_ARCHIVE_AFTER_HOURS must not be negative")
        if self.retention_batch < 1:
            raise ConfigError("SMSGW_RETENTION_BATCH must be at least 1")
        if self.inbound_reassembly_seconds < 1:
            raise ConfigError("SMSGW_INBOUND_REASSEMBLY_SECONDS must be at least 1")
        if self.smpp_server_receipt_max_age_hours < 1:
            raise ConfigError("SMSGW_SMPP_SERVER_RECEIPT_MAX_AGE_HOURS must be at least 1")
        from .domain.tariffs import TARIFF_NAME
        if self.tariff_name is not None and not TARIFF_NAME.fullmatch(self.tariff_name):
            raise ConfigError(f"SMSGW_TARIFF={self.tariff!r}: expected PREFIX=PRICE pairs "
                              "(7=0.90,7495=0.80) or the name of a stored tariff")
        from .domain.errors import SmsgwError
        try:
            self.sending_limits()
        except SmsgwError as exc:
            raise ConfigError(f"SMSGW_LIMIT_{(exc.field or '').upper()}: {exc}") from exc
        try:
            self.keyword_settings()
        except SmsgwError as exc:
            raise ConfigError(f"SMSGW_INBOUND_{(exc.field or '').upper()}: {exc}") from exc
        if not 1 <= self.default_validity_minutes <= self.max_validity_minutes:
            raise ConfigError("SMSGW_DEFAULT_VALIDITY_MINUTES must be 1..SMSGW_MAX_VALIDITY_MINUTES")

    def _validate_smpp_server(self) -> None:
        for name in ("smpp_server_bind", "smpp_server_tls_bind"):
            value = getattr(self, name)
            if value and (value.startswith(("unix:", "fd://")) or parse_bind(value, "SMSGW_" + name.upper()) is None):
                raise ConfigError(f"SMSGW_{name.upper()}={value!r}: expected HOST:PORT")
        if self.smpp_server_tls_bind and not (self.smpp_server_tls_cert and self.smpp_server_tls_key):
            raise ConfigError("SMSGW_SMPP_SERVER_TLS_BIND needs SMSGW_SMPP_SERVER_TLS_CERT and "
                              "SMSGW_SMPP_SERVER_TLS_KEY (PEM files)")
        for name in ("smpp_server_window", "smpp_server_max_pending",
                     "smpp_server_enquire_link_seconds", "smpp_server_bind_timeout_seconds",
                     "smpp_server_response_timeout_seconds", "smpp_server_max_unbound_per_ip"):
            if getattr(self, name) < 1:
                raise ConfigError(f"SMSGW_{name.upper()} must be at least 1")
        for name in ("smpp_server_idle_timeout_seconds", "smpp_server_batch_wait_ms"):
            if getattr(self, name) < 0:
                raise ConfigError(f"SMSGW_{name.upper()} must not be negative")

    def sending_limits(self):
        """The SMSGW_LIMIT_* defaults as domain Limits (ValidationError names a bad one)."""
        from .domain.limits import parse_limits
        return parse_limits(
            per_day=str(self.limit_per_day), per_month=str(self.limit_per_month),
            flood=self.limit_flood, duplicate_minutes=str(self.limit_duplicate_minutes),
            countries=self.limit_countries, quiet_hours=self.limit_quiet_hours)

    def keyword_settings(self):
        """The SMSGW_INBOUND_* defaults as domain KeywordSettings (ValidationError names a bad
        one): a word list left empty and a reply left unset are the built-in ones."""
        from .domain.keywords import REPLY_FIELDS, WORD_FIELDS, KeywordSettings
        given = {name: getattr(self, "inbound_" + name) for name in WORD_FIELDS + REPLY_FIELDS}
        return KeywordSettings.parse(**{name: value for name, value in given.items()
                                        if value is not None and (value or name in REPLY_FIELDS)})

    def smpp_options(self) -> dict[str, object]:
        """The SMPP settings given, as SmppConfig keyword arguments (the rest keep its defaults)."""
        return {option: getattr(self, name) for name, option in SMPP_SETTINGS.items()
                if getattr(self, name) is not None}

    @property
    def tariff_name(self) -> str | None:
        """The stored tariff SMSGW_TARIFF names (a value without ``=``), or None for a spec."""
        value = self.tariff.strip()
        return value if value and not any(c in value for c in "=,;") else None

    @property
    def tariff_spec(self) -> str:
        """SMSGW_TARIFF as a prefix spec (empty when it names a stored tariff)."""
        return "" if self.tariff_name else self.tariff

    @property
    def smsc_url(self) -> str:
        return self.public_url.rstrip("/") + "/sys/soap.php"

    @property
    def oms_url(self) -> str:
        return self.public_url.rstrip("/") + "/oms"

    @property
    def soap_url(self) -> str:
        return self.public_url.rstrip("/") + "/soap"
