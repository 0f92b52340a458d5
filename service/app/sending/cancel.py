"""Use case: cancel one message that no carrier has yet (SMPP cancel_sm), and refund it.

A message is cancellable while it is QUEUED, SCHEDULED or STOPPED (a paused mailing's) and no
worker has begun handing it to a carrier. The check and the take-over are one conditional
UPDATE (``DeliveryStore.withdraw``), so a cancel racing a worker's claim has exactly one
winner: either the worker marks the message in flight first and the cancel is refused
(NotCancellable), or the cancel wins and the worker skips it.

The message becomes DELETED: final (no carrier event can change it, the sweeper never expires
it), the status smsc calls 20 "deleted" and SMPP reports as message_state DELETED. STOPPED is
not it: that is a pause that a resume undoes. The change goes through the one shared state
change (``DeliveryStore.apply``), so its cost comes back through the ledger (``refund``, to
whoever paid: a parent-mode sub-client's parent) and a callback subscriber is notified as for
any other final status.
"""

from __future__ import annotations

from decimal import Decimal

from ...domain.clock import Clock
from ...domain.errors import NotCancellable, NotFound
from ...domain.status import MessageStatus as S
from ..delivery.delivery import notification
from ..delivery.ports import Transition
from ..uow import UnitOfWorkFactory

CANCELLED = "cancelled by the client"


class CancelService:
    """Cancels a message not yet handed to a carrier, and refunds its cost."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def cancel(self, account_id: int, message_id: int) -> Decimal:
        """Make the message DELETED and refund it in one transaction; returns the amount
        refunded (0 for a free message).

        Raises NotFound for an id that is not this account's (another account's, unknown, or
        purged), NotCancellable when a carrier has it (or is being given it) or it is final.
        """
        now = self._clock.now()
        with self._uow(write=True) as uow:
            message = uow.messages.get_many(account_id, [message_id]).get(message_id)
            if message is None:
                raise NotFound("message", message_id)
            if not uow.delivery.withdraw(account_id, message_id, now):
                status = message.status.canonical_name
                raise NotCancellable(message_id, status, None if message.status.final else
                                     f"it is {status} and already on its way to a carrier")
            state = uow.delivery.states([message_id])[message_id]
            account = uow.accounts.get(account_id)
            uow.delivery.apply([Transition(
                message_id, S.DELETED, error_message=CANCELLED, dlr_stat="DELETED",
                refund=True, callback=notification(
                    message_id, state.recipient, state.client_ref, state.callback_url,
                    S.DELETED, now, sender=state.sender))],
                now, actor=account.login if account is not None else str(account_id))
            uow.commit()
        return message.cost
