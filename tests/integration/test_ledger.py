"""The ledger on both stores: the balance equals the sum of the ledger (and each entry's
balance after follows from the one before) while senders, refunds, transfers and top-ups race;
a mailing is debited once and refunded per message; the worker's refunds say why; the
migration opens a row per existing account; ``smsgw ledger check`` names broken accounts."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from service.app.access.auth import Credentials
from service.app.accounts.ledger import Ledger
from service.app.delivery.delivery import DeliveryPolicy, DeliveryService
from service.app.delivery.ports import Transition
from service.app.mailings.mailings import CreateMailing
from service.app.sending.sending import SendSms
from service.bootstrap import build_container
from service.cli import main
from service.config import Settings
from service.domain.errors import InsufficientFunds
from service.domain.ledger import Reason
from service.domain.status import MessageStatus as S
from service.persistence.migrate import upgrade
from service.persistence.tables import ledger_entries
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FixedClock

D = Decimal
THREADS = 8


@pytest.fixture(params=STORES)
def app(request):
    url = store_url(request, request.param)
    engine = migrated(url)
    clock = FixedClock()
    c = build_container(Settings(database_url=url, threads=THREADS, task_threshold=50),
                        clock=clock, engine=engine)
    c.url, c.fixed_clock = url, clock
    yield c
    engine.dispose()


def chains_hold(app) -> None:
    """Every account: sum = balance, and each entry's balance after = the previous + amount."""
    bad = [t for t in app.use_cases.ledger.check() if not t.consistent]
    assert bad == []
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(ledger_entries.c.account_id, ledger_entries.c.amount,
                                      ledger_entries.c.balance_after)
                            .order_by(ledger_entries.c.id)).all()
    last: dict[int, Decimal] = {}
    for account_id, amount, after in rows:
        assert last.get(account_id, D(0)) + amount == after, (account_id, amount, after)
        last[account_id] = after


def entries(app, login):
    account = app.use_cases.accounts.show(login)
    with app.engine.connect() as conn:
        return conn.execute(sa.select(ledger_entries).where(
            ledger_entries.c.account_id == account.id).order_by(ledger_entries.c.id)).all()


def test_racing_senders_refunds_transfers_and_top_ups_keep_every_balance_its_ledger(app):
    acc = app.use_cases.accounts
    for login in ("alice", "bob", "carol"):
        acc.create(login, "pw", D("60"))
    acc.set_credit_limit("bob", D("25"))   # postpaid: bob may go down to -25
    ids = {login: acc.show(login).id for login in ("alice", "bob", "carol")}
    # messages to refund while the race runs (each one at most once, whoever gets there first)
    sent = [app.use_cases.sending.send(SendSms(Credentials(login, "pw"), ["+79991234567"], "x"))
            .messages[0].message_id for login in ("alice", "carol") for _ in range(10)]
    ledger, rng, lock = Ledger(app.clock), random.Random(7), threading.Lock()

    def refund(batch):
        with app.uow_factory(write=True) as uow:
            states = uow.delivery.states(batch)
            uow.delivery.apply([Transition(i, S.EXPIRED, refund=True, error_message="test")
                                for i in states], app.clock.now())
            uow.commit()

    def transfer(a, b, amount):
        with app.uow_factory(write=True) as uow:
            ledger.transfer(uow, ids[a], ids[b], amount, actor=a)
            uow.commit()

    def step(n):
        with lock:
            roll, pick = rng.random(), rng.choice(sent)
        try:
            if roll < 0.45:
                login = ("alice", "bob", "carol")[n % 3]
                app.use_cases.sending.send(SendSms(Credentials(login, "pw"),
                                                   ["+79991234567", "+79991234568"], "hi"))
            elif roll < 0.6:
                refund([pick, sent[(sent.index(pick) + 1) % len(sent)]])
            elif roll < 0.9:
                a, b = (("alice", "bob"), ("bob", "alice"), ("carol", "bob"),
                        ("bob", "carol"))[n % 4]
                transfer(a, b, D("3.3333"))
            else:
                acc.top_up(("alice", "bob", "carol")[n % 3], D("1.5"))
        except InsufficientFunds:
            return "refused"
        return "ok"

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(step, range(240)))
    assert outcomes.count("ok") > 100
    chains_hold(app)
    assert acc.show("bob").balance >= D("-25")
    refunds = [e for login in ("alice", "carol") for e in entries(app, login)
               if e.reason == Reason.REFUND.value]
    assert len({e.ref_id for e in refunds}) == len(refunds) <= len(sent)  # never twice
    # money is only created by top-ups and opening balances, and only destroyed by sends
    total = sum(acc.show(login).balance for login in ids)
    with app.engine.connect() as conn:
        by_reason = dict(conn.execute(sa.select(ledger_entries.c.reason,
                                                sa.func.count()).group_by(ledger_entries.c.reason)).all())
    assert by_reason.get("transfer_out") == by_reason.get("transfer_in")
    assert total <= D("180") + D("1.5") * by_reason.get("topup", 0)


def test_a_mailing_is_debited_once_and_refunded_per_message_with_rows_that_say_so(app):
    me = Credentials("alice", "pw")
    app.use_cases.accounts.create("alice", "pw", D("100"))
    mid = app.use_cases.mailings.create(CreateMailing(
        credentials=me, name="Promo", text="Hi",
        phones=tuple(f"+7999123{n:04d}" for n in range(5)))).mailing.id
    app.use_cases.mailings.start(me, mid)
    app.use_cases.mailings.cancel(me, mid)
    rows = entries(app, "alice")
    assert [(r.reason, r.amount) for r in rows] == (
        [("opening_balance", D(100)), ("mailing", D(-5))] + [("mailing_refund", D(1))] * 5)
    debit = rows[1]
    assert (debit.ref_kind, debit.ref_id, debit.note, debit.actor) == (
        "mailing", str(mid), "5 messages", "alice")
    assert all(r.ref_kind == "message" and r.note.startswith(f"mailing {mid}: DELETED")
               and r.actor == "alice" for r in rows[2:])
    assert [r.balance_after for r in rows[2:]] == [D(96), D(97), D(98), D(99), D(100)]
    chains_hold(app)


def test_a_postpaid_account_sends_down_to_minus_its_limit_then_gets_the_usual_refusal(app):
    acc = app.use_cases.accounts
    acc.create("post", "pw", D("0"))
    send = lambda: app.use_cases.sending.send(SendSms(Credentials("post", "pw"),  # noqa: E731
                                                      ["+79991234567"], "x"))
    with pytest.raises(InsufficientFunds, match="short by 1.0000$"):
        send()
    acc.set_credit_limit("post", D("2"))
    assert [send().balance for _ in range(2)] == [D("-1"), D("-2")]
    with pytest.raises(InsufficientFunds) as caught:
        send()
    assert (caught.value.required, caught.value.balance, caught.value.code) == (D(1), D(-2), 15)
    assert "credit limit of 2" in caught.value.message
    chains_hold(app)


def test_the_worker_refunds_a_message_that_expired_unsent_as_worker(app):
    app.use_cases.accounts.create("alice", "pw", D("10"))
    sent = app.use_cases.sending.send(SendSms(Credentials("alice", "pw"),
                                              ["+79991234567", "+79991234568"], "Hi",
                                              validity_minutes=1))
    app.fixed_clock.advance(minutes=5)
    DeliveryService(app.uow_factory, app.clock, DeliveryPolicy()).sweep()
    DeliveryService(app.uow_factory, app.clock, DeliveryPolicy()).sweep()  # nothing twice
    rows = entries(app, "alice")
    first = sent.messages[0].message_id
    assert [(r.reason, r.amount, r.ref_kind, r.ref_id) for r in rows] == [
        ("opening_balance", D(10), None, None), ("send", D(-2), "message", str(first)),
        ("refund", D(1), "message", str(first)), ("refund", D(1), "message", str(first + 1))]
    assert rows[1].note == "2 messages" and rows[1].actor == "alice"
    assert rows[2].actor == "worker" and rows[2].note.startswith("EXPIRED")
    assert app.use_cases.accounts.show("alice").balance == D(10)
    chains_hold(app)


def test_the_migration_opens_one_row_per_existing_account(database_url):
    from service.persistence.engine import make_engine
    url = database_url
    engine = make_engine(url)
    try:
        upgrade(engine, "0011")
        scale = 10_000 if engine.dialect.name == "sqlite" else 1
        with engine.begin() as conn:
            for n, balance in enumerate((D("12.3456"), D("0"), D("99999999999999.9999"))):
                conn.execute(sa.text(
                    "INSERT INTO accounts (login, password_hash, balance, currency, blocked, "
                    "allowed_ips, created_at, paused, callback_url_trusted) VALUES "
                    "(:login, 'x', :balance, 'RUB', false, '', CURRENT_TIMESTAMP, false, true)"),
                    {"login": f"old{n}", "balance": int(balance * scale) if scale > 1 else balance})
        upgrade(engine)
        container = build_container(Settings(database_url=url), engine=engine)
        totals = container.use_cases.ledger.check()
        assert [(t.login, t.balance, t.entries, t.consistent) for t in totals] == [
            ("old0", D("12.3456"), 1, True), ("old1", D("0"), 1, True),
            ("old2", D("99999999999999.9999"), 1, True)]
        with engine.connect() as conn:
            rows = conn.execute(sa.select(ledger_entries).order_by(ledger_entries.c.id)).all()
        assert {(r.reason, r.actor) for r in rows} == {("opening_balance", "migration")}
        assert container.use_cases.accounts.show("old0").credit_limit == D(0)
        assert container.use_cases.accounts.top_up("old0", D("1")) == D("13.3456")
        assert all(t.consistent for t in container.use_cases.ledger.check())
    finally:
        engine.dispose()


def test_ledger_check_exits_1_and_names_the_accounts_that_do_not_add_up(app, monkeypatch, capsys):
    monkeypatch.setenv("SMSGW_DATABASE_URL", app.url)
    for login in ("alice", "bob", "carol"):
        app.use_cases.accounts.create(login, "pw", D("5"))
    assert main(["ledger", "check"]) == 0
    assert "ledger OK: 3 accounts" in capsys.readouterr().out
    with app.engine.begin() as conn:
        conn.execute(sa.text("UPDATE accounts SET balance = balance * 2 WHERE login <> 'bob'"))
    assert main(["ledger", "check"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == ("smsgw: error: the ledger does not hold for 2 of 3 "
                                    "accounts: alice, carol")


def test_the_cli_adjusts_shows_and_sets_the_credit_limit(app, monkeypatch, capsys):
    monkeypatch.setenv("SMSGW_DATABASE_URL", app.url)
    app.use_cases.accounts.create("kw", "pw", D("12.5"), currency="KWD")
    assert main(["account", "adjust", "kw", "-2.125", "--reason", "double top-up"]) == 0
    assert main(["account", "adjust", "kw", "-20", "--reason", "too much"]) == 1
    assert "insufficient funds" in capsys.readouterr().err
    assert main(["account", "set", "kw", "--credit-limit", "10"]) == 0
    assert "credit limit:   10.0000 KWD" in capsys.readouterr().out
    assert main(["account", "adjust", "kw", "-20", "--reason", "postpaid"]) == 0
    for bad in (["account", "adjust", "kw", "1.2.3", "--reason", "x"],
                ["account", "adjust", "kw", "0", "--reason", "x"],
                ["account", "set", "kw", "--credit-limit", "-5"],
                ["account", "ledger", "kw", "--since", "yesterday"],
                ["account", "ledger", "nobody"],
                ["account", "adjust", "kw", "100000000000000", "--reason", "oversized"],
                ["account", "adjust", "kw", "1.00001", "--reason", "too precise"],
                ["account", "topup", "kw", "ten"],
                ["account", "create", "zz", "--password", "pw", "--currency", "XYZ"]):
        assert main(bad) == 1
        err = capsys.readouterr().err
        assert err.startswith("smsgw: error: ") and len(err.splitlines()) == 1
    assert main(["account", "ledger", "kw", "--limit", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "kw: balance -9.625 KWD, 3 entries (newest 2)"
    assert out[1].split("\t")[1:6] == ["-20.000", "-9.625", "adjustment", "-", "operator"]
