"""Port of each account's own opt-out keywords and replies (``uow.inbound_settings``).

An account that set nothing has no row: the gateway's defaults (SMSGW_INBOUND_*) apply. A
setting left None is the default too; an empty word list or reply is "none" (the operator
turned it off for the account). Nothing changes until the unit of work commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from ...domain.keywords import OwnKeywordSettings


class InboundSettingsRepository(Protocol):
    def get(self, account_id: int) -> OwnKeywordSettings | None:
        """What the account set for itself, or None when it set nothing."""

    def set(self, account_id: int, settings: OwnKeywordSettings, now: datetime) -> None:
        """Store the account's own settings whole, replacing what it had (``now``: when);
        settings with nothing set remove the account's row."""
