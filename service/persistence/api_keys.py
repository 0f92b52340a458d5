"""SQL store of API keys, and the account lookup by id that key authentication needs."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from ..domain.api_keys import ApiKey
from .tables import api_keys


def _key(row) -> ApiKey:
    return ApiKey(id=row.id, account_id=row.account_id, prefix=row.prefix,
                  key_hash=row.key_hash, created_at=row.created_at, revoked_at=row.revoked_at,
                  name=row.name)


class SqlApiKeyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, key: ApiKey) -> int:
        return self._conn.execute(insert(api_keys).values(
            account_id=key.account_id, prefix=key.prefix, key_hash=key.key_hash, name=key.name,
            created_at=key.created_at).returning(api_keys.c.id)).scalar_one()

    def by_prefix(self, prefix: str) -> list[ApiKey]:
        """Live keys with this prefix (almost always one)."""
        return [_key(r) for r in self._conn.execute(select(api_keys).where(
            api_keys.c.prefix == prefix, api_keys.c.revoked_at.is_(None)))]

    def of_account(self, account_id: int) -> list[ApiKey]:
        return [_key(r) for r in self._conn.execute(select(api_keys).where(
            api_keys.c.account_id == account_id).order_by(api_keys.c.id))]

    def revoke(self, account_id: int, key_id: int, now) -> bool:
        return self._conn.execute(update(api_keys).where(
            api_keys.c.account_id == account_id, api_keys.c.id == key_id,
            api_keys.c.revoked_at.is_(None)).values(revoked_at=now)).rowcount == 1
