"""SMPP batch submit on the fakes: one transaction per batch, an answer per item in order,
per-item errors, isolation between accounts (and the greedy fallback when money or a quota
runs out), the send rate counted in segments, and client-split parts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from service.app.access.auth import Authenticator
from service.app.access.rate_limits import Operation, RateLimiter, RatePolicy
from service.app.accounts.accounts import AccountService
from service.app.limits.limits import LimitSettings
from service.app.sending.policy import SendingPolicy
from service.app.sending.submit import Submission, SubmitService
from service.app.subaccounts.subaccounts import SubAccountService
from service.app.access.auth import Credentials
from service.domain import errors
from service.domain.encoding import Encoding
from service.domain.ledger import Reason
from service.domain.message import ConcatPart
from service.domain.pricing import Tariff
from service.domain.status import MessageStatus as S
from tests.fakes import FakeUnitOfWorkFactory, FixedClock

RU, UK = "+79991234567", "+442071838750"


class World:
    def __init__(self, rate_send: int = 0, **policy) -> None:
        self.uow, self.clock = FakeUnitOfWorkFactory(), FixedClock()
        auth = Authenticator()
        self.policy = SendingPolicy(tariff=Tariff.parse("1.00", "7=0.50"), **policy)
        self.accounts = AccountService(self.uow, auth, clock=self.clock)
        self.ids = {login: self.accounts.create(login, "pw", Decimal("100")).stored_id
                    for login in ("alice", "bob")}
        self.limiter = RateLimiter(self.uow, self.clock, RatePolicy(send=rate_send))
        self.submit = SubmitService(self.uow, self.policy, self.clock, limiter=self.limiter)
        self.subs = SubAccountService(self.uow, auth, self.accounts, self.clock)

    def item(self, login="alice", recipient=UK, text="Hello", **kw) -> Submission:
        return Submission(self.ids[login], "127.0.0.1", recipient, text, kw.pop("sender", None),
                          **kw)

    def balance(self, login):
        return self.accounts.show(login).balance

    def set_balance(self, login, amount):
        self.accounts.adjust(login, Decimal(amount) - self.balance(login), "test")

    def stored(self, message_id):
        return self.uow.store.messages[message_id]

    def ledger(self, login, reason=Reason.SEND):
        return [e for e in self.uow.store.ledger
                if e.account_id == self.ids[login] and e.reason is reason]


def ok(results):
    return [r.message_id for r in results if r.error is None]


def kinds(results):
    return [type(r.error).__name__ if r.error else "ok" for r in results]


@pytest.fixture
def w():
    return World()


def test_a_batch_is_one_commit_with_ids_in_order_and_one_debit_per_account(w):
    before = w.uow.commits
    batch = [w.item(), w.item("bob", RU), w.item(text="ж" * 71), w.item("bob")]
    results = w.submit.submit_many(batch)
    assert kinds(results) == ["ok"] * 4 and w.uow.commits == before + 1
    ids = [r.message_id for r in results]
    assert [w.stored(i).account_id for i in ids] == [w.ids[x] for x in ("alice", "bob", "alice", "bob")]
    assert w.stored(ids[2]).segments == 2 and w.stored(ids[2]).encoding is Encoding.UCS2
    assert w.balance("alice") == Decimal("97.00") and w.balance("bob") == Decimal("98.50")
    [entry] = w.ledger("alice")
    assert entry.amount == Decimal("-3.00") and str(entry.reference) == f"message:{ids[0]}"
    assert ids == sorted(ids) and entry.actor == "alice"
    assert entry.note == f"smpp: 2 messages {ids[0]},{ids[2]}"
    assert [m.status for m in (w.stored(i) for i in ids)] == [S.QUEUED] * 4


def test_each_item_with_its_own_problem_gets_its_error_and_the_rest_commit(w):
    batch = [w.item(recipient="12"), w.item(text=""), w.item(text="x" * 1001),
             w.item(sender="bad sender!!"), w.item(), w.item(recipient="+7999,+7888"),
             w.item(text="a\x00b"), w.item(text="\ud800"), w.item(recipient="+7999\x00"),
             w.item(receipt_request=256)]
    results = w.submit.submit_many(batch)
    assert kinds(results) == ["InvalidNumber", "MissingParameter", "ConstraintViolation",
                              "ValidationError", "ok", "InvalidNumber", "ValidationError",
                              "ValidationError", "InvalidNumber", "ConstraintViolation"]
    assert results[6].error.field == results[7].error.field == "text"
    assert results[0].error.field == "recipient" and results[3].error.field == "sender"
    assert results[2].error.field == "text"
    assert len(w.uow.store.messages) == 1 and w.balance("alice") == Decimal("99.00")


def test_a_blocked_account_is_refused_per_item_while_others_commit(w):
    w.accounts.configure("alice", blocked=True)
    results = w.submit.submit_many([w.item(), w.item("bob"), w.item()])
    assert kinds(results) == ["AccountBlocked", "ok", "AccountBlocked"]


def test_an_address_outside_the_allowlist_is_refused(w):
    w.accounts.configure("alice", allowed_ips=["10.0.0.0/8"])
    assert kinds(w.submit.submit_many([w.item()])) == ["IpNotAllowed"]


def test_a_blacklisted_number_is_stored_banned_and_free_with_an_id(w):
    with w.uow(write=True) as u:
        u.blacklist.add(w.ids["alice"], [UK], w.clock.now())
        u.commit()
    results = w.submit.submit_many([w.item(), w.item(recipient=RU)])
    assert kinds(results) == ["ok", "ok"]
    banned = w.stored(results[0].message_id)
    assert (banned.status, banned.cost, banned.error_code) == (S.BANNED, 0, 12)
    assert banned.error_message == "the number is on the blacklist"
    assert w.balance("alice") == Decimal("99.50")


def test_a_number_that_opted_out_is_banned_as_opted_out(w):
    with w.uow(write=True) as u:  # what an inbound STOP leaves (app/inbound/keywords.py)
        u.blacklist.add(w.ids["alice"], [UK], w.clock.now(), source="inbound", reason="STOP")
        u.commit()
    [result] = w.submit.submit_many([w.item()])
    banned = w.stored(result.message_id)
    assert (banned.status, banned.error_code) == (S.BANNED, 12)
    assert banned.error_message == \
        f"the number opted out by replying STOP on {w.clock.now():%Y-%m-%d}"


def test_insufficient_funds_of_one_account_never_fails_another(w):
    w.set_balance("alice", "2.50")
    batch = [w.item(), w.item("bob"), w.item(), w.item(), w.item("bob"), w.item()]
    results = w.submit.submit_many(batch)
    assert kinds(results) == ["ok", "ok", "ok", "InsufficientFunds", "ok", "InsufficientFunds"]
    assert w.balance("alice") == Decimal("0.50") and w.balance("bob") == Decimal("98.00")
    assert len(w.uow.store.messages) == 4


def test_the_greedy_fallback_accepts_a_cheaper_item_after_a_dearer_one_failed(w):
    w.set_balance("alice", "3")
    batch = [w.item(text="x" * 200), w.item(text="y" * 200), w.item(recipient=RU),
             w.item(text="z" * 300)]  # 2.00, 2.00, 0.50, 2.00
    results = w.submit.submit_many(batch)
    assert kinds(results) == ["ok", "InsufficientFunds", "ok", "InsufficientFunds"]
    assert w.balance("alice") == Decimal("0.50")


def test_a_parent_mode_sub_client_pays_from_its_parent(w):
    w.subs.create(Credentials("alice", "pw", "127.0.0.1"), "kid", "pw", "parent")
    w.ids["kid"] = w.accounts.show("kid").stored_id
    results = w.submit.submit_many([w.item("kid"), w.item("kid", RU)])
    assert kinds(results) == ["ok", "ok"]
    assert w.balance("alice") == Decimal("98.50") and w.balance("kid") == 0
    [entry] = w.ledger("alice")
    assert entry.actor == "kid" and entry.amount == Decimal("-1.50")


def test_a_day_quota_accepts_what_fits_and_refuses_the_rest(w):
    LimitSettings(w.uow, w.policy.limits, w.clock).change("alice", per_day="2")
    results = w.submit.submit_many([w.item(), w.item("bob"), w.item(), w.item(), w.item()])
    assert kinds(results) == ["ok", "ok", "ok", "QuotaExceeded", "QuotaExceeded"]
    assert results[3].error is results[4].error  # tried once, then known


def test_the_send_rate_counts_segments_of_the_accounts_items_in_a_batch():
    w = World(rate_send=5)
    two_segments = "x" * 200
    first = w.submit.submit_many([w.item(text=two_segments), w.item(text=two_segments),
                                  w.item("bob", text=two_segments)])
    assert kinds(first) == ["ok", "ok", "ok"]  # alice 4 segments, bob 2
    second = w.submit.submit_many([w.item(text=two_segments), w.item("bob")])
    assert kinds(second) == ["RateLimited", "ok"]  # alice at 6 > 5; bob at 3
    assert "segments" in second[0].error.message and second[0].error.retry_after >= 1
    w.clock.advance(minutes=1)
    assert kinds(w.submit.submit_many([w.item()])) == ["ok"]


def test_http_and_soap_still_count_one_per_request():
    w = World(rate_send=2)
    alice = w.accounts.show("alice")
    w.limiter.hit(alice, Operation.SEND)
    w.limiter.hit(alice, Operation.SEND)
    with pytest.raises(errors.RateLimited, match="send requests"):
        w.limiter.hit(alice, Operation.SEND)
    assert list(w.uow.store.counters.values()) == [3]


def test_a_client_split_part_is_one_segment_billed_once_and_kept_with_its_numbering(w):
    part = ConcatPart(7, 3, 2)
    results = w.submit.submit_many([
        w.item(text="x" * 153, concat=part), w.item(text="ж" * 67, concat=part),
        w.item(text="x" * 152 + "€", concat=part), w.item(text="ж" * 68, concat=part),
        w.item(text="x" * 152, concat=ConcatPart(300, 2, 1)),
        w.item(text="x" * 153, concat=ConcatPart(300, 2, 1)),
        w.item(text="ж" * 67, concat=ConcatPart(300, 2, 1)),
        w.item(text="hi", concat=ConcatPart(1, 2, 3)),
        w.item(text="hi", concat=ConcatPart(70000, 2, 1))])
    assert kinds(results) == ["ok", "ok", "ConstraintViolation", "ConstraintViolation", "ok",
                              "ConstraintViolation", "ConstraintViolation",
                              "ConstraintViolation", "ConstraintViolation"]
    assert results[2].error.field == "text" and results[7].error.field == "concat"
    stored = w.stored(results[0].message_id)
    assert (stored.segments, stored.cost, stored.concat) == (1, Decimal("1.00"), part)
    assert w.balance("alice") == Decimal("97.00")


def test_receipt_bits_times_and_the_default_sender_are_kept(w):
    w.accounts.configure("alice", default_sender="ACME")
    now = w.clock.now()
    later, past = now + timedelta(hours=2), now - timedelta(minutes=5)
    results = w.submit.submit_many([
        w.item(receipt_request=1, scheduled_at=later),
        w.item(scheduled_at=past, valid_until=now + timedelta(days=30), sender="Shop"),
        w.item(valid_until=now - timedelta(seconds=1)),
        w.item(scheduled_at=now + timedelta(days=91))])
    assert kinds(results) == ["ok", "ok", "ConstraintViolation", "ConstraintViolation"]
    first, second = w.stored(results[0].message_id), w.stored(results[1].message_id)
    assert (first.status, first.scheduled_at, first.receipt_request) == (S.SCHEDULED, later, 1)
    assert first.valid_until == later + timedelta(days=1) and first.sender == "ACME"
    assert (second.status, second.scheduled_at, second.sender) == (S.QUEUED, None, "Shop")
    assert second.valid_until == now + timedelta(days=7)  # cut to the longest validity
    assert results[2].error.field == "valid_until"


def test_find_sees_only_the_accounts_own_message(w):
    [mine] = w.submit.submit_many([w.item()])
    assert w.submit.find(w.ids["alice"], mine.message_id).recipient == UK
    assert w.submit.find(w.ids["bob"], mine.message_id) is None
    assert w.submit.find(w.ids["alice"], 999) is None


def test_an_empty_batch_commits_nothing(w):
    before = w.uow.commits
    assert w.submit.submit_many([]) == [] and w.uow.commits == before


def test_the_stored_hook_sees_every_stored_message_inside_the_transaction(w):
    seen = []

    def hook(uow, messages):
        seen.append([(m.stored_id, m.status) for m in messages])
        assert all(uow.messages.get_many(m.account_id, [m.stored_id]) for m in messages)

    submit = SubmitService(w.uow, w.policy, w.clock, on_stored=hook)
    with w.uow(write=True) as u:
        u.blacklist.add(w.ids["alice"], [RU], w.clock.now())
        u.commit()
    results = submit.submit_many([w.item(), w.item(recipient=RU), w.item(recipient="1")])
    assert seen == [[(results[0].message_id, S.QUEUED), (results[1].message_id, S.BANNED)]]


def test_a_ledger_note_folds_runs_of_ids():
    from service.app.sending.steps import ids_note
    assert ids_note("smpp", [9, 7, 8, 12, 14, 15]) == "smpp: 6 messages 7-9,12,14-15"
    assert ids_note("smpp", [3]) == "smpp: 1 message 3"


def test_a_transaction_lost_to_concurrent_writers_is_tried_again(w, monkeypatch):
    from service.app.errors import SaveConflict
    from tests.fakes import FakeMessageRepository
    real, calls = FakeMessageRepository.add_many, []

    def flaky(self, messages):
        calls.append(len(messages))
        if len(calls) < 3:
            raise SaveConflict("deadlock detected")
        return real(self, messages)

    monkeypatch.setattr(FakeMessageRepository, "add_many", flaky)
    assert kinds(w.submit.submit_many([w.item(), w.item("bob")])) == ["ok", "ok"]
    assert calls == [2, 2, 2] and w.balance("alice") == Decimal("99.00")
    calls.clear()
    monkeypatch.setattr(FakeMessageRepository, "add_many",
                        lambda self, messages: (_ for _ in ()).throw(SaveConflict("x")))
    assert kinds(w.submit.submit_many([w.item()])) == ["SaveConflict"]
    assert w.balance("alice") == Decimal("99.00")
