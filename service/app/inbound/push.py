"""Queue the pushes of stored inbound messages: the signed callback (the callback outbox) and,
for accounts that use SMPP, a deliver_sm (the SMPP outbox).

Both go on the outboxes that already carry the account's other notifications, so they share
their durability, retries, dead letters and expiry: the callback outbox of status
notifications (``uow.delivery.queue_callbacks``, sent by ``app/delivery/callbacks.py``) and
the SMPP outbox of receipts (``uow.smpp_outbox``, sent by the SMPP server to a bound
receiver).
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from ...domain.account import Account
from ...domain.inbound import InboundMessage
from ..delivery.ports import NewCallback
from ..smpp.outbox_ports import NewDeliver, NewInbound
from ..uow import UnitOfWork
from .event import inbound_payload


def push_inbound(uow: UnitOfWork, messages: Sequence[InboundMessage], now: datetime) -> None:
    """Queue every push these messages are owed, inside ``uow`` (the transaction that stores
    them), so that a stored inbound message is never left unpushed. Messages without an
    account (unmatched) are owed none.

    - an account with a callback URL gets the ``inbound`` event (app/inbound/event.py) POSTed
      there, signed with its callback secret, retried like status notifications;
    - an account with an SMPP password (one that can bind) gets a ``deliver_sm`` on its next
      receiving session: source the handset, destination our number, the whole text.
    """
    accounts: dict[int, Account | None] = {}
    callbacks: list[NewCallback] = []
    owed: list[NewDeliver] = []
    for message in messages:
        if message.account_id is None:
            continue
        if message.account_id not in accounts:
            accounts[message.account_id] = uow.accounts.get(message.account_id)
        account = accounts[message.account_id]
        if account is None:
            continue
        if account.settings.callback_url:
            callbacks.append(NewCallback(account_id=message.account_id,
                                         url=account.settings.callback_url,
                                         payload=inbound_payload(message),
                                         inbound_id=message.id))
        if account.smpp_password_hash:
            owed.append(NewInbound(account_id=message.account_id, inbound_id=message.id,
                                   source=message.source, destination=message.destination,
                                   text=message.text))
    if callbacks:
        uow.delivery.queue_callbacks(callbacks, now)
    if owed:
        uow.smpp_outbox.add(owed, now)
