"""Real gunicorn (served the README way): every case of the hostile corpus (tests/hostile_corpus.py)
is answered by its door's own error, nothing is stored or debited, no secret reaches a log,
and the gateway stays healthy. The whole corpus runs on SQLite; the cases that touch storage
(and the rate-limit and brute-force sequences) run again on a fresh PostgreSQL database.

Speed is not asserted here (bench/hostile_corpus_bench.py measures it); each request has a
30 s socket timeout so that nothing can hang the suite.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from sqlalchemy import create_engine, text

from tests import hostile_corpus as hc
from tests.conftest import postgres_database
from tests.e2e.conftest import start_server, stop_server


def launch(tmp, database_url: str | None = None):
    env = dict(hc.GATEWAY_ENV)
    if database_url:
        env["SMSGW_DATABASE_URL"] = database_url
    server, proc = start_server(tmp, env, keep_stdout=True)
    for login, password, balance in hc.ACCOUNTS:
        created = server.admin("account", "create", login, "--password", password,
                             "--balance", balance)
        assert created.returncode == 0, created.stderr
    rate = server.admin("account", "set", "rapid", "--rate-send", "2")
    assert rate.returncode == 0, rate.stderr
    key = server.admin("account", "apikey", "create", "alice")
    assert key.returncode == 0, key.stderr
    server.api_key = key.stdout.strip().split()[-1]
    server.port = int(server.base_url.rsplit(":", 1)[1])
    server.tmp, server.proc = tmp, proc
    server.db = create_engine(server.env["SMSGW_DATABASE_URL"])
    return server


def stop(server) -> None:
    server.db.dispose()
    stop_server(server.proc)


def ledger(server) -> dict:
    """Per login: messages accepted for delivery (a refused recipient is recorded as
    INVALID_NUMBER at no cost: that record is the door's answer, not a stored message), and
    the balance."""
    with server.db.connect() as conn:
        rows = conn.execute(text(
            "SELECT a.login, a.balance, (SELECT count(*) FROM messages m WHERE m.account_id = a.id"
            " AND m.status <> 'INVALID_NUMBER') FROM accounts a")).all()
    return {login: (count, Decimal(balance)) for login, balance, count in rows}


def run(server, cases) -> list[str]:
    failures = []
    for case in cases:
        for attempt in range(case.repeat):
            status, headers, body, _ = hc.send(case, "127.0.0.1", server.port, server.api_key)
            why = hc.check(case, status, headers, body)
            if why:
                failures.append(f"[{case.cls}] {case.door} {case.name} (#{attempt + 1}): {why}"
                                f" -> {status} {body[:160]!r}")
                break
    return failures


def assert_untouched(server, before: dict) -> None:
    after = ledger(server)
    rapid_count, rapid_balance = after.pop("rapid")
    before = dict(before)
    before.pop("rapid")
    assert after == before, "a hostile request stored or debited something"
    assert rapid_count == 2, "rapid's limit is 2 sends a minute: the rest must be refused"
    assert requests.get(server.base_url + "/health", timeout=30).status_code == 200


@pytest.fixture(scope="module")
def sqlite_gateway(tmp_path_factory):
    server = launch(tmp_path_factory.mktemp("hostile"))
    yield server
    stop(server)


def test_the_corpus_covers_every_class_of_issue_10():
    counts = hc.classes(hc.build())
    for cls in ("xml_entities", "body", "methods", "headers", "spoofing", "encoding", "paths",
                "params", "soap", "auth", "edge", "amplification", "nul", "rate_limit",
                "brute_force"):
        assert counts.get(cls, 0) >= 5, cls
    assert sum(counts.values()) >= 1000


def test_every_hostile_request_is_answered_by_its_doors_own_error_on_sqlite(sqlite_gateway):
    before = ledger(sqlite_gateway)
    failures = run(sqlite_gateway, hc.build())
    assert failures == [], "\n".join(failures)
    assert_untouched(sqlite_gateway, before)


def test_no_secret_of_the_corpus_reaches_a_log(sqlite_gateway):
    provoking = [c for c in hc.build() if not c.ok and not c.stall
                 and any(s.encode() in c.raw for s in hc.SECRETS)]
    run(sqlite_gateway, provoking[:300])
    logs = [(sqlite_gateway.tmp / name).read_text(errors="replace")
            for name in ("gunicorn.log", "gunicorn.out")]
    assert "Invalid request" in logs[0] or "POST" in logs[1]  # the logs did record the run
    for secret in hc.SECRETS:
        for log in logs:
            assert secret not in log


def test_storage_sensitive_cases_are_refused_without_trace_on_postgresql(tmp_path):
    with postgres_database() as url:
        server = launch(tmp_path, url)
        try:
            before = ledger(server)
            cases = [c for c in hc.build()
                     if c.storage or c.cls in ("baseline", "rate_limit", "brute_force")]
            failures = run(server, cases)
            assert failures == [], "\n".join(failures)
            assert_untouched(server, before)
        finally:
            stop(server)


@pytest.mark.parametrize("name,argv", hc.CLI_CASES, ids=[n for n, _ in hc.CLI_CASES])
def test_the_cli_refuses_bad_values_in_one_line_and_exits_non_zero(sqlite_gateway, name, argv):
    before = ledger(sqlite_gateway)
    result = sqlite_gateway.admin(*argv)
    assert result.returncode != 0, (name, result.stdout)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert ledger(sqlite_gateway) == before
    shown = sqlite_gateway.admin("account", "show", "alice").stdout
    assert "callback URL:   -" in shown, shown
