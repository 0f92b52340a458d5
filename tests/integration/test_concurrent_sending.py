"""Concurrent senders against a real store: the balance never goes below zero, no debit is lost,
and a client reference is honoured once even when its retries race."""

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

THREADS = 12


@pytest.fixture(params=STORES)
def container(request):
    url = store_url(request, request.param)
    engine = migrated(url)
    c = build_container(Settings(database_url=url, threads=THREADS), engine=engine)
    yield c
    engine.dispose()


def _send(container, ref=None):
    try:
        return container.use_cases.sending.send(SendSms(
            Credentials("racer", "pw"), ["+79991234567"], "Hello", client_ref=ref))
    except InsufficientFunds:
        return None


def _stored(container) -> tuple[int, Decimal]:
    with container.engine.connect() as conn:
        row = conn.execute(select(func.count(), func.coalesce(func.sum(messages.c.cost), 0))).one()
    return row[0], Decimal(row[1])


def test_racing_senders_spend_exactly_the_balance_and_never_more(container):
    container.use_cases.accounts.create("racer", "pw", Decimal("60"))
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda _: _send(container), range(150)))
    accepted = [r for r in results if r is not None]
    assert len(accepted) == 60
    assert container.use_cases.accounts.show("racer").balance == Decimal("0")
    count, _total = _stored(container)
    assert count == 60
    assert sorted(r.balance for r in accepted) == [Decimal(i) for i in range(60)]


def test_no_debit_is_lost_under_contention(container):
    container.use_cases.accounts.create("racer", "pw", Decimal("1000"))
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda _: _send(container), range(200)))
    assert all(results)
    assert container.use_cases.accounts.show("racer").balance == Decimal("800")
    assert _stored(container) == (200, Decimal("200"))


def test_racing_retries_of_one_client_ref_are_charged_once(container):
    container.use_cases.accounts.create("racer", "pw", Decimal("10"))
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda _: _send(container, "order-42"), range(40)))
    ids = {r.messages[0].message_id for r in results}
    assert len(ids) == 1 and all(r == results[0] for r in results)
    assert container.use_cases.accounts.show("racer").balance == Decimal("9")
    assert _stored(container)[0] == 1
