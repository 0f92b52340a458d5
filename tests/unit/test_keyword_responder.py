"""The KeywordResponder with fakes: STOP/START/HELP acted on inside the caller's unit of work,
replies sent as ordinary, priced and debited messages, and a reply that cannot be sent
skipped without a trace. Also the operator's keyword settings (app/inbound/settings.py)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from service.app.accounts.accounts import AccountService
from service.app.access.auth import Authenticator
from service.app.inbound.keywords import KeywordResponder
from service.app.inbound.settings import InboundSettingsService
from service.app.sending.policy import SendingPolicy
from service.domain.contacts import OptOutSource
from service.domain.errors import NotFound, ValidationError
from service.domain.inbound import InboundMessage, KeywordAction
from service.domain.keywords import DEFAULT_SETTINGS
from service.domain.ledger import Reason
from service.domain.limits import Limits
from service.domain.pricing import Tariff
from service.domain.status import MessageStatus
from service.domain.subaccounts import BalanceMode, SubAccount
from tests.fakes import FakeUnitOfWorkFactory, FixedClock

NOW = datetime(2026, 12, 1, 21, 30, tzinfo=timezone.utc)
PHONE, NUMBER = "+79991234567", "+79001112233"
STOP, START, HELP = KeywordAction.STOP, KeywordAction.START, KeywordAction.HELP


class World:
    def __init__(self, balance="10", policy: SendingPolicy | None = None) -> None:
        self.uow = FakeUnitOfWorkFactory()
        self.clock = FixedClock(NOW)
        self.accounts = AccountService(self.uow, Authenticator(), clock=self.clock)
        self.alice = self.accounts.create("alice", "pw", Decimal(balance)).stored_id
        self.policy = policy or SendingPolicy(tariff=Tariff.parse("1.00", "7=0.50"))
        self.responder = KeywordResponder(DEFAULT_SETTINGS, self.policy, self.clock)
        self.settings = InboundSettingsService(self.uow, DEFAULT_SETTINGS, self.clock)

    def draft(self, text, source=PHONE, destination=NUMBER, account_id=None):
        return InboundMessage(id=0, account_id=self.alice if account_id is None else account_id,
                              source=source, destination=destination, text=text,
                              received_at=NOW)

    def respond(self, *drafts):
        with self.uow(write=True) as uow:
            out = self.responder.respond(uow, list(drafts), NOW)
            uow.commit()
        return out

    def listed(self, account_id=None):
        return dict(self.uow.store.blacklist.get(account_id or self.alice, {}))

    def messages(self):
        return list(self.uow.store.messages.values())

    def balance(self, account_id=None):
        return self.uow.store.accounts[account_id or self.alice].balance

    def change(self, uow_change):
        with self.uow(write=True) as uow:
            uow_change(uow)
            uow.commit()


@pytest.fixture
def w():
    return World()


# -- STOP, START, HELP -----------------------------------------------------------------------

def test_stop_lists_the_sender_and_sends_the_confirmation_as_a_paid_message(w):
    [out] = w.respond(w.draft(" Stop! "))
    assert out.action is STOP and out.id == 0 and out.text == " Stop! "
    entry = w.listed()[PHONE]
    assert (entry.source, entry.created_at) == (OptOutSource.INBOUND, NOW)
    assert entry.reason == f'replied "Stop!" to {NUMBER}'
    [reply] = w.messages()
    assert (reply.recipient, reply.sender, reply.text) == (PHONE, NUMBER,
                                                           DEFAULT_SETTINGS.stop_reply)
    assert reply.status is MessageStatus.QUEUED and reply.cost == Decimal("0.50")
    assert w.balance() == Decimal("9.50")
    debit = w.uow.store.ledger[-1]
    assert (debit.amount, debit.reason, debit.actor) == (Decimal("-0.50"), Reason.SEND, "inbound")
    assert debit.note == f"auto-reply to STOP from {PHONE}"


def test_a_keyword_with_other_words_is_an_ordinary_message(w):
    out = w.respond(w.draft("stop sending me these"), w.draft("please STOP"),
                    w.draft("help me"))
    assert [d.action for d in out] == [None, None, None]
    assert w.listed() == {} and w.messages() == []


def test_start_takes_the_number_off_whatever_listed_it_and_confirms(w):
    w.respond(w.draft("СТОП"))
    w.change(lambda uow: uow.blacklist.add(w.alice, ["+79990000002"], NOW))  # the account's
    out = w.respond(w.draft("старт."), w.draft("Start", source="+79990000002"))
    assert [d.action for d in out] == [START, START]
    assert w.listed() == {}
    replies = [m for m in w.messages() if m.text == DEFAULT_SETTINGS.start_reply]
    assert sorted(m.recipient for m in replies) == ["+79990000002", PHONE]


def test_help_only_answers(w):
    [out] = w.respond(w.draft("помощь"))
    assert out.action is HELP and w.listed() == {}
    assert [m.text for m in w.messages()] == [DEFAULT_SETTINGS.help_reply]


def test_only_the_stop_confirmation_reaches_a_listed_number(w):
    w.respond(w.draft("STOP"))
    w.respond(w.draft("HELP"))                 # listed: the HELP text is not sent
    w.respond(w.draft("stop"))                 # a second STOP is confirmed again
    assert [m.text for m in w.messages()] == [DEFAULT_SETTINGS.stop_reply] * 2
    assert w.listed()[PHONE].reason == f'replied "STOP" to {NUMBER}'  # the first entry stays


def test_drafts_come_back_in_order_unmatched_ones_untouched(w):
    unmatched = replace(w.draft("STOP"), account_id=None)
    out = w.respond(w.draft("hello"), unmatched, w.draft("quit", source="+79990000003"))
    assert out[1] is unmatched
    assert [d.action for d in out] == [None, None, STOP]
    assert [d.text for d in out] == ["hello", "STOP", "quit"]
    assert list(w.listed()) == ["+79990000003"]


def test_a_shared_number_matches_the_text_after_the_account_keyword(w):
    w.change(lambda uow: uow.inbound.assign_keyword("7744", "acme", w.alice, NOW))
    out = w.respond(w.draft("ACME stop", destination="7744"),
                    w.draft("other stop", destination="7744", source="+79990000004"),
                    w.draft("acme stop", source="+79990000005"))  # not a keyword there
    assert [d.action for d in out] == [STOP, None, None]
    assert list(w.listed()) == [PHONE]
    assert w.listed()[PHONE].reason == 'replied "stop" to 7744'
    assert [m.sender for m in w.messages()] == ["7744"]


def test_the_account_words_and_replies_apply(w):
    w.settings.change("alice", stop_words="Хватит", help_reply="off", stop_reply="Пока")
    out = w.respond(w.draft("ХВАТИТ!"), w.draft("stop", source="+79990000006"),
                    w.draft("help", source="+79990000007"))
    assert [d.action for d in out] == [STOP, None, HELP]
    assert list(w.listed()) == [PHONE]
    [reply] = w.messages()
    assert reply.text == "Пока" and reply.cost == Decimal("0.50")  # UCS-2, one segment


def test_a_reply_pays_per_segment_by_the_account_tariff(w):
    w.settings.change("alice", help_reply="x" * 300)
    w.respond(w.draft("help", source="+442071838750"))
    [reply] = w.messages()
    assert reply.segments == 2 and reply.cost == Decimal("2.00")  # no prefix: 1.00 a segment


# -- a reply that cannot be sent: logged, skipped, no trace -----------------------------------

def assert_no_reply_written(w, balance, ledger_rows):
    assert w.messages() == []
    assert w.balance() == Decimal(balance)
    assert len(w.uow.store.ledger) == ledger_rows


def test_no_funds_skip_the_reply_but_keep_the_opt_out(caplog):
    w = World(balance="0")
    rows = len(w.uow.store.ledger)
    with caplog.at_level(logging.WARNING, "service.app.inbound.keywords"):
        [out] = w.respond(w.draft("STOP"))
    assert out.action is STOP and PHONE in w.listed()
    assert_no_reply_written(w, "0", rows)
    assert "the reply was not sent" in caplog.text and "insufficient" in caplog.text.lower()


def parent_mode(w, parent_balance, daily_cap=None):
    parent = w.accounts.create("parent", "pw", Decimal(parent_balance)).stored_id
    w.change(lambda uow: uow.subaccounts.add(SubAccount(
        account_id=w.alice, parent_id=parent, login="alice", balance_mode=BalanceMode.PARENT,
        daily_cap=daily_cap, created_at=NOW)))
    return parent


def test_a_failed_parent_debit_leaves_no_spend_counted():
    w = World(balance="0")
    parent = parent_mode(w, "0", daily_cap=Decimal("100"))
    rows = len(w.uow.store.ledger)
    [out] = w.respond(w.draft("STOP"))
    assert out.action is STOP and PHONE in w.listed()
    assert_no_reply_written(w, "0", rows)
    assert w.balance(parent) == 0
    assert not any(w.uow.store.spend.values())  # the cap's counter was rolled back too


def test_a_parent_mode_reply_is_paid_by_the_parent_within_its_cap():
    w = World(balance="0")
    parent = parent_mode(w, "5", daily_cap=Decimal("0.40"))
    w.respond(w.draft("help"))                          # 0.50 > the 0.40 cap: skipped
    assert w.messages() == [] and w.balance(parent) == Decimal("5")
    w.change(lambda uow: uow.subaccounts.update(replace(
        uow.subaccounts.get(w.alice), daily_cap=Decimal("1"))))
    w.respond(w.draft("help"))
    assert len(w.messages()) == 1 and w.balance(parent) == Decimal("4.50")


def test_blocked_account_bad_sender_limits_and_long_text_skip_the_reply():
    w = World(policy=SendingPolicy(tariff=Tariff.parse("1.00", ""), max_text_length=20))
    w.respond(w.draft("stop", destination="not a number!"))       # invalid sender
    w.respond(w.draft("stop", source="+79990000008"))             # the reply is > 20 chars
    assert w.messages() == [] and len(w.listed()) == 2
    w.settings.change("alice", stop_reply="Bye")
    w.change(lambda uow: uow.sending_limits.put(w.alice, Limits(countries=("KZ",))))
    w.respond(w.draft("stop", source="+79990000009"))             # RU is not allowed
    w.change(lambda uow: uow.sending_limits.put(w.alice, Limits(per_day=0)))
    account = w.accounts.show("alice")
    account.blocked = True
    w.change(lambda uow: uow.accounts.update(account))
    w.respond(w.draft("stop", source="+79990000010"))             # blocked
    assert w.messages() == [] and len(w.listed()) == 4
    assert w.uow.store.accounts[w.alice].balance == Decimal("10")


def test_a_quota_refusal_skips_the_reply():
    w = World()
    w.change(lambda uow: uow.sending_limits.put(w.alice, Limits(per_day=1)))
    w.respond(w.draft("help"), w.draft("help", source="+79990000011"))
    assert len(w.messages()) == 1   # the second would pass the day's limit


def test_a_sender_that_is_no_phone_number_is_acted_on_without_listing():
    w = World()
    [out] = w.respond(w.draft("STOP", source="Beeline"))
    assert out.action is STOP and w.listed() == {} and w.messages() == []


def test_the_sender_registry_does_not_refuse_the_number_the_operator_assigned():
    w = World(policy=SendingPolicy(tariff=Tariff.parse("1.00", ""), sender_check=True))
    w.respond(w.draft("help"))
    [reply] = w.messages()
    assert reply.sender == NUMBER and reply.status is MessageStatus.QUEUED


# -- the operator's settings ------------------------------------------------------------------

def test_settings_show_own_and_effective_values(w):
    view = w.settings.show("alice")
    assert view.own.empty and view.effective == DEFAULT_SETTINGS
    view = w.settings.change("alice", start_words="GO, Поехали", stop_reply="")
    assert view.effective.start_words == ("go", "поехали")
    assert view.own.stop_reply is None and view.effective.stop_reply == DEFAULT_SETTINGS.stop_reply
    assert w.settings.show("alice") == view
    view = w.settings.change("alice", start_words="default")
    assert view.own.empty and w.uow.store.inbound_settings == {}


def test_a_bad_change_changes_nothing(w):
    w.settings.change("alice", help_reply="Call us")
    with pytest.raises(ValidationError, match="both in stop_words and in start_words"):
        w.settings.change("alice", help_reply="x", start_words="start,quit")
    with pytest.raises(ValidationError):
        w.settings.change("alice", help_words="!!")
    assert w.settings.show("alice").own.help_reply == "Call us"
    with pytest.raises(NotFound):
        w.settings.show("nobody")
