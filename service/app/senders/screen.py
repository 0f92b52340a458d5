"""The sending step of sender IDs: each message gets the sender it may actually go out with,
or becomes BANNED (free, never sent) with the reason, like the blacklist step.

Two queries per request (the account's senders and the shared senders), however many
recipients: resolution itself is pure (domain/sender_ids.py).
"""

from __future__ import annotations

from decimal import Decimal

from ...domain.account import AccountSettings
from ...domain.message import Message
from ...domain.sender_ids import Resolution, resolve
from ...domain.status import MessageStatus
from ..uow import UnitOfWork, UnitOfWorkFactory

SENDER_REFUSED_ERROR = 12  # seed 004: the input does not meet the established conditions


def screen(uow: UnitOfWork, account_id: int, settings: AccountSettings,
           messages: list[Message], *, apply_default: bool = False) -> None:
    """Resolve the sender of every message not yet final (``m.sender`` is the one wanted;
    with ``apply_default``, a message without one wants the account's default sender)."""
    open_ = [m for m in messages if not m.status.final]
    if not open_:
        return
    registered = {s.name: s for s in uow.senders.of_account(account_id)}
    shared = uow.senders.shared()
    seen: dict[tuple[str | None, str], Resolution] = {}
    for m in open_:
        wanted = m.sender if m.sender or not apply_default else settings.default_sender
        key = (wanted, m.recipient)
        if key not in seen:
            seen[key] = resolve(wanted, m.recipient, registered, shared, settings.sender_policy)
        found = seen[key]
        if found.sender is not None:
            m.sender = found.sender
        else:
            m.status, m.cost = MessageStatus.BANNED, Decimal("0")
            m.error_code, m.error_message = SENDER_REFUSED_ERROR, (found.refused or "")[:500]


def check_senders(uow_factory: UnitOfWorkFactory, enabled: bool, account_id: int,
                  settings: AccountSettings, messages: list[Message]) -> None:
    """``screen`` in a read unit of work of its own, when the gateway checks senders
    (SMSGW_SENDER_CHECK); otherwise every valid sender goes out as asked, as before."""
    if not enabled:
        return
    with uow_factory() as uow:
        screen(uow, account_id, settings, messages)
