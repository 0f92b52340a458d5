"""`smsgw number ...`, `smsgw keyword ...` and `smsgw inbound unmatched` as an operator runs
them, on both stores: what they print, their one-line errors, and routing following them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from service.bootstrap import build_container
from service.config import Settings
from service.domain.inbound import InboundPart
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FixedClock
from tests.operator_cli import one_line_error, run


@pytest.fixture(params=STORES)
def world(request, monkeypatch):
    url = store_url(request, request.param)
    monkeypatch.setenv("SMSGW_DATABASE_URL", url)
    engine = migrated(url)
    container = build_container(Settings(database_url=url), clock=FixedClock(), engine=engine)
    for login in ("alice", "bob"):
        container.use_cases.accounts.create(login, "pw", Decimal("10"))
    yield container
    engine.dispose()


def test_numbers_are_assigned_listed_and_released(world, capsys):
    assert run(capsys, "number", "assign", "79990000001", "alice") == (
        0, "number +79990000001 assigned to alice\n", "")
    assert run(capsys, "number", "assign", "4444", "bob")[0] == 0
    code, out, _ = run(capsys, "number", "list")
    assert code == 0 and [line.split("\t")[:2] for line in out.splitlines()] == [
        ["+79990000001", "alice"], ["4444", "bob"]]
    assert run(capsys, "number", "list", "--login", "bob")[1].startswith("4444\tbob\t")
    assert run(capsys, "number", "release", "+7 999 000 00 01") == (
        0, "number +7 999 000 00 01 released\n", "")
    assert run(capsys, "number", "list", "--login", "alice")[1] == ""


def test_number_errors_are_one_line(world, capsys):
    run(capsys, "number", "assign", "4444", "alice")
    one_line_error(run(capsys, "number", "assign", "4444", "bob"), "already assigned to alice")
    one_line_error(run(capsys, "number", "assign", "5555", "carol"), "account carol not found")
    one_line_error(run(capsys, "number", "assign", "ACME", "alice"), "invalid inbound number")
    one_line_error(run(capsys, "number", "release", "5555"), "number 5555 not found")
    one_line_error(run(capsys, "number", "list", "--login", "carol"), "account carol not found")
    one_line_error(run(capsys, "keyword", "assign", "4444", "go", "bob"), "dedicated to alice")


def test_keywords_are_assigned_listed_released_and_route(world, capsys):
    assert run(capsys, "keyword", "assign", "4444", "PIZZA", "alice") == (
        0, "keyword pizza on 4444 assigned to alice\n", "")
    run(capsys, "keyword", "assign", "4444", "Такси", "bob")
    run(capsys, "keyword", "assign", "+5555", "go", "bob")
    code, out, _ = run(capsys, "keyword", "list", "--number", "4444")
    assert [line.split("\t")[:3] for line in out.splitlines()] == [
        ["4444", "pizza", "alice"], ["4444", "такси", "bob"]]
    assert len(run(capsys, "keyword", "list")[1].splitlines()) == 3
    one_line_error(run(capsys, "keyword", "assign", "4444", "pizza!", "bob"),
                   "already assigned to alice")
    one_line_error(run(capsys, "keyword", "assign", "4444", "x" * 40, "bob"), "longer than 32")
    one_line_error(run(capsys, "keyword", "assign", "4444", "...", "bob"), "empty")
    one_line_error(run(capsys, "number", "assign", "4444", "bob"), "shared through keywords")
    inbound = world.use_cases.inbound
    now = world.clock.now()
    inbound.accept("smpp", [InboundPart("79991234567", "4444", "такси на Ленина 5", now)])
    inbound.process()
    assert run(capsys, "keyword", "release", "4444", "ТАКСИ") == (
        0, "keyword ТАКСИ on 4444 released\n", "")
    one_line_error(run(capsys, "keyword", "release", "4444", "такси"), "not found")
    inbound.accept("smpp", [InboundPart("79991234567", "4444", "такси?", now)])
    inbound.process()
    with world.uow_factory() as uow:
        bob = uow.accounts.get_by_login("bob").stored_id
        rows = uow.inbound._conn.execute(text(
            "SELECT account_id, text FROM inbound_messages ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(bob, "такси на Ленина 5"), (None, "такси?")]


def test_unmatched_lists_newest_first_on_one_line_each(world, capsys):
    inbound = world.use_cases.inbound
    now = world.clock.now()
    inbound.accept("smpp", [InboundPart("79991234567", "9999", "first", now),
                            InboundPart("+79991234568", "9999", "line\nbreak\t\x1b[31m", now)])
    inbound.process()
    code, out, _ = run(capsys, "inbound", "unmatched")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].split("\t")[2:] == ["+79991234568", "9999", "line\\nbreak\\t\\x1b[31m"]
    assert lines[1].endswith("\t+79991234567\t9999\tfirst")
    assert run(capsys, "inbound", "unmatched", "--limit", "1")[1].splitlines() == lines[:1]
    with pytest.raises(SystemExit) as refused:
        run(capsys, "inbound", "unmatched", "--limit", "x")
    assert refused.value.code == 2 and "expected a whole number" in capsys.readouterr().err
