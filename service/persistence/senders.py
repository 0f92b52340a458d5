"""The sender registry in SQL: registered senders per account and the shared senders."""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import delete, exists, insert, select, union, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..domain.sender_ids import SenderId, SenderState
from .tables import accounts, mailings, messages, senders, shared_senders


def _sender(row) -> SenderId:
    return SenderId(account_id=row.account_id, name=row.name, state=SenderState(row.state),
                    created_at=row.created_at,
                    prefixes=tuple(p for p in row.prefixes.split(",") if p),
                    reason=row.reason, decided_at=row.decided_at)


class SqlSenderRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def of_account(self, account_id: int) -> builtins.list[SenderId]:
        return self.list(account_id)

    def get(self, account_id: int, name: str) -> SenderId | None:
        row = self._conn.execute(select(senders).where(
            senders.c.account_id == account_id, senders.c.name == name)).first()
        return _sender(row) if row else None

    def save(self, sender: SenderId) -> None:
        values = dict(state=sender.state.value, prefixes=",".join(sender.prefixes),
                      reason=sender.reason, decided_at=sender.decided_at)
        where = (senders.c.account_id == sender.account_id, senders.c.name == sender.name)
        if self._conn.execute(update(senders).where(*where).values(**values)).rowcount:
            return
        try:  # a concurrent save of the same name may insert first: then it is an update
            with self._conn.begin_nested():
                self._conn.execute(insert(senders).values(
                    account_id=sender.account_id, name=sender.name,
                    created_at=sender.created_at, **values))
        except IntegrityError:
            self._conn.execute(update(senders).where(*where).values(**values))

    def delete(self, account_id: int, name: str) -> bool:
        return bool(self._conn.execute(delete(senders).where(
            senders.c.account_id == account_id, senders.c.name == name)).rowcount)

    def list(self, account_id: int | None = None) -> builtins.list[SenderId]:
        query = select(senders).order_by(senders.c.account_id, senders.c.name)
        if account_id is not None:
            query = query.where(senders.c.account_id == account_id)
        return [_sender(row) for row in self._conn.execute(query)]

    def shared(self) -> dict[str, str]:
        return {row.prefix: row.name for row in self._conn.execute(
            select(shared_senders.c.prefix, shared_senders.c.name))}

    def set_shared(self, prefix: str, name: str, now: datetime) -> None:
        where = shared_senders.c.prefix == prefix
        if self._conn.execute(update(shared_senders).where(where)
                              .values(name=name, updated_at=now)).rowcount:
            return
        try:  # as in save: a concurrent set of the same prefix makes this an update
            with self._conn.begin_nested():
                self._conn.execute(insert(shared_senders).values(prefix=prefix, name=name,
                                                                 updated_at=now))
        except IntegrityError:
            self._conn.execute(update(shared_senders).where(where)
                               .values(name=name, updated_at=now))

    def remove_shared(self, prefix: str) -> bool:
        return bool(self._conn.execute(delete(shared_senders).where(
            shared_senders.c.prefix == prefix)).rowcount)

    def adopt_in_use(self, now: datetime) -> int:
        used = union(
            select(messages.c.account_id, messages.c.sender.label("name"))
            .where(messages.c.sender.is_not(None)),
            select(mailings.c.account_id, mailings.c.sender).where(mailings.c.sender.is_not(None)),
            select(accounts.c.id, accounts.c.default_sender)
            .where(accounts.c.default_sender.is_not(None)),
        ).subquery("used")
        known = select(senders.c.id).where(senders.c.account_id == used.c.account_id,
                                           senders.c.name == used.c.name)
        missing = self._conn.execute(select(used.c.account_id, used.c.name)
                                     .where(used.c.name != "", ~exists(known))).all()
        if missing:  # (INSERT ... SELECT reports no row count on SQLite)
            self._conn.execute(insert(senders), [
                dict(account_id=a, name=n, state=SenderState.APPROVED.value, prefixes="",
                     created_at=now, decided_at=now) for a, n in missing])
        return len(missing)
