"""The one rate limiter on both stores: per account and operation class, per-account limits,
shared by every node, and the HTTP API's 429 with Retry-After."""

from __future__ import annotations

import io
import json
from base64 import b64encode
from decimal import Decimal

import pytest

from service.app.access.auth import Credentials
from service.app.sending.sending import SendSms
from service.bootstrap import build_container, build_wsgi_app
from service.config import Settings
from service.domain.errors import RateLimited
from service.persistence.migrate import upgrade
from tests.fakes import FixedClock

ALICE = Credentials("alice", "pw", "127.0.0.1")


def node(url, clock, **limits):
    c = build_container(Settings(database_url=url, **limits), clock=clock)
    return c


@pytest.fixture
def nodes(database_url):
    """Two gateways on one database, as two web nodes would be."""
    clock = FixedClock()
    first = node(database_url, clock, rate_send_per_minute=3, rate_query_per_minute=4,
                 rate_manage_per_minute=2)
    upgrade(first.engine)
    first.use_cases.accounts.create("alice", "pw", Decimal("100"))
    first.use_cases.accounts.create("bob", "pw", Decimal("100"))
    second = node(database_url, clock, rate_send_per_minute=3, rate_query_per_minute=4,
                  rate_manage_per_minute=2)
    yield first, second, clock
    first.engine.dispose()
    second.engine.dispose()


def send(c, creds=ALICE):
    return c.use_cases.sending.send(SendSms(creds, ["+79991234567"], "hi"))


def outcome(call):
    try:
        call()
        return "ok"
    except RateLimited as exc:
        return exc.retry_after


def test_sends_are_limited_per_account_across_nodes_until_the_minute_turns(nodes):
    first, second, clock = nodes
    clock.advance(seconds=15)
    results = [outcome(lambda c=c: send(c)) for c in (first, second, first, second)]
    assert results == ["ok", "ok", "ok", 45]
    assert outcome(lambda: send(first, Credentials("bob", "pw"))) == "ok"   # another account
    assert outcome(lambda: first.use_cases.accounts.get_balance(ALICE)) == "ok"  # another class
    clock.advance(seconds=45)
    assert outcome(lambda: send(second)) == "ok"


def test_each_class_has_its_own_count(nodes):
    first, _second, _clock = nodes
    uc = first.use_cases
    assert [outcome(lambda: uc.accounts.get_balance(ALICE)) for _ in range(5)][-2:] == ["ok", 60]
    assert [outcome(lambda: uc.address_book.create_group(ALICE, f"g{n}"))
            for n in range(3)] == ["ok", "ok", 60]
    assert outcome(lambda: uc.address_book.get_groups(ALICE)) == 60      # queries are spent
    assert outcome(lambda: send(first)) == "ok"


def test_an_accounts_own_limit_wins_over_the_default_and_zero_means_none(nodes):
    first, _second, _clock = nodes
    accounts = first.use_cases.accounts
    accounts.configure("alice", rates={"send": 1, "query": 0})
    assert [outcome(lambda: send(first)) for _ in range(2)] == ["ok", 60]
    assert all(outcome(lambda: accounts.get_balance(ALICE)) == "ok" for _ in range(10))
    accounts.configure("alice", rates={"send": -1})           # back to the default (3)
    shown = accounts.show("alice").settings
    assert (shown.rate_send, shown.rate_query, shown.rate_manage) == (None, 0, None)


def test_the_cli_sets_an_accounts_rates(nodes, database_url, monkeypatch, capsys):
    from service.cli import main
    monkeypatch.setenv("SMSGW_DATABASE_URL", database_url)
    assert main(["account", "set", "alice", "--rate-send", "7", "--rate-query", "0"]) == 0
    assert "rates per minute: send 7, query 0, manage default" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:  # argparse refuses it, in one line
        main(["account", "set", "alice", "--rate-manage", "-5"])
    assert refused.value.code == 2
    assert "--rate-manage" in capsys.readouterr().err


def test_the_http_api_answers_429_with_retry_after_and_counts_by_class(database_url):
    clock = FixedClock()
    c = node(database_url, clock, rate_query_per_minute=3)
    upgrade(c.engine)
    c.use_cases.accounts.create("alice", "pw", Decimal("1"))
    app = build_wsgi_app(c)

    def get(path):
        env = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
               "wsgi.input": io.BytesIO(b""), "REMOTE_ADDR": "127.0.0.1",
               "HTTP_AUTHORIZATION": "Basic " + b64encode(b"alice:pw").decode(),
               "SERVER_NAME": "t", "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
        seen = {}
        body = b"".join(app(env, lambda s, h: seen.update(status=s, headers=dict(h))))
        return seen["status"], seen["headers"], json.loads(body)

    clock.advance(seconds=20)
    codes = [get("/api/Account/GetBalance")[2]["code"] for _ in range(3)]
    assert codes == [0, 0, 0]
    status, headers, envelope = get("/api/Groups/List")      # the same class: queries
    assert (status[:3], envelope["code"], headers["Retry-After"]) == ("429", 30, "40")
    clock.advance(seconds=40)
    assert get("/api/Account/GetBalance")[2]["code"] == 0
    c.engine.dispose()


def test_the_http_api_answers_a_login_block_as_code_8_with_retry_after(database_url):
    c = node(database_url, FixedClock(), auth_max_failures=2, auth_block_seconds=90)
    upgrade(c.engine)
    c.use_cases.accounts.create("alice", "pw", Decimal("1"))
    app = build_wsgi_app(c)

    def get(password):
        env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/Account/GetBalance",
               "QUERY_STRING": "", "wsgi.input": io.BytesIO(b""), "REMOTE_ADDR": "192.0.2.9",
               "HTTP_AUTHORIZATION": "Basic " + b64encode(b"alice:" + password).decode(),
               "SERVER_NAME": "t", "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
        seen = {}
        body = b"".join(app(env, lambda s, h: seen.update(status=s, headers=dict(h))))
        return seen["status"], seen["headers"], json.loads(body)

    assert [get(b"no")[2]["code"] for _ in range(2)] == [8, 8]
    status, headers, envelope = get(b"pw")
    assert (status[:3], envelope["code"], headers["Retry-After"]) == ("401", 8, "90")
    assert "too many" in envelope["message"]
    c.engine.dispose()
