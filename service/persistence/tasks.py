"""SQL implementation of the task store."""

from __future__ import annotations

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Connection

from ..app.results import ItemResult, Page
from ..app.tasks.ports import TaskRecord
from .delivery_store import _lit
from .tables import task_errors, tasks


def _record(row) -> TaskRecord:
    return TaskRecord(id=row.id, account_id=row.account_id, kind=row.kind, payload=row.payload,
                      checkpoint=row.checkpoint, state=row.state, total=row.total,
                      processed=row.processed, result_code=row.result_code, message=row.message,
                      created_at=row.created_at, finished_at=row.finished_at)


class SqlTaskStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, account_id, kind, payload, total, now) -> int:
        return self._conn.execute(insert(tasks).values(
            account_id=account_id, kind=kind, payload=payload, state="queued", total=total,
            processed=0, created_at=now).returning(tasks.c.id)).scalar_one()

    def get(self, account_id, task_id) -> TaskRecord | None:
        row = self._conn.execute(select(tasks).where(tasks.c.account_id == account_id,
                                                     tasks.c.id == task_id)).first()
        return _record(row) if row else None

    def claim(self, owner, now, lease_until) -> TaskRecord | None:
        row = self._conn.execute(
            select(tasks).where(tasks.c.state.in_([_lit("queued"), _lit("running")]),
                                or_(tasks.c.lease_until.is_(None), tasks.c.lease_until < now))
            .order_by(tasks.c.id).limit(1).with_for_update(skip_locked=True)).first()
        if row is None:
            return None
        self._conn.execute(update(tasks).where(tasks.c.id == row.id).values(
            state="running", lease_owner=owner, lease_until=lease_until,
            started_at=func.coalesce(tasks.c.started_at, now)))
        return _record(row)

    def save(self, task_id, owner, checkpoint, processed, lease_until) -> bool:
        return self._conn.execute(update(tasks).where(
            tasks.c.id == task_id, tasks.c.lease_owner == owner, tasks.c.state == "running")
            .values(checkpoint=checkpoint, processed=processed, lease_until=lease_until)
        ).rowcount == 1

    def add_errors(self, task_id, errors) -> None:
        if errors:
            self._conn.execute(insert(task_errors), [{
                "task_id": task_id, "item_index": e.index, "code": e.code,
                "message": (e.message or "")[:500] or None, "field": e.field} for e in errors])

    def clear_errors(self, task_id) -> None:
        self._conn.execute(task_errors.delete().where(task_errors.c.task_id == task_id))

    def finish(self, task_id, state, result_code, message, now) -> None:
        self._conn.execute(update(tasks).where(tasks.c.id == task_id).values(
            state=state, result_code=result_code, message=(message or "")[:500] or None,
            finished_at=now, lease_owner=None, lease_until=None))

    def errors(self, task_id, offset, limit) -> Page[ItemResult]:
        where = task_errors.c.task_id == task_id
        total = self._conn.execute(select(func.count()).select_from(task_errors).where(where)).scalar_one()
        rows = self._conn.execute(select(task_errors).where(where).order_by(task_errors.c.id)
                                  .offset(offset).limit(limit))
        return Page(total, [ItemResult(r.item_index, r.code, None, r.message, r.field) for r in rows])
