"""Each account's own opt-out keywords and replies in SQL (``inbound_settings``): a word list
is stored folded and comma separated, an empty string is "none", NULL is the default."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from ..domain.keywords import REPLY_FIELDS, WORD_FIELDS, OwnKeywordSettings
from .tables import inbound_settings as s


class SqlInboundSettingsRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, account_id: int) -> OwnKeywordSettings | None:
        row = self._conn.execute(select(s).where(s.c.account_id == account_id)).first()
        if row is None:
            return None
        words = {name: None if row._mapping[name] is None else
                 tuple(w for w in row._mapping[name].split(",") if w) for name in WORD_FIELDS}
        replies = {name: row._mapping[name] for name in REPLY_FIELDS}
        return OwnKeywordSettings(**words, **replies)

    def set(self, account_id: int, settings: OwnKeywordSettings, now: datetime) -> None:
        if settings.empty:
            self._conn.execute(delete(s).where(s.c.account_id == account_id))
            return
        values: dict[str, object] = {name: None if getattr(settings, name) is None else
                                     ",".join(getattr(settings, name)) for name in WORD_FIELDS}
        values.update({name: getattr(settings, name) for name in REPLY_FIELDS})
        values["updated_at"] = now
        if self._conn.execute(update(s).where(s.c.account_id == account_id)
                              .values(**values)).rowcount == 0:
            self._conn.execute(insert(s).values(account_id=account_id, **values))
