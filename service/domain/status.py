"""The canonical message lifecycle.

Every state is a distinct member. Values are the canonical names, not outside codes:
several states share an smsc code (SCHEDULED and QUEUED are both -1), and an Enum with
equal values would silently make them aliases. Outside vocabularies live in
``vocabularies.py``.
"""

from __future__ import annotations

import enum


class MessageStatus(enum.Enum):
    """Where a message is in its life. ``final`` means no carrier event can change it."""

    SCHEDULED = ("SCHEDULED", False)
    QUEUED = ("QUEUED", False)
    STOPPED = ("STOPPED", False)
    SUBMITTED = ("SUBMITTED", False)
    PARTIALLY_DELIVERED = ("PARTIALLY_DELIVERED", False)
    DELIVERED = ("DELIVERED", True)
    CLICKED = ("CLICKED", True)
    EXPIRED = ("EXPIRED", True)
    UNDELIVERABLE = ("UNDELIVERABLE", True)
    REJECTED = ("REJECTED", True)
    DELETED = ("DELETED", True)
    INVALID_NUMBER = ("INVALID_NUMBER", True)
    BANNED = ("BANNED", True)
    NO_FUNDS = ("NO_FUNDS", True)
    UNAVAILABLE = ("UNAVAILABLE", True)

    def __init__(self, canonical_name: str, final: bool) -> None:
        self.canonical_name = canonical_name
        self.final = final

    @classmethod
    def from_name(cls, name: str) -> "MessageStatus":
        return cls[name]
