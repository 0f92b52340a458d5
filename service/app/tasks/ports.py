"""Port of the background task store, reached as ``uow.tasks``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Sequence

from ..results import ItemResult, Page


@dataclass(frozen=True)
class TaskRecord:
    id: int
    account_id: int
    kind: str
    payload: str
    checkpoint: str | None
    state: str
    total: int
    processed: int
    result_code: int | None
    message: str | None
    created_at: datetime
    finished_at: datetime | None


class TaskStore(Protocol):
    def add(self, account_id: int, kind: str, payload: str, total: int, now: datetime) -> int: ...

    def get(self, account_id: int, task_id: int) -> TaskRecord | None: ...

    def claim(self, owner: str, now: datetime, lease_until: datetime) -> TaskRecord | None:
        """Lease the oldest open task that no live worker holds."""

    def save(self, task_id: int, owner: str, checkpoint: str, processed: int,
             lease_until: datetime) -> bool:
        """Store progress and renew the lease; False when another worker took the task."""

    def add_errors(self, task_id: int, errors: Sequence[ItemResult]) -> None: ...

    def clear_errors(self, task_id: int) -> None: ...

    def finish(self, task_id: int, state: str, result_code: int, message: str | None,
               now: datetime) -> None: ...

    def errors(self, task_id: int, offset: int, limit: int) -> Page[ItemResult]: ...
