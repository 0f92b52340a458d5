"""Mailings (campaigns): one text or template to many recipients, with a lifecycle.

    DRAFT -> [STARTING ->] SCHEDULED | RUNNING -> PAUSED <-> RUNNING -> COMPLETED
    DRAFT, SCHEDULED, RUNNING, PAUSED -> CANCELLED

STARTING: a large mailing being priced and queued by a background task.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .errors import ConstraintViolation


class MailingState(enum.Enum):
    DRAFT = "DRAFT"
    STARTING = "STARTING"
    SCHEDULED = "SCHEDULED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


_MOVES = {
    "start": ({MailingState.DRAFT}, None),
    "pause": ({MailingState.SCHEDULED, MailingState.RUNNING}, MailingState.PAUSED),
    "resume": ({MailingState.PAUSED}, MailingState.RUNNING),
    "cancel": ({MailingState.DRAFT, MailingState.SCHEDULED, MailingState.RUNNING,
                MailingState.PAUSED}, MailingState.CANCELLED),
}


def check_move(state: MailingState, move: str) -> MailingState | None:
    """The state after ``move``; raises ConstraintViolation when it is not allowed now."""
    allowed, target = _MOVES[move]
    if state not in allowed:
        raise ConstraintViolation("mailingId", f"cannot {move} a mailing that is {state.value}")
    return target


@dataclass
class Mailing:
    id: int | None
    account_id: int
    name: str
    text: str
    state: MailingState
    created_at: datetime
    sender: str | None = None
    scheduled_at: datetime | None = None
    validity_minutes: int | None = None
    rate_per_minute: int | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    group_ids: tuple[int, ...] = ()
    contact_ids: tuple[int, ...] = ()
    phones: tuple[str, ...] = ()
    started_at: datetime | None = None
    recipients: int = 0
    total_cost: Decimal = Decimal("0")

    @property
    def stored_id(self) -> int:
        """The id of a mailing read from the store (only a new, unsaved mailing has none)."""
        if self.id is None:
            raise ValueError("this mailing is not stored yet")
        return self.id
