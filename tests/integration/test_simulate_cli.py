"""`smsgw simulate inbound` as an operator runs it, on both stores: the MO goes through
InboundService.accept("simulator", ...) and, processed, is one inbound message; --parts N
arrives as N shuffled parts joined back; bad input is one line and a non-zero exit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.cli import main
from service.persistence.tables import inbound_messages, inbound_parts
from tests.conftest import migrated
from tests.operator_cli import run


@pytest.fixture
def engine(database_url, monkeypatch):
    monkeypatch.setenv("SMSGW_DATABASE_URL", database_url)
    engine = migrated(database_url)
    yield engine
    engine.dispose()


def rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(inbound_messages)).all()


def test_an_injected_mo_is_accepted_then_processed_into_one_message(engine, capsys):
    code, out, _ = run(capsys, "simulate", "inbound", "--from", "+79991234567",
                       "--to", "4321", "--text", "Hello there")
    assert code == 0 and "accepted 1 part(s)" in out
    with engine.connect() as conn:
        [part] = conn.execute(select(inbound_parts)).all()
    assert (part.connector, part.source, part.destination, part.text) == (
        "simulator", "+79991234567", "4321", "Hello there")
    assert rows(engine) == []                   # until a worker (or --process) handles it


def test_parts_are_joined_back_in_order_with_process(engine, capsys):
    text = "One long reply, split by the handset into several parts." * 3
    code, out, _ = run(capsys, "simulate", "inbound", "--from", "+79991234567", "--to", "4321",
                       "--text", text, "--parts", "4", "--process")
    assert code == 0 and "accepted 4 part(s)" in out
    [m] = rows(engine)
    assert (m.text, m.parts, m.complete, m.connector) == (text, 4, True, "simulator")
    with engine.connect() as conn:
        # every part was used; they stay 'done' until the reassembly timeout (to drop resends)
        assert {r.state for r in conn.execute(select(inbound_parts))} == {"done"}


@pytest.mark.parametrize("argv,message", [
    (["--parts", "0"], "--parts must be 1 to 255"),
    (["--parts", "x"], "expected a whole number"),
    (["--parts", "9"], "cannot make 9 parts"),
])
def test_bad_parts_are_one_line_and_a_non_zero_exit(engine, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", "inbound", "--from", "+7999", "--to", "1", "--text", "short", *argv])
    assert exit_.value.code != 0
    err = capsys.readouterr().err + str(exit_.value.code)
    assert message in err and "Traceback" not in err
