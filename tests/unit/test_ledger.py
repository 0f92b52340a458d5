"""The ledger's arithmetic with fakes: every change is one entry, the balance is the sum of the
entries, the guarded debit goes down to minus the credit limit and no further, transfers move
money between two accounts with an entry on each side, and bad amounts change nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.app.access.auth import Authenticator, Credentials
from service.app.accounts.accounts import AccountService
from service.app.accounts.ledger import Ledger
from service.app.accounts.ledger_service import LedgerService
from service.app.sending.policy import SendingPolicy
from service.app.sending.sending import SendingService, SendSms
from service.domain.errors import (ConstraintViolation, InsufficientFunds, MissingParameter,
                                   NotFound, ValidationError)
from service.domain.ledger import Reason, RefKind, Reference, running_balances
from service.domain.money import (MONEY_MAX, minor_unit, parse_signed_amount, shown_amount)
from service.domain.pricing import Tariff
from tests.fakes import FakeUnitOfWorkFactory, FixedClock

D = Decimal


@pytest.fixture
def world():
    uow, clock, auth = FakeUnitOfWorkFactory(), FixedClock(), Authenticator()
    accounts = AccountService(uow, auth, clock=clock)
    for login, balance in (("alice", "10"), ("bob", "5")):
        accounts.create(login, "pw", D(balance))
    return dict(uow=uow, clock=clock, accounts=accounts, ledger=Ledger(clock),
                reads=LedgerService(uow, auth),
                sending=SendingService(uow, auth, SendingPolicy(tariff=Tariff.parse("1.00", "")),
                                       clock))


def entries(world, account_id=None):
    return [e for e in world["uow"].store.ledger if account_id in (None, e.account_id)]


def holds(world) -> bool:
    return all(t.consistent for t in world["reads"].check())


def test_running_balances_give_each_entry_its_own_balance_after():
    assert running_balances(D("10"), [D("1"), D("2"), D("3")]) == [D("5"), D("7"), D("10")]
    assert running_balances(D("-4"), []) == []


def test_an_account_opens_with_one_entry_of_its_balance(world):
    first = entries(world, 1)
    assert [(e.reason, e.amount, e.balance_after, e.actor) for e in first] == [
        (Reason.OPENING_BALANCE, D("10"), D("10"), "operator")]
    assert holds(world)


def test_top_up_adjust_and_send_each_write_one_entry_and_the_sum_is_the_balance(world):
    world["accounts"].top_up("alice", D("2.5"))
    world["accounts"].adjust("alice", D("-1.25"), "duplicate top-up")
    result = world["sending"].send(SendSms(Credentials("alice", "pw"), ["+79991234567"], "Hi"))
    mine = entries(world, 1)
    assert [e.reason for e in mine] == [Reason.OPENING_BALANCE, Reason.TOPUP,
                                        Reason.ADJUSTMENT, Reason.SEND]
    send = mine[-1]
    assert (send.amount, send.balance_after, send.actor) == (D("-1"), result.balance, "alice")
    assert send.reference == Reference(RefKind.MESSAGE, str(result.messages[0].message_id))
    assert mine[2].note == "duplicate top-up"
    assert sum(e.amount for e in mine) == world["accounts"].show("alice").balance == D("10.25")
    assert holds(world)


def test_a_refused_send_writes_nothing(world):
    with pytest.raises(InsufficientFunds):
        world["sending"].send(SendSms(Credentials("bob", "pw"), ["+79991234567"] * 6, "Hi"))
    assert len(entries(world, 2)) == 1 and holds(world)


def test_postpaid_goes_down_to_minus_the_credit_limit_and_not_a_cent_further(world):
    uow, ledger = world["uow"], world["ledger"]
    world["accounts"].set_credit_limit("bob", D("20"))
    with uow(write=True) as u:
        assert ledger.debit(u, 2, D("25"), Reason.SEND, actor="bob") == D("-20")
        with pytest.raises(InsufficientFunds, match="credit limit of 20") as caught:
            ledger.debit(u, 2, D("0.0001"), Reason.SEND, actor="bob")
        u.commit()
    assert caught.value.balance == D("-20") and caught.value.credit_limit == D("20")
    assert world["accounts"].show("bob").balance == D("-20") and holds(world)


def test_a_prepaid_account_is_refused_exactly_as_before(world):
    with world["uow"](write=True) as u:
        with pytest.raises(InsufficientFunds, match="short by 0.0001$"):
            world["ledger"].debit(u, 2, D("5.0001"), Reason.SEND, actor="bob")


def test_a_transfer_moves_money_with_one_entry_on_each_side(world):
    with world["uow"](write=True) as u:
        moved = world["ledger"].transfer(u, 1, 2, D("3"), actor="alice", note="monthly")
        u.commit()
    assert (moved.from_balance, moved.to_balance) == (D("7"), D("8"))
    out, into = entries(world, 1)[-1], entries(world, 2)[-1]
    assert (out.reason, out.amount, into.reason, into.amount) == (
        Reason.TRANSFER_OUT, D("-3"), Reason.TRANSFER_IN, D("3"))
    assert out.reference == into.reference == moved.reference
    assert moved.reference.kind is RefKind.TRANSFER and len(moved.reference.id) == 32
    assert out.actor == into.actor == "alice" and out.note == "monthly" and holds(world)


@pytest.mark.parametrize("amount,error", [
    (D("0"), ConstraintViolation), (D("-1"), ConstraintViolation),
    (MONEY_MAX + 1, ConstraintViolation), (D("0.00001"), ConstraintViolation),
    (D("10.0001"), InsufficientFunds)])
def test_a_bad_transfer_moves_nothing(world, amount, error):
    with world["uow"](write=True) as u:
        with pytest.raises(error):
            world["ledger"].transfer(u, 1, 2, amount, actor="alice")
    assert [len(entries(world, i)) for i in (1, 2)] == [1, 1] and holds(world)


def test_a_transfer_needs_two_existing_accounts_in_one_currency(world):
    world["accounts"].create("eve", "pw", D("5"), currency="EUR")
    with world["uow"](write=True) as u:
        with pytest.raises(ValidationError, match="different accounts"):
            world["ledger"].transfer(u, 1, 1, D("1"), actor="alice")
        with pytest.raises(NotFound):
            world["ledger"].transfer(u, 1, 99, D("1"), actor="alice")
        with pytest.raises(ValidationError, match="currencies differ") as caught:
            world["ledger"].transfer(u, 1, 3, D("1"), actor="alice")
    assert caught.value.field == "currency"


def test_an_adjustment_needs_a_reason_and_is_guarded_like_a_debit(world):
    acc = world["accounts"]
    with pytest.raises(MissingParameter):
        acc.adjust("alice", D("1"), "  ")
    with pytest.raises(InsufficientFunds):
        acc.adjust("alice", D("-10.01"), "too much")
    with pytest.raises(ConstraintViolation):
        acc.adjust("alice", D("0"), "nothing")
    with pytest.raises(ConstraintViolation):
        acc.adjust("alice", D("1"), "x" * 201)
    with pytest.raises(NotFound):
        acc.adjust("nobody", D("1"), "x")
    assert acc.adjust("alice", D("-10"), "all of it") == D("0") and holds(world)


@pytest.mark.parametrize("limit", [D("-1"), MONEY_MAX + 1, D("0.00001")])
def test_a_credit_limit_is_0_up_to_the_largest_amount(world, limit):
    with pytest.raises(ConstraintViolation):
        world["accounts"].set_credit_limit("alice", limit)


def test_transactions_are_paged_newest_first_and_windowed_by_time(world):
    acc, clock = world["accounts"], world["clock"]
    for n in range(5):
        clock.advance(minutes=1)
        acc.top_up("alice", D(n + 1))
    creds = Credentials("alice", "pw")
    statement = world["reads"].transactions(creds, page=1, page_size=2)
    assert statement.page.total == 6 and statement.currency == "RUB"
    assert [e.amount for e in statement.page.items] == [D("5"), D("4")]
    since = clock.now() - timedelta(minutes=1)
    assert [e.amount for e in world["reads"].transactions(creds, since=since).page.items] == [
        D("5"), D("4")]
    with pytest.raises(ConstraintViolation) as caught:
        world["reads"].transactions(creds, since=clock.now(), until=since)
    assert caught.value.field == "until"
    for page, size in ((0, 10), (1, 0), (1, 1001)):
        with pytest.raises(ConstraintViolation):
            world["reads"].transactions(creds, page=page, page_size=size)


def test_the_check_names_an_account_whose_balance_left_its_ledger(world):
    world["uow"].store.accounts[2].balance += D("1")
    bad = [t for t in world["reads"].check() if not t.consistent]
    assert [(t.login, t.balance, t.total) for t in bad] == [("bob", D("6"), D("5"))]


@pytest.mark.parametrize("currency,places", [("RUB", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4)])
def test_each_currency_has_its_iso_minor_unit(currency, places):
    assert minor_unit(currency) == places


def test_amounts_are_shown_with_the_currency_s_places_and_never_rounded():
    assert str(shown_amount(D("12.5000"), "KWD")) == "12.500"
    assert str(shown_amount(D("100.0000"), "JPY")) == "100"
    assert str(shown_amount(D("0.0035"), "USD")) == "0.0035"
    assert str(shown_amount(D("-3.1000"), "RUB")) == "-3.10"


@pytest.mark.parametrize("text", ["--5", "-", "- 5", "+5", "5-", "abc", "1e3", "0", "-0",
                                  "-0.00001", "100000000000000"])
def test_a_signed_amount_is_digits_with_an_optional_minus(text):
    with pytest.raises(ValidationError):
        parse_signed_amount(text)


@given(st.decimals(min_value=D("-99999999999999.9999"), max_value=MONEY_MAX, places=4,
                   allow_nan=False, allow_infinity=False).filter(lambda d: d != 0))
def test_a_signed_amount_reads_back_what_was_written(amount):
    assert parse_signed_amount(f"{amount:f}") == amount


@given(st.text(max_size=30))
def test_a_signed_amount_is_a_decimal_or_a_validation_error(text):
    try:
        amount = parse_signed_amount(text)
    except ValidationError:
        return
    assert isinstance(amount, Decimal) and amount != 0 and abs(amount) <= MONEY_MAX


def test_a_cancelled_mailing_on_the_fakes_is_one_debit_and_one_refund_row_per_message(world):
    from service.app.mailings.mailings import CreateMailing, MailingService
    me = Credentials("alice", "pw")
    mailings = MailingService(world["uow"], Authenticator(), SendingPolicy(
        tariff=Tariff.parse("1.00", "")), world["clock"])
    mid = mailings.create(CreateMailing(me, "m", "Hi", phones=(
        "+79991230001", "+79991230002", "+79991230003"))).mailing.stored_id
    assert mailings.start(me, mid).balance == D("7")
    mailings.cancel(me, mid)
    rows = entries(world, 1)[1:]
    assert [(e.reason, e.amount, e.balance_after) for e in rows] == [
        (Reason.MAILING, D("-3"), D("7")), (Reason.MAILING_REFUND, D("1"), D("8")),
        (Reason.MAILING_REFUND, D("1"), D("9")), (Reason.MAILING_REFUND, D("1"), D("10"))]
    assert rows[0].reference == Reference(RefKind.MAILING, str(mid))
    assert all(r.reference.kind is RefKind.MESSAGE and r.actor == "alice"
               and r.note.startswith(f"mailing {mid}: DELETED") for r in rows[1:])
    assert holds(world)
