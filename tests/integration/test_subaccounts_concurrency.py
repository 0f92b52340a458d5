"""Sub-clients under concurrency on a real store: racing sends of a parent-mode sub-client
never pass its cap nor the parent's balance, and racing transfers and withdrawals never
create or lose money; every balance stays the sum of its ledger."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from service.app.access.auth import Credentials
from service.app.sending.sending import SendSms
from service.bootstrap import build_container
from service.config import Settings
from service.domain.errors import InsufficientFunds
from service.persistence.tables import messages
from tests.conftest import STORES, migrated, store_url

THREADS = 10
PARENT = Credentials("parent", "pw")


@pytest.fixture(params=STORES)
def container(request):
    url = store_url(request, request.param)
    engine = migrated(url)
    c = build_container(Settings(database_url=url, threads=THREADS, default_price="1.00",
                                 rate_send_per_minute=0, rate_manage_per_minute=0,
                                 rate_query_per_minute=0), engine=engine)
    yield c
    engine.dispose()


def _send(container, login):
    try:
        return container.use_cases.sending.send(SendSms(
            Credentials(login, "pw"), ["+79991234567"], "Hello"))
    except InsufficientFunds:  # SpendingCapExceeded included
        return None


def _spent(container, login) -> Decimal:
    with container.engine.connect() as conn:
        account = container.use_cases.accounts.show(login)
        return Decimal(conn.execute(select(func.coalesce(func.sum(messages.c.cost), 0)).where(
            messages.c.account_id == account.id)).scalar_one())


def test_racing_parent_mode_senders_stop_exactly_at_the_daily_cap(container):
    uc = container.use_cases
    uc.accounts.create("parent", "pw", Decimal("1000"))
    uc.subaccounts.create(PARENT, "kid", "pw", "parent", "25", None)
    uc.subaccounts.create(PARENT, "kid2", "pw", "parent", "30", None)
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda i: _send(container, "kid" if i % 2 else "kid2"),
                                range(120)))
    assert sum(1 for r in results if r is not None) == 55
    assert _spent(container, "kid") == 25 and _spent(container, "kid2") == 30
    assert uc.accounts.show("parent").balance == Decimal("945")
    assert uc.accounts.show("kid").balance == 0
    assert all(t.consistent for t in uc.ledger.check())


def test_racing_parent_mode_senders_never_overdraw_the_parent(container):
    uc = container.use_cases
    uc.accounts.create("parent", "pw", Decimal("20"))
    uc.subaccounts.create(PARENT, "kid", "pw", "parent", "100", "100")
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda i: _send(container, "kid" if i % 3 else "parent"),
                                range(60)))
    assert sum(1 for r in results if r is not None) == 20
    assert uc.accounts.show("parent").balance == 0
    assert _spent(container, "kid") + _spent(container, "parent") == 20
    assert all(t.consistent for t in uc.ledger.check())


def test_racing_transfers_and_withdrawals_keep_the_total(container):
    uc = container.use_cases
    uc.accounts.create("parent", "pw", Decimal("100"))
    for kid in ("a", "b"):
        uc.subaccounts.create(PARENT, kid, "pw")

    def move(i):
        kid = "a" if i % 2 else "b"
        try:
            if i % 3:
                return uc.subaccounts.transfer(PARENT, kid, "7")
            return uc.subaccounts.withdraw(PARENT, kid, "5")
        except InsufficientFunds:
            return None

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(move, range(90)))
    balances = [uc.accounts.show(x).balance for x in ("parent", "a", "b")]
    assert sum(balances) == 100 and min(balances) >= 0
    assert all(t.consistent for t in uc.ledger.check())  # a row on both sides of every move
