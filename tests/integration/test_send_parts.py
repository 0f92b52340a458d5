"""Several texts to many recipients as ONE send (OMS's several contents): every part to every
recipient in one transaction with one debit, or nothing at all, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import select

from service.app.access.auth import Credentials
from service.app.sending.sending import SendParts
from service.bootstrap import build_container, build_wsgi_app
from service.config import Settings
from service.domain.errors import InsufficientFunds, MissingParameter
from service.persistence.repositories import SqlAccountRepository
from service.persistence.tables import messages
from tests.conftest import STORES, migrated, store_url
from tests.integration.test_oms import envelope, result_of, xms_data

ME = Credentials("alice", "pw")
THREADS = 8


@pytest.fixture(params=STORES)
def container(request):
    url = store_url(request, request.param)
    engine = migrated(url)
    c = build_container(Settings(database_url=url, threads=THREADS), engine=engine)
    yield c
    engine.dispose()


def _stored(container) -> list[tuple[str, str]]:
    with container.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(messages.c.text, messages.c.recipient).order_by(messages.c.id))]


@pytest.fixture
def debits(monkeypatch):
    calls = []
    real = SqlAccountRepository.debit

    def counting(self, account_id, amount):
        calls.append(amount)
        return real(self, account_id, amount)

    monkeypatch.setattr(SqlAccountRepository, "debit", counting)
    return calls


def test_every_part_goes_to_every_recipient_in_order_with_one_debit(container, debits):
    container.use_cases.accounts.create("alice", "pw", Decimal("10"))
    result = container.use_cases.sending.send_parts(SendParts(
        ME, ["+79991234567", "+79991234568"], ["part 1", "part 2", "part 3"]))
    expected = [(t, r) for t in ("part 1", "part 2", "part 3")
                for r in ("+79991234567", "+79991234568")]
    assert _stored(container) == expected
    assert [(m.recipient, m.status) for m in result.messages] == [
        (r, "QUEUED") for _t, r in expected]
    assert (result.code, result.total_cost, result.total_segments) == (0, Decimal("6"), 6)
    assert debits == [Decimal("6")]
    assert result.balance == container.use_cases.accounts.show("alice").balance == Decimal("4")
    assert result.refused() == []


def test_a_balance_for_only_some_parts_stores_nothing_and_debits_nothing(container, debits):
    container.use_cases.accounts.create("alice", "pw", Decimal("3"))  # covers part 1 only
    with pytest.raises(InsufficientFunds) as refused:
        container.use_cases.sending.send_parts(SendParts(
            ME, ["+79991234567", "+79991234568"], ["part 1", "part 2"]))
    assert (refused.value.required, refused.value.balance) == (Decimal("4"), Decimal("3"))
    assert refused.value.currency == "RUB"
    assert _stored(container) == []
    assert container.use_cases.accounts.show("alice").balance == Decimal("3")
    assert debits == [Decimal("4")]  # the one debit was refused by the store, not applied


def test_refused_recipients_are_named_once_and_the_others_get_every_part(container):
    container.use_cases.accounts.create("alice", "pw", Decimal("10"))
    container.use_cases.address_book.add_to_blacklist(ME, ["+79991234569"])
    result = container.use_cases.sending.send_parts(SendParts(
        ME, ["+79991234567", "123", "+79991234569"], ["one", "two"]))
    assert result.refused() == ["123", "+79991234569"]
    assert result.code == 98 and result.total_cost == Decimal("2")
    assert [(t, r) for t, r in _stored(container) if r == "+79991234567"] == [
        ("one", "+79991234567"), ("two", "+79991234567")]


def test_no_part_at_all_is_a_missing_text(container):
    container.use_cases.accounts.create("alice", "pw", Decimal("10"))
    with pytest.raises(MissingParameter):
        container.use_cases.sending.send_parts(SendParts(ME, ["+79991234567"], []))
    assert _stored(container) == []


def _deliver(app, document: str) -> str:
    body = envelope("DeliverXms", "xmsData", document).encode()
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": "/oms", "QUERY_STRING": "",
           "CONTENT_TYPE": "text/xml; charset=utf-8", "CONTENT_LENGTH": str(len(body)),
           "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "t",
           "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
    return result_of(b"".join(app(env, lambda status, headers: None)))


def test_racing_oms_messages_of_two_contents_are_each_stored_whole_or_not_at_all(container):
    container.use_cases.accounts.create("alice", "pw", Decimal("9"))  # 4 whole messages, not 5
    app = build_wsgi_app(container)
    document = xms_data(["+79991234567"], ["first", "second"])
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(lambda _: _deliver(app, document), range(16)))
    assert sum('code="ok"' in a for a in answers) == 4
    assert sum('code="lowBalance"' in a for a in answers) == 12
    assert sorted(_stored(container)) == [("first", "+79991234567")] * 4 + [
        ("second", "+79991234567")] * 4
    assert container.use_cases.accounts.show("alice").balance == Decimal("1")
