"""SMPP cancel on the fakes: a message no carrier has yet becomes DELETED and is refunded to
whoever paid; a worker's claim and a cancel have exactly one winner; another account's id is
not found; a message with the carrier or final is not cancellable. And a client-split part
goes to the carrier as one SMS carrying its numbering."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from service.app.access.auth import Authenticator, Credentials
from service.app.accounts.accounts import AccountService
from service.app.delivery.carrier import Accepted
from service.app.delivery.delivery import DeliveryPolicy, DeliveryService
from service.app.sending.cancel import CancelService
from service.app.sending.policy import SendingPolicy
from service.app.sending.submit import Submission, SubmitService
from service.app.subaccounts.subaccounts import SubAccountService
from service.domain import errors
from service.domain.ledger import Reason
from service.domain.message import ConcatPart
from service.domain.pricing import Tariff
from service.domain.status import MessageStatus as S
from tests.fakes import FakeUnitOfWorkFactory, FixedClock

UK = "+442071838750"
HOOK = "https://hooks.example/cb"


class Carrier:
    """Accepts everything and remembers what it was given."""

    name = "test"

    def __init__(self) -> None:
        self.sent = []

    def ready(self) -> bool:
        return True

    def submit(self, batch):
        self.sent += batch
        return [Accepted(m.message_id, tuple(f"c{m.message_id}.{i}" for i, _ in
                                             enumerate(m.parts))) for m in batch]


class World:
    def __init__(self) -> None:
        self.uow, self.clock = FakeUnitOfWorkFactory(), FixedClock()
        auth = Authenticator()
        self.accounts = AccountService(self.uow, auth, clock=self.clock)
        self.ids = {login: self.accounts.create(login, "pw", Decimal("10")).stored_id
                    for login in ("alice", "bob")}
        policy = SendingPolicy(tariff=Tariff.parse("1.00", ""))
        self.submit = SubmitService(self.uow, policy, self.clock)
        self.cancel = CancelService(self.uow, self.clock)
        self.delivery = DeliveryService(self.uow, self.clock, DeliveryPolicy())
        self.subs = SubAccountService(self.uow, auth, self.accounts, self.clock)

    def send(self, login="alice", text="Hello", **kw) -> int:
        [done] = self.submit.submit_many([Submission(self.ids[login], None, UK, text, None, **kw)])
        assert done.error is None, done.error
        return done.message_id

    def status(self, message_id):
        return self.uow.store.messages[message_id].status

    def balance(self, login):
        return self.accounts.show(login).balance


@pytest.fixture
def w():
    return World()


def test_a_queued_message_becomes_deleted_and_its_cost_comes_back(w):
    w.accounts.configure("alice", callback_url=HOOK)
    message_id = w.send(text="x" * 200)  # 2 segments, 2.00
    assert w.balance("alice") == Decimal("8.00")
    assert w.cancel.cancel(w.ids["alice"], message_id) == Decimal("2.00")
    assert w.status(message_id) is S.DELETED and w.balance("alice") == Decimal("10.00")
    [refund] = [e for e in w.uow.store.ledger if e.reason is Reason.REFUND]
    assert (refund.amount, str(refund.reference), refund.actor) == (
        Decimal("2.00"), f"message:{message_id}", "alice")
    assert "cancelled by the client" in refund.note
    [callback] = w.uow.store.callbacks.values()
    assert callback["url"] == HOOK and json.loads(callback["payload"])["status_code"] == 20
    assert w.delivery.dispatch(Carrier(), "w1") == 0  # never sent


def test_a_scheduled_message_can_be_cancelled(w):
    message_id = w.send(scheduled_at=w.clock.now() + timedelta(hours=1))
    assert w.status(message_id) is S.SCHEDULED
    assert w.cancel.cancel(w.ids["alice"], message_id) == Decimal("1.00")
    assert w.status(message_id) is S.DELETED


def test_another_accounts_or_an_unknown_id_is_not_found(w):
    message_id = w.send()
    for account, mid in ((w.ids["bob"], message_id), (w.ids["alice"], 12345)):
        with pytest.raises(errors.NotFound):
            w.cancel.cancel(account, mid)
    assert w.status(message_id) is S.QUEUED and w.balance("alice") == Decimal("9.00")


def test_a_submitted_or_final_message_is_not_cancellable(w):
    sent = w.send()
    w.delivery.dispatch(Carrier(), "w1")
    assert w.status(sent) is S.SUBMITTED
    with pytest.raises(errors.NotCancellable) as exc:
        w.cancel.cancel(w.ids["alice"], sent)
    assert exc.value.code == 12 and exc.value.status == "SUBMITTED"
    third = w.send()
    w.cancel.cancel(w.ids["alice"], third)
    with pytest.raises(errors.NotCancellable, match="DELETED"):
        w.cancel.cancel(w.ids["alice"], third)  # twice: refunded once
    assert w.balance("alice") == Decimal("9.00")


def test_a_cancel_after_a_claim_wins_and_the_worker_skips_the_message(w):
    message_id = w.send()
    with w.uow(write=True) as u:
        now = w.clock.now()
        [claimed] = u.delivery.claim_due("w1", now, now + timedelta(minutes=1), 10)
        u.commit()
    w.cancel.cancel(w.ids["alice"], message_id)
    with w.uow(write=True) as u:
        assert u.delivery.mark_in_flight([claimed.id], "w1", now + timedelta(minutes=1)) == []
    assert w.status(message_id) is S.DELETED


def test_a_claim_marked_in_flight_wins_over_the_cancel(w):
    message_id = w.send()
    with w.uow(write=True) as u:
        now = w.clock.now()
        u.delivery.claim_due("w1", now, now + timedelta(minutes=1), 10)
        assert u.delivery.mark_in_flight([message_id], "w1", now + timedelta(minutes=1)) == [message_id]
        u.commit()
    with pytest.raises(errors.NotCancellable, match="on its way to a carrier"):
        w.cancel.cancel(w.ids["alice"], message_id)
    assert w.balance("alice") == Decimal("9.00")


def test_a_parent_mode_sub_clients_refund_goes_to_the_parent(w):
    w.subs.create(Credentials("alice", "pw"), "kid", "pw", "parent")
    w.ids["kid"] = w.accounts.show("kid").stored_id
    message_id = w.send("kid")
    assert w.balance("alice") == Decimal("9.00")
    assert w.cancel.cancel(w.ids["kid"], message_id) == Decimal("1.00")
    assert w.balance("alice") == Decimal("10.00") and w.balance("kid") == 0


def test_a_client_split_part_goes_out_as_one_sms_with_its_numbering(w):
    part = ConcatPart(513, 2, 1)
    message_id = w.send(text="x" * 152, concat=part)
    plain = w.send(text="y" * 200)
    carrier = Carrier()
    w.delivery.dispatch(carrier, "w1")
    by_id = {m.message_id: m for m in carrier.sent}
    assert by_id[message_id].parts == ("x" * 152,) and by_id[message_id].concat == part
    assert len(by_id[plain].parts) == 2 and by_id[plain].concat is None
