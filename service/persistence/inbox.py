"""The account's inbox: reading ``inbound_messages`` for the pull doors (``uow.inbox``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ..app.inbound.inbox_ports import InboxFilter
from ..app.results import Page
from ..domain.inbound import InboundMessage
from .inbound_rows import inbound_message
from .tables import inbound_messages as im


def _where(account_id: int, flt: InboxFilter) -> list:
    # account_id first: ix_inbound_messages_account_id_id serves the filter and the order.
    where = [im.c.account_id == account_id]
    if flt.after_id is not None:
        where.append(im.c.id > flt.after_id)
    if flt.since is not None:
        where.append(im.c.received_at >= flt.since)
    if flt.numbers:
        where.append(im.c.destination.in_(flt.numbers))
    return where


class SqlInboxReader:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def page(self, account_id: int, flt: InboxFilter, offset: int,
             limit: int) -> Page[InboundMessage]:
        where = _where(account_id, flt)
        total = self._conn.execute(select(func.count()).select_from(im).where(*where)).scalar_one()
        if offset >= total:  # past the end: no second query
            return Page(total, [])
        rows = self._conn.execute(select(im).where(*where).order_by(im.c.id)
                                  .offset(offset).limit(limit))
        return Page(total, [inbound_message(r) for r in rows])

    def answers(self, account_id: int, flt: InboxFilter, limit: int) -> list[InboundMessage]:
        rows = self._conn.execute(select(im).where(*_where(account_id, flt)).order_by(im.c.id)
                                  .limit(limit))
        return [inbound_message(r) for r in rows]
