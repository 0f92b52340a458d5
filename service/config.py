"""Settings: read once from the environment (``SMSGW_*``), frozen, and passed explicitly.

This is the only module that reads ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'smsgw.db'}"
    bind: str = "127.0.0.1:8080"
    public_url: str = "http://127.0.0.1:8080"
    # Processes do the CPU work (one GIL each); a second thread overlaps the database waits.
    # gthread workers with many threads convoy on the GIL and lose more than they gain.
    workers: int = field(default_factory=lambda: (os.cpu_count() or 1) + 1)
    threads: int = 2
    default_region: str = "RU"
    currency: str = "RUB"
    default_price: str = "1.00"
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
    smpp_host: str = "127.0.0.1"
    smpp_port: int = 2775
    smpp_system_id: str = ""
    smpp_password: str = ""
    smpp_system_type: str = ""
    smpp_tps: int = 100
    smpp_window: int = 10
    smpp_response_timeout_seconds: int = 10
    smpp_enquire_link_seconds: int = 30
    smpp_reconnect_max_seconds: int = 60
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
    embedded_worker: int = 1
    task_threshold: int = 1000
    http_rate_per_minute: int = 600         # per account and method; 0 turns it off
    smsc_namespace: str = "https://smsc.ru/sys/soap.php"
    smsc_ip_block_errors: int = 10          # failed smsc requests from one IP that block it
    smsc_ip_block_window_seconds: int = 60
    smsc_ip_block_seconds: int = 600
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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        values: dict = {}
        for f in fields(cls):
            key = "SMSGW_" + f.name.upper()
            if key not in env or env[key] == "":
                continue
            raw = env[key]
            if f.type == "int":
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
        if not self.public_url.startswith(("http://", "https://")):
            raise ConfigError(f"SMSGW_PUBLIC_URL={self.public_url!r} must start with http(s)://")
        for name in ("workers", "threads", "max_recipients", "max_text_length",
                     "max_validity_minutes", "max_request_bytes", "worker_batch", "worker_window",
                     "worker_lease_seconds", "callback_timeout_seconds", "smpp_window",
                     "header_timeout_seconds", "body_timeout_seconds"):
            if getattr(self, name) < 1:
                raise ConfigError(f"SMSGW_{name.upper()} must be at least 1")
        if self.unknown_outcome not in ("fail", "retry"):
            raise ConfigError(f"SMSGW_UNKNOWN_OUTCOME={self.unknown_outcome!r}: expected fail or retry")
        if self.connector not in ("simulator", "smpp"):
            raise ConfigError(f"SMSGW_CONNECTOR={self.connector!r}: expected simulator or smpp")
        if not 1 <= self.default_validity_minutes <= self.max_validity_minutes:
            raise ConfigError("SMSGW_DEFAULT_VALIDITY_MINUTES must be 1..SMSGW_MAX_VALIDITY_MINUTES")

    @property
    def smsc_url(self) -> str:
        return self.public_url.rstrip("/") + "/sys/soap.php"

    @property
    def oms_url(self) -> str:
        return self.public_url.rstrip("/") + "/oms"

    @property
    def soap_url(self) -> str:
        return self.public_url.rstrip("/") + "/soap"
