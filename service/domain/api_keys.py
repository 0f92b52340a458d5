"""API keys: random tokens an account uses in place of its password, stored only as hashes.

A key reads ``sgw_<prefix>_<secret>``; the prefix finds its row, and the SHA-256 of the whole
key is compared in constant time. A fast hash is right here (unlike for passwords): the key
is 160 bits of randomness, not something a person chose.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

PREFIX = "sgw_"


@dataclass(frozen=True)
class ApiKey:
    id: int | None
    account_id: int
    prefix: str
    key_hash: str
    created_at: datetime
    revoked_at: datetime | None = None
    name: str | None = None


def new_key() -> tuple[str, str, str]:
    """(the key to show once, its prefix, its hash)."""
    prefix = secrets.token_hex(4)
    key = f"{PREFIX}{prefix}_{secrets.token_urlsafe(20)}"
    return key, prefix, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def prefix_of(key: str) -> str | None:
    """The lookup prefix of something shaped like a key, else None."""
    if not key or not key.startswith(PREFIX):
        return None
    prefix, sep, secret = key[len(PREFIX):].partition("_")
    ok = sep and len(prefix) == 8 and prefix.isascii() and prefix.isalnum() and secret
    return prefix if ok else None  # a NUL or such never reaches a query


def matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key(key), stored_hash)
