"""Limits and defaults the use cases apply, built from Settings by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ...domain.limits import Limits
from ...domain.pricing import Tariff


@dataclass(frozen=True)
class SendingPolicy:
    default_region: str = "RU"
    max_recipients: int = 1000
    max_text_length: int = 1000
    default_validity_minutes: int = 24 * 60
    max_validity_minutes: int = 7 * 24 * 60
    max_schedule_days: int = 90
    max_client_ref_length: int = 64
    max_status_ids: int = 1000
    idempotency_hours: int = 24
    tariff: Tariff = field(default_factory=lambda: Tariff(Decimal("1.00")))
    limits: Limits = field(default_factory=Limits)  # the gateway's defaults (SMSGW_LIMIT_*)
    # SMSGW_SENDER_CHECK: resolve each message's sender against the registry (docs/senders.md)
    sender_check: bool = False
