"""Background tasks: large operations answer code 100 and a task id at once; a worker runs them.

A task is a row: what to do (payload), how far it got (checkpoint), per-item errors. A worker
leases one task at a time and a handler works through it in chunks, saving its checkpoint
(and renewing the lease) with each chunk, in the same transaction as the chunk's work. So a
task survives a restart: when the lease of a dead worker expires, another worker resumes it
from its last checkpoint, and no chunk is applied twice.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

from ...domain.clock import Clock
from ...domain.errors import NotFound, SmsgwError
from ..results import ItemResult, Page, paging
from ..access.auth import Authenticator, Credentials
from ..access.rate_limits import Operation
from ..uow import UnitOfWork, UnitOfWorkFactory
from .ports import TaskRecord

log = logging.getLogger(__name__)
__all__ = ["TaskContext", "TaskLost", "TaskService", "TaskView"]


class TaskLost(Exception):
    """Another worker took over this task (our lease expired); stop working on it."""


@dataclass(frozen=True)
class TaskView:
    task: TaskRecord
    progress: float
    errors: Page[ItemResult]


class TaskContext:
    """What a handler uses to work in checkpointed chunks."""

    def __init__(self, service: "TaskService", task: TaskRecord, owner: str) -> None:
        self._service, self.task, self._owner = service, task, owner
        self.checkpoint: dict[str, Any] = json.loads(task.checkpoint) if task.checkpoint else {}

    def commit_chunk(self, uow: UnitOfWork, checkpoint: dict[str, Any], processed: int) -> None:
        """Save progress inside the chunk's own unit of work, then commit both together."""
        lease = self._service.clock.now() + timedelta(seconds=self._service.lease_seconds)
        if not uow.tasks.save(self.task.id, self._owner, json.dumps(checkpoint), processed, lease):
            raise TaskLost(self.task.id)
        uow.commit()
        self.checkpoint = checkpoint


Handler = Callable[[TaskRecord, TaskContext], tuple[int, str | None]]


class TaskService:
    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator, clock: Clock,
                 lease_seconds: int = 60) -> None:
        self._uow = uow_factory
        self._auth = auth
        self.clock = clock
        self.lease_seconds = lease_seconds
        self._handlers: dict[str, Handler] = {}

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def status(self, credentials: Credentials, task_id: int, page: int | None = None,
               page_size: int | None = None) -> TaskView:
        """State, progress, result code (0, 98, 99 or an error code) and per-item errors."""
        offset, limit = paging(page, page_size)
        with self._uow() as uow:
            account = self._auth.admit(uow, credentials, Operation.QUERY)
            task = uow.tasks.get(account.stored_id, task_id)
            if task is None:
                raise NotFound("task", task_id)
            errors = uow.tasks.errors(task.id, offset, limit)
        progress = 100.0 if task.state in ("done", "failed") else (
            round(100.0 * task.processed / task.total, 1) if task.total else 0.0)
        return TaskView(task, progress, errors)

    def run_next(self, owner: str) -> bool:
        """Lease one open task and run it to its end; False when there was none."""
        now = self.clock.now()
        with self._uow(write=True) as uow:
            task = uow.tasks.claim(owner, now, now + timedelta(seconds=self.lease_seconds))
            uow.commit()
        if task is None:
            return False
        handler = self._handlers.get(task.kind)
        try:
            if handler is None:
                raise SmsgwError(f"unknown task kind {task.kind!r}")
            code, message = handler(task, TaskContext(self, task, owner))
            state = "done"
        except TaskLost:
            log.warning("task %s was taken over by another worker", task.id)
            return True
        except SmsgwError as exc:
            code, message, state = exc.code, exc.message, "failed"
        except Exception as exc:  # a bug must not leave the task leased forever
            log.exception("task %s failed", task.id)
            code, message, state = 999, f"internal error: {type(exc).__name__}", "failed"
        with self._uow(write=True) as uow:
            uow.tasks.finish(task.id, state, code, message, self.clock.now())
            uow.commit()
        return True
