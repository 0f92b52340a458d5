"""Port of the sender registry, reached as ``uow.senders`` inside a unit of work.

It holds each account's registered sender names with the operator's decision, and the shared
senders per destination prefix. Nothing changes until the unit of work commits.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol

from ...domain.sender_ids import SenderId


class SenderRepository(Protocol):
    def of_account(self, account_id: int) -> builtins.list[SenderId]:
        """Every sender this account registered, by name."""

    def get(self, account_id: int, name: str) -> SenderId | None:
        """The account's sender with exactly this name, or None."""

    def save(self, sender: SenderId) -> None:
        """Store the sender: a new one is added, an existing (account, name) replaced."""

    def delete(self, account_id: int, name: str) -> bool:
        """Remove the account's sender; False when there was none."""

    def list(self, account_id: int | None = None) -> builtins.list[SenderId]:
        """Every registered sender (of one account when given), by account then name."""

    def shared(self) -> dict[str, str]:
        """The shared senders: destination prefix (digits; ``""`` is every destination) to
        sender name."""

    def set_shared(self, prefix: str, name: str, now: datetime) -> None:
        """Make ``name`` the shared sender for ``prefix``, replacing any before it."""

    def remove_shared(self, prefix: str) -> bool:
        """Remove the shared sender of ``prefix``; False when there was none."""

    def adopt_in_use(self, now: datetime) -> int:
        """Register as approved (every destination) each sender an account already used
        (its messages, its mailings, its default sender) and has not registered; returns how
        many were added."""
