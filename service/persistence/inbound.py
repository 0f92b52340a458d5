"""SQL implementation of the InboundStore port (service/app/inbound/ports.py).

Processing is serialised over every node: on PostgreSQL ``lock_processing`` takes a
transaction-scoped advisory lock (``pg_try_advisory_xact_lock``), and claims lock their rows
with ``FOR UPDATE SKIP LOCKED``; on SQLite the write transaction (BEGIN IMMEDIATE) already
serialises writers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import and_, delete, func, insert, or_, select, text, update
from sqlalchemy.engine import Connection

from ..app.inbound.ports import KeywordAssignment, NumberAssignment, SentMessage
from ..domain.inbound import InboundMessage, InboundPart
from ..domain.message import ConcatPart
from ..domain.reassembly import StoredPart
from .inbound_rows import inbound_message as _message
from .bulk import insert_unnest
from .tables import (accounts, inbound_keywords, inbound_messages, inbound_numbers,
                     inbound_parts, messages_archive)
from .tables import messages as outbound

p = inbound_parts
im = inbound_messages
PROCESSING_LOCK = 0x736D_7367_4D4F  # "smsgMO": one key for every node's inbound processing
_SMALLINT = 32767
_CHUNK = 500

_INSERT_MESSAGE = insert(im).returning(im.c.id)
_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence('inbound_messages', 'id')) "
                 "FROM generate_series(1, :n)")


def _chunks(items: Sequence, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _concat_columns(part: InboundPart) -> dict:
    c = part.concat
    if c is None:
        return {"concat_ref": None, "concat_total": None, "concat_seq": None}
    if not (0 <= c.reference <= 0xFFFF and 0 <= c.total <= _SMALLINT and 0 <= c.sequence <= _SMALLINT):
        return {"concat_ref": max(0, min(c.reference, 0xFFFF)), "concat_total": 0, "concat_seq": 0}
    return {"concat_ref": c.reference, "concat_total": c.total, "concat_seq": c.sequence}


def _stored(row) -> StoredPart:
    concat = (None if row.concat_total is None else
              ConcatPart(reference=row.concat_ref, total=row.concat_total,
                         sequence=row.concat_seq))
    return StoredPart(id=row.id, connector=row.connector, part=InboundPart(
        source=row.source, destination=row.destination, text=row.text,
        received_at=row.received_at, concat=concat, carrier_id=row.carrier_id),
        done=row.state == "done")


class SqlInboundStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._pg = conn.dialect.name == "postgresql"

    # --- parts --------------------------------------------------------------------------
    def add_parts(self, connector: str, parts: Sequence[InboundPart]) -> None:
        if not parts:
            return
        rows = [{"connector": connector[:16], "source": x.source[:64],
                 "destination": x.destination[:64], "text": x.text,
                 **_concat_columns(x), "carrier_id": (x.carrier_id or None) and x.carrier_id[:64],
                 "received_at": x.received_at, "state": "new"} for x in parts]
        if self._pg:
            insert_unnest(self._conn, p, rows)
        else:
            self._conn.execute(insert(p), rows)

    def any_due(self, cutoff: datetime) -> bool:
        due = or_(p.c.state == "new",
                  and_(p.c.state.in_(["waiting", "done"]), p.c.received_at < cutoff))
        return self._conn.execute(select(p.c.id).where(due).limit(1)).first() is not None

    def lock_processing(self) -> bool:
        if not self._pg:
            return True
        return bool(self._conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                       {"key": PROCESSING_LOCK}).scalar())

    def _locked(self, stmt):
        return stmt.with_for_update(skip_locked=True) if self._pg else stmt

    def _groups(self, seeds: list) -> list[StoredPart]:
        """The seed rows and every part of the groups of the concatenated ones."""
        found = {row.id: row for row in seeds}
        keys = {(r.connector, r.source, r.destination, r.concat_ref, r.concat_total)
                for r in seeds if r.concat_total is not None and r.concat_total > 1}
        for chunk in _chunks(sorted(keys), 100):
            clause = or_(*[and_(p.c.connector == k[0], p.c.source == k[1],
                                p.c.destination == k[2], p.c.concat_ref == k[3],
                                p.c.concat_total == k[4]) for k in chunk])
            for row in self._conn.execute(self._locked(select(p).where(clause))):
                found.setdefault(row.id, row)
        return [_stored(found[i]) for i in sorted(found)]

    def claim_new(self, limit: int) -> list[StoredPart]:
        if limit < 1:
            return []
        seeds = list(self._conn.execute(self._locked(
            select(p).where(p.c.state == "new").order_by(p.c.id).limit(limit))))
        return self._groups(seeds)

    def waiting_before(self, cutoff: datetime, limit: int) -> list[StoredPart]:
        if limit < 1:
            return []
        seeds = list(self._conn.execute(self._locked(
            select(p).where(p.c.state == "waiting", p.c.received_at < cutoff)
            .order_by(p.c.id).limit(limit))))
        return self._groups(seeds)

    def hold(self, part_ids: Sequence[int]) -> None:
        for chunk in _chunks(sorted(set(part_ids))):
            self._conn.execute(update(p).where(p.c.id.in_(chunk)).values(state="waiting"))

    def finish(self, part_ids: Sequence[int]) -> None:
        for chunk in _chunks(sorted(set(part_ids))):
            self._conn.execute(update(p).where(p.c.id.in_(chunk)).values(state="done"))

    def delete_parts(self, part_ids: Sequence[int]) -> None:
        for chunk in _chunks(sorted(set(part_ids))):
            self._conn.execute(delete(p).where(p.c.id.in_(chunk)))

    def forget_done(self, cutoff: datetime) -> int:
        return self._conn.execute(delete(p).where(p.c.state == "done",
                                                  p.c.received_at < cutoff)).rowcount

    # --- routing and threading ----------------------------------------------------------
    def number_owner(self, numbers: Sequence[str]) -> int | None:
        if not numbers:
            return None
        n = inbound_numbers
        return self._conn.execute(select(n.c.account_id).where(n.c.number.in_(list(numbers)))
                                  .order_by(n.c.number).limit(1)).scalar()

    def keyword_owner(self, numbers: Sequence[str], keyword: str) -> int | None:
        if not numbers or not keyword:
            return None
        k = inbound_keywords
        return self._conn.execute(
            select(k.c.account_id).where(k.c.number.in_(list(numbers)), k.c.keyword == keyword)
            .order_by(k.c.number).limit(1)).scalar()

    def keyword_accounts(self, numbers: Sequence[str]) -> list[int]:
        if not numbers:
            return []
        k = inbound_keywords
        return list(self._conn.execute(
            select(k.c.account_id).where(k.c.number.in_(list(numbers))).distinct()
            .order_by(k.c.account_id)).scalars())

    def latest_outbound(self, account_ids: Sequence[int], recipient: str,
                        senders: Sequence[str] | None = None) -> SentMessage | None:
        if not account_ids or (senders is not None and not senders):
            return None
        for table in (outbound, messages_archive):
            stmt = (select(table.c.account_id, table.c.id, table.c.mailing_id)
                    .where(table.c.account_id.in_(list(account_ids)),
                           table.c.recipient == recipient)
                    .order_by(table.c.id.desc()).limit(1))
            if senders is not None:
                stmt = stmt.where(table.c.sender.in_(list(senders)))
            row = self._conn.execute(stmt).first()
            if row is not None:
                return SentMessage(account_id=row.account_id, message_id=row.id,
                                   mailing_id=row.mailing_id)
        return None

    def latest_outbound_to(self, account_id: int,
                           recipients: Sequence[str]) -> dict[str, SentMessage]:
        found: dict[str, SentMessage] = {}
        for table in (outbound, messages_archive):
            wanted = sorted(set(recipients) - set(found))
            for chunk in _chunks(wanted):
                latest = (select(func.max(table.c.id))
                          .where(table.c.account_id == account_id,
                                 table.c.recipient.in_(chunk))
                          .group_by(table.c.recipient))
                for row in self._conn.execute(
                        select(table.c.recipient, table.c.id, table.c.mailing_id)
                        .where(table.c.id.in_(latest))):
                    found[row.recipient] = SentMessage(account_id, row.id, row.mailing_id)
        return found

    # --- inbound messages ---------------------------------------------------------------
    def add_messages(self, messages: Sequence[InboundMessage], now: datetime) -> list[int]:
        if not messages:
            return []
        rows = [{"account_id": m.account_id, "source": m.source[:64],
                 "destination": m.destination[:64], "text": m.text, "received_at": m.received_at,
                 "connector": m.connector[:16] if m.connector else None, "parts": m.parts,
                 "complete": m.complete, "reply_to_message_id": m.reply_to_message_id,
                 "mailing_id": m.mailing_id, "action": m.action.value if m.action else None,
                 "created_at": now} for m in messages]
        if not self._pg:
            # ascending rowids under the write lock (AUTOINCREMENT): sorted ids are in order
            return sorted(self._conn.execute(_INSERT_MESSAGE, rows).scalars())
        # ids drawn from the sequence first, then one INSERT of all the rows as arrays
        # (persistence/bulk.py), rather than an INSERT ... RETURNING whose text grows with the
        # batch or an executemany that costs a round of work per row
        ids = sorted(self._conn.execute(_NEXT_IDS, {"n": len(rows)}).scalars())
        for row, message_id in zip(rows, ids):
            row["id"] = message_id
        insert_unnest(self._conn, im, rows)
        return ids

    def unmatched(self, limit: int) -> list[InboundMessage]:
        if limit < 1:
            return []
        return [_message(r) for r in self._conn.execute(
            select(im).where(im.c.account_id.is_(None)).order_by(im.c.id.desc()).limit(limit))]

    # --- the operator's numbers and keywords --------------------------------------------
    def assign_number(self, number: str, account_id: int, now: datetime) -> None:
        self._conn.execute(insert(inbound_numbers).values(
            number=number, account_id=account_id, created_at=now))

    def release_number(self, number: str) -> bool:
        n = inbound_numbers
        return self._conn.execute(delete(n).where(n.c.number == number)).rowcount > 0

    def numbers(self, account_id: int | None = None) -> list[NumberAssignment]:
        n = inbound_numbers
        stmt = (select(n, accounts.c.login).join(accounts, accounts.c.id == n.c.account_id)
                .order_by(n.c.number))
        if account_id is not None:
            stmt = stmt.where(n.c.account_id == account_id)
        return [NumberAssignment(number=r.number, account_id=r.account_id, login=r.login,
                                 created_at=r.created_at) for r in self._conn.execute(stmt)]

    def assign_keyword(self, number: str, keyword: str, account_id: int,
                       now: datetime) -> None:
        self._conn.execute(insert(inbound_keywords).values(
            number=number, keyword=keyword, account_id=account_id, created_at=now))

    def release_keyword(self, number: str, keyword: str) -> bool:
        k = inbound_keywords
        return self._conn.execute(delete(k).where(k.c.number == number,
                                                  k.c.keyword == keyword)).rowcount > 0

    def keywords(self, number: str | None = None) -> list[KeywordAssignment]:
        k = inbound_keywords
        stmt = (select(k, accounts.c.login).join(accounts, accounts.c.id == k.c.account_id)
                .order_by(k.c.number, k.c.keyword))
        if number is not None:
            stmt = stmt.where(k.c.number == number)
        return [KeywordAssignment(number=r.number, keyword=r.keyword, account_id=r.account_id,
                                  login=r.login, created_at=r.created_at)
                for r in self._conn.execute(stmt)]
