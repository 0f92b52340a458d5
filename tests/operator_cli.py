"""Running ``smsgw`` in this process as an operator does, for the CLI tests."""

from __future__ import annotations

from decimal import Decimal

from service.bootstrap import build_container
from service.cli import main
from service.config import Settings
from tests.conftest import migrated


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``smsgw ARGV``: its exit code, stdout and stderr."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(result: tuple[int, str, str], expected: str) -> None:
    """``result`` (of ``run``) is a failure: exit 1 and one line on stderr that says
    ``expected``."""
    code, _out, err = result
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and expected in lines[0], (code, err)


def alices_database(database_url: str, monkeypatch, **environment: str) -> str:
    """``database_url`` migrated, with the account alice (password pw, balance 10), as the
    database of the commands run here (SMSGW_DATABASE_URL), with these other settings."""
    engine = migrated(database_url)
    build_container(Settings(database_url=database_url), engine=engine) \
        .use_cases.accounts.create("alice", "pw", Decimal("10"))
    engine.dispose()
    monkeypatch.setenv("SMSGW_DATABASE_URL", database_url)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return database_url
