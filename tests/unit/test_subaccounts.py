"""Sub-clients with fakes: who may do what, transfers, caps windows, isolation rules and the
settings clients set themselves."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from service.app.access.auth import Authenticator, Credentials
from service.app.accounts.accounts import AccountService
from service.app.errors import LoginTaken
from service.app.sending.policy import SendingPolicy
from service.app.sending.sending import SendingService, SendSms
from service.app.subaccounts.settings import AccountSettingsService, SettingsChange
from service.app.subaccounts.subaccounts import SubAccountService
from service.domain import errors
from service.domain.money import MONEY_MAX
from service.domain.pricing import Tariff
from service.domain.subaccounts import BalanceMode, parse_cap, parse_transfer_amount, spend_windows
from tests.fakes import FakeUnitOfWorkFactory, FixedClock

PARENT = Credentials("parent", "pw", "127.0.0.1")
OTHER = Credentials("other", "pw", "127.0.0.1")


def creds(login):
    return Credentials(login, "pw", "127.0.0.1")


@pytest.fixture
def w():
    uow = FakeUnitOfWorkFactory()
    clock = FixedClock(datetime(2026, 12, 1, 23, 0, tzinfo=timezone.utc))
    auth = Authenticator()
    policy = SendingPolicy(tariff=Tariff.parse("1.00", ""))
    accounts = AccountService(uow, auth, clock=clock)
    accounts.create("parent", "pw", Decimal("100"))
    accounts.create("other", "pw", Decimal("100"))
    subs = SubAccountService(uow, auth, accounts, clock)
    return dict(uow=uow, clock=clock, accounts=accounts, subs=subs,
                sending=SendingService(uow, auth, policy, clock),
                settings=AccountSettingsService(uow, auth, accounts, subs))


def bal(w, login):
    return w["accounts"].show(login).balance


def send(w, login, n=1):
    return w["sending"].send(SendSms(creds(login), ["+79991234567"] * n, "hi"))


# -- pure rules ---------------------------------------------------------------------------

def test_cap_windows_are_the_utc_day_and_month():
    now = datetime(2026, 12, 31, 23, 59, tzinfo=timezone.utc)
    windows = spend_windows(now, Decimal("5"), Decimal("50"))
    assert [(x.period, x.start.isoformat(), x.cap) for x in windows] == [
        ("daily", "2026-12-31", Decimal("5")), ("monthly", "2026-12-01", Decimal("50"))]
    assert spend_windows(now, None, None) == []


@pytest.mark.parametrize("bad", ["-1", "0", "1e3", "abc", "1.00001", "100000000000000", "", None,
                                 Decimal("-2"), Decimal("NaN")])
def test_transfer_amounts_are_positive_plain_and_bounded(bad):
    with pytest.raises(errors.ValidationError):
        parse_transfer_amount(bad)


def test_caps_and_modes_parse():
    assert parse_cap("", "dailyCap") is None and parse_cap("0", "dailyCap") == 0
    assert BalanceMode.parse(None) is BalanceMode.OWN and BalanceMode.parse("PARENT") is BalanceMode.PARENT
    with pytest.raises(errors.ValidationError):
        BalanceMode.parse("shared")


# -- managing sub-clients -----------------------------------------------------------------

def test_a_parent_creates_lists_updates_and_deletes_its_sub_clients(w):
    sub = w["subs"].create(PARENT, "kid", "pw", "parent", "10", None)
    assert (sub.login, sub.balance_mode, sub.daily_cap) == ("kid", BalanceMode.PARENT, Decimal("10"))
    assert [s.login for s in w["subs"].list(PARENT)] == ["kid"]
    assert w["subs"].list(OTHER) == []
    updated = w["subs"].update(PARENT, "kid", blocked=True, daily_cap=None, monthly_cap="30")
    assert updated.blocked and updated.daily_cap is None and updated.monthly_cap == 30
    w["subs"].delete(PARENT, "kid")
    assert w["subs"].list(PARENT) == []
    with pytest.raises(errors.AccountBlocked):
        send(w, "kid")
    with pytest.raises(LoginTaken):  # the login stays taken
        w["subs"].create(PARENT, "kid", "pw")


def test_duplicate_login_and_one_level_only(w):
    w["subs"].create(PARENT, "kid", "pw")
    with pytest.raises(LoginTaken):
        w["subs"].create(PARENT, "kid", "pw")
    with pytest.raises(LoginTaken):
        w["subs"].create(PARENT, "other", "pw")
    for call in (lambda: w["subs"].create(creds("kid"), "grandkid", "pw"),
                 lambda: w["subs"].list(creds("kid")),
                 lambda: w["subs"].transfer(creds("kid"), "kid", "1"),
                 lambda: w["subs"].withdraw(creds("kid"), "kid", "1"),
                 lambda: w["subs"].totals(creds("kid")),
                 lambda: w["subs"].delete(creds("kid"), "kid")):
        with pytest.raises(errors.Forbidden):
            call()
    with pytest.raises(errors.ValidationError):
        w["subs"].create_for("kid", "grandkid", "pw")


def test_caps_only_for_parent_mode_and_delete_refused_with_a_balance(w):
    with pytest.raises(errors.ConstraintViolation):
        w["subs"].create(PARENT, "kid", "pw", "own", "5")
    w["subs"].create(PARENT, "kid", "pw", "own")
    w["subs"].transfer(PARENT, "kid", "3")
    with pytest.raises(errors.ConstraintViolation):
        w["subs"].delete(PARENT, "kid")
    w["subs"].withdraw(PARENT, "kid", "3")
    w["subs"].delete(PARENT, "kid")


# -- funds --------------------------------------------------------------------------------

def test_transfers_move_funds_both_ways_and_never_overdraw(w):
    w["subs"].create(PARENT, "kid", "pw")
    t = w["subs"].transfer(PARENT, "kid", "40.5")
    assert (t.parent_balance, t.sub_balance) == (Decimal("59.5"), Decimal("40.5"))
    with pytest.raises(errors.InsufficientFunds):
        w["subs"].transfer(PARENT, "kid", "59.5001")
    with pytest.raises(errors.InsufficientFunds):
        w["subs"].withdraw(PARENT, "kid", "40.5001")
    t = w["subs"].withdraw(PARENT, "kid", "0.5")
    assert (bal(w, "parent"), bal(w, "kid")) == (Decimal("60"), Decimal("40"))
    send(w, "kid", 2)
    assert (bal(w, "parent"), bal(w, "kid")) == (Decimal("60"), Decimal("38"))


def test_no_transfer_to_another_parents_sub_client_or_a_parent_mode_one(w):
    w["subs"].create(OTHER, "theirs", "pw")
    w["subs"].create(PARENT, "spender", "pw", "parent")
    with pytest.raises(errors.NotFound):
        w["subs"].transfer(PARENT, "theirs", "1")
    with pytest.raises(errors.NotFound):
        w["subs"].transfer(PARENT, "other", "1")  # an account, but not a sub-client of ours
    with pytest.raises(errors.ConstraintViolation):
        w["subs"].transfer(PARENT, "spender", "1")
    assert bal(w, "parent") == bal(w, "other") == Decimal("100")


def test_parent_mode_spends_the_parents_balance_within_daily_and_monthly_caps(w):
    w["subs"].create(PARENT, "kid", "pw", "parent", "3", "4")
    result = send(w, "kid", 2)
    assert result.balance == 0  # its own balance: never the parent's
    assert bal(w, "parent") == Decimal("98")
    with pytest.raises(errors.SpendingCapExceeded) as exc:
        send(w, "kid", 2)
    assert exc.value.period == "daily" and exc.value.balance == Decimal("1")
    send(w, "kid", 1)
    w["clock"].advance(hours=2)  # the next UTC day: the daily window is new, the month is not
    with pytest.raises(errors.SpendingCapExceeded) as exc:
        send(w, "kid", 2)
    assert exc.value.period == "monthly"
    send(w, "kid", 1)
    assert bal(w, "parent") == Decimal("96") and bal(w, "kid") == 0


def test_a_blocked_parent_freezes_its_money_for_parent_mode_sub_clients(w):
    w["subs"].create(PARENT, "kid", "pw", "parent")
    w["subs"].create(PARENT, "saver", "pw", "own")
    w["subs"].transfer(PARENT, "saver", "5")
    w["accounts"].configure("parent", blocked=True)
    with pytest.raises(errors.AccountBlocked):
        send(w, "kid")
    send(w, "saver")  # its own balance: still its own to spend
    assert bal(w, "parent") == Decimal("95")


def test_parent_mode_without_funds_reports_the_sub_clients_own_balance(w):
    w["accounts"].create("poor", "pw", Decimal("1"))
    w["subs"].create(creds("poor"), "kid", "pw", "parent")
    with pytest.raises(errors.InsufficientFunds) as exc:
        send(w, "kid", 2)
    assert exc.value.balance == 0 and "1" not in str(exc.value.balance)
    assert bal(w, "poor") == Decimal("1")


# -- isolation ----------------------------------------------------------------------------

def test_a_parent_reads_its_sub_clients_messages_and_totals_and_nobody_else_does(w):
    w["subs"].create(PARENT, "kid", "pw", "parent")
    w["subs"].create(PARENT, "sibling", "pw", "parent")
    w["subs"].create(OTHER, "theirs", "pw")
    send(w, "kid", 2)
    send(w, "parent", 1)

    def acting(login, sub):
        with w["uow"]() as uow:
            return w["subs"].resolve(uow, uow.accounts.get_by_login(login), sub).login

    assert acting("parent", "kid") == "kid" and acting("parent", None) == "parent"
    with pytest.raises(errors.NotFound):
        acting("other", "kid")
    with pytest.raises(errors.NotFound):
        acting("parent", "theirs")
    with pytest.raises(errors.Forbidden):
        acting("sibling", "kid")
    with pytest.raises(errors.Forbidden):
        acting("kid", "kid")
    totals = {t.login: (t.messages, t.segments, t.cost) for t in w["subs"].totals(PARENT)}
    assert totals == {"kid": (2, 2, Decimal("2")), "sibling": (0, 0, Decimal("0"))}
    later = w["clock"].now() + timedelta(seconds=1)
    assert w["subs"].totals(PARENT, since=later)[0].messages == 0


# -- settings -----------------------------------------------------------------------------

def test_clients_set_their_own_settings_with_untrusted_callback_urls(w):
    view = w["settings"].set(PARENT, SettingsChange(
        callback_url="https://hooks.example.com/x", callback_secret="s3",
        allowed_ips=["127.0.0.1", "10.0.0.0/8"], retention_days=0, default_sender="Shop"))
    assert view.callback_secret_set and view.retention_days == 0
    stored = w["accounts"].show("parent").settings
    assert stored.callback_url_trusted is False and stored.allowed_ips == ("127.0.0.1/32", "10.0.0.0/8")
    assert w["settings"].get(PARENT).default_sender == "Shop"


@pytest.mark.parametrize("change, field", [
    (SettingsChange(retention_days=-1), "retentionDays"),
    (SettingsChange(allowed_ips=["300.1.1.1"]), "allowedIps"),
    (SettingsChange(allowed_ips=["10.0.0.1"]), "allowedIps"),  # locks the caller out
    (SettingsChange(callback_url="ftp://x.example"), "callbackUrl"),
    (SettingsChange(callback_url="http://10.1.2.3/hook"), "callbackUrl"),
    (SettingsChange(callback_url="http://169.254.169.254/"), "callbackUrl"),
    (SettingsChange(callback_url="http://localhost:8080/"), "callbackUrl"),
    (SettingsChange(default_sender="x" * 30), None),
])
def test_bad_settings_are_validation_errors_and_change_nothing(w, change, field):
    with pytest.raises(errors.ValidationError) as exc:
        w["settings"].set(PARENT, change)
    if field:
        assert exc.value.field in (field, {"allowed_ips": "allowedIps",
                                           "callback_url": "callbackUrl"}.get(field))
    assert w["accounts"].show("parent").settings.callback_url is None


def test_a_parent_sets_its_sub_clients_settings_but_not_the_reverse(w):
    w["subs"].create(PARENT, "kid", "pw")
    w["settings"].set(PARENT, SettingsChange(allowed_ips=["127.0.0.1", "192.0.2.7"]), "kid")
    assert w["accounts"].show("kid").settings.allowed_ips == ("127.0.0.1/32", "192.0.2.7/32")
    with pytest.raises(errors.Forbidden):
        w["settings"].get(creds("kid"), "kid")
    with pytest.raises(errors.NotFound):
        w["settings"].set(OTHER, SettingsChange(retention_days=1), "kid")


# -- properties of the amount and cap parsers ---------------------------------------------

AMOUNTS = st.decimals(min_value=Decimal("0.0001"), max_value=MONEY_MAX, places=4,
                      allow_nan=False, allow_infinity=False)


@given(AMOUNTS)
def test_every_amount_the_store_keeps_parses_to_itself_as_text_or_decimal(amount):
    assert parse_transfer_amount(format(amount, "f")) == amount
    assert parse_transfer_amount(amount) == amount
    assert parse_cap(format(amount, "f"), "dailyCap") == amount


@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(),
                 st.decimals(allow_nan=True, allow_infinity=True)))
def test_any_input_is_an_amount_or_a_validation_error_never_anything_else(value):
    try:
        amount = parse_transfer_amount(value)
    except errors.ValidationError:
        return
    assert Decimal("0") < amount <= MONEY_MAX and amount == amount.quantize(Decimal("0.0001"))


def test_transfers_and_parent_mode_sends_write_ledger_rows_on_the_accounts_that_changed(w):
    w["subs"].create(PARENT, "kid", "pw")
    w["subs"].create(PARENT, "spender", "pw", "parent")
    w["subs"].transfer(PARENT, "kid", "7")
    w["subs"].withdraw(PARENT, "kid", "2")
    send(w, "spender")

    def rows(login):
        with w["uow"]() as uow:
            account = uow.accounts.get_by_login(login)
            page = uow.ledger.page(account.stored_id, None, None, 0, 100)
        return [(e.reason.value, e.amount, e.balance_after, e.actor) for e in reversed(page.items)]

    parent_rows = rows("parent")
    assert [r[:3] for r in parent_rows if r[0] != "opening_balance"] == [
        ("transfer_out", Decimal("-7"), Decimal("93")), ("transfer_in", Decimal("2"), Decimal("95")),
        ("send", Decimal("-1"), Decimal("94"))]
    assert parent_rows[-1][3] == "spender"   # the sub-client that spent it
    assert [r[:3] for r in rows("kid")] == [("transfer_in", Decimal("7"), Decimal("7")),
                                            ("transfer_out", Decimal("-2"), Decimal("5"))]
    assert rows("spender") == []
