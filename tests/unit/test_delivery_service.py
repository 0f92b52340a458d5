"""The delivery use cases on the in-memory fakes, with a scripted carrier and the injected
clock: a message goes out, its receipt comes back, its client is told, and a lost worker's
message is settled by the sweep. (The fakes are held to the SQL stores by
tests/integration/test_delivery_store_contract.py; the real stores and connectors are
exercised in tests/integration/test_delivery.py.)"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from service.app.delivery.carrier import Accepted, Receipt, Rejected
from service.app.delivery.delivery import DeliveryPolicy, DeliveryService
from service.domain.account import AccountSettings
from service.domain.encoding import Encoding
from service.domain.message import Message
from service.domain.status import MessageStatus as S
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, make_account

HOOK = "https://hooks.example/cb"


class ScriptedCarrier:
    """A connector whose answer to each message is given by its recipient's last digit:
    1 accepts (carrier id ``c<message id>``), 2 refuses for good."""

    name = "scripted"

    def __init__(self) -> None:
        self.sent: list[int] = []

    def start(self, sink) -> None:
        """Nothing to connect."""

    def ready(self) -> bool:
        return True

    def submit(self, batch):
        self.sent += [m.message_id for m in batch]
        return [Accepted(m.message_id, (f"c{m.message_id}",)) if m.recipient.endswith("1")
                else Rejected(m.message_id, True, "no such number", 1) for m in batch]

    def poll(self) -> None:
        """Receipts are given to the service by the test."""

    def stop(self) -> None:
        """Nothing to disconnect."""


def world(balance="10"):
    uow, clock = FakeUnitOfWorkFactory(), FixedClock()
    with uow(write=True) as u:
        account = u.accounts.add(make_account(balance=balance))
        account.settings = AccountSettings(callback_url=HOOK)
        u.accounts.update(account)
        now = clock.now()
        ids = u.messages.add_many([Message(
            id=None, account_id=account.stored_id, recipient=f"+7999123456{digit}", text="Hi",
            sender=None, encoding=Encoding.GSM7, segments=1, cost=Decimal("1.5"),
            status=S.QUEUED, created_at=now, updated_at=now,
            valid_until=now + timedelta(hours=1)) for digit in (1, 2)])
        u.commit()
    return uow, clock, account.stored_id, ids, DeliveryService(uow, clock, DeliveryPolicy())


def statuses(uow, account_id, ids):
    with uow() as u:
        return [m.status for m in u.messages.get_many(account_id, ids).values()]


def test_a_message_goes_out_its_receipt_comes_back_and_the_client_is_told():
    uow, clock, account_id, (ok, refused), service = world()
    carrier = ScriptedCarrier()
    assert service.dispatch(carrier, "w1") == 2 and carrier.sent == [ok, refused]
    assert service.dispatch(carrier, "w1") == 0                   # nothing is sent twice
    assert statuses(uow, account_id, [ok, refused]) == [S.SUBMITTED, S.REJECTED]
    clock.advance(seconds=5)
    service.accept_receipts("scripted", [Receipt(f"C{ok}", "DELIVRD", "000", clock.now())])
    assert service.process_receipts() == 1
    assert statuses(uow, account_id, [ok]) == [S.DELIVERED]
    with uow(write=True) as u:
        assert u.accounts.balance(account_id) == Decimal("11.5")  # the refused one refunded
        jobs = u.delivery.claim_callbacks(clock.now(), clock.now() + timedelta(seconds=30), 10)
    assert [(j.message_id, json.loads(j.payload)["status"]) for j in jobs] == [
        (ok, "ACCEPTD"), (refused, "REJECTD")]                      # one at a time per message


def test_the_sweep_settles_a_message_whose_worker_died_in_flight():
    uow, clock, account_id, ids, service = world()
    with uow(write=True) as u:                                    # a worker that then dies
        u.delivery.claim_due("dead", clock.now(), clock.now() + timedelta(seconds=60), 10)
        u.delivery.mark_in_flight(ids, "dead", clock.now() + timedelta(seconds=60))
        u.commit()
    assert service.sweep() == 0
    clock.advance(seconds=61)
    assert service.sweep() == 2
    assert statuses(uow, account_id, ids) == [S.UNDELIVERABLE] * 2
    assert service.dispatch(ScriptedCarrier(), "w2") == 0         # not sent again
