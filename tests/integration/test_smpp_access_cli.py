"""``smsgw account set --smpp-password / --smpp-max-binds`` on both stores: the password is
stored hashed and binds, ``account show`` says whether one is set (never the hash), and bad
input is one line on stderr, exit 1 or 2, and changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from service.app.smpp.binds import BindType
from service.bootstrap import build_container
from service.cli import main
from service.config import Settings
from service.domain.errors import AuthenticationFailed, TooManyBinds
from service.persistence.tables import accounts
from tests.conftest import migrated


@pytest.fixture
def cli(database_url, monkeypatch):
    engine = migrated(database_url)
    build_container(Settings(database_url=database_url), engine=engine) \
        .use_cases.accounts.create("alice", "web-pw", Decimal("10"))
    engine.dispose()
    monkeypatch.setenv("SMSGW_DATABASE_URL", database_url)
    monkeypatch.setenv("SMSGW_SMPP_SERVER_MAX_BINDS", "3")
    return database_url


def _container(url):
    return build_container(Settings.from_env({"SMSGW_DATABASE_URL": url,
                                              "SMSGW_SMPP_SERVER_MAX_BINDS": "3"}))


def _stored_hash(url):
    container = _container(url)
    try:
        with container.engine.connect() as conn:
            return conn.execute(select(accounts.c.smpp_password_hash)
                                .where(accounts.c.login == "alice")).scalar_one()
    finally:
        container.engine.dispose()


def test_show_says_no_smpp_password_and_the_default_limit(cli, capsys):
    assert main(["account", "show", "alice"]) == 0
    out = capsys.readouterr().out
    assert "smpp password:  not set" in out and "smpp max binds: default (3)" in out


def test_set_an_smpp_password_and_limit_then_bind_with_it(cli, capsys):
    assert main(["account", "set", "alice", "--smpp-password", "s3cr3t!~",
                 "--smpp-max-binds", "1"]) == 0
    out = capsys.readouterr().out
    assert "smpp password:  set" in out and "smpp max binds: 1" in out
    assert "s3cr3t" not in out and "scrypt$" not in out
    stored = _stored_hash(cli)
    assert stored.startswith("scrypt$") and "s3cr3t" not in stored
    main(["account", "show", "alice"])
    out = capsys.readouterr().out
    assert "smpp password:  set" in out and "scrypt$" not in out
    container = _container(cli)
    try:
        binds = container.use_cases.smpp_binds
        session = binds.bind("alice", "s3cr3t!~", "127.0.0.1", BindType.TRANSMITTER, "node")
        assert session.login == "alice"
        with pytest.raises(TooManyBinds):
            binds.bind("alice", "s3cr3t!~", "127.0.0.1", BindType.RECEIVER, "node")
        with pytest.raises(AuthenticationFailed):
            binds.bind("alice", "web-pw", "127.0.0.2", BindType.RECEIVER, "node")
    finally:
        container.engine.dispose()


def test_minus_one_restores_the_default_and_empty_removes_the_password(cli, capsys):
    main(["account", "set", "alice", "--smpp-password", "pw", "--smpp-max-binds", "5"])
    capsys.readouterr()
    assert main(["account", "set", "alice", "--smpp-max-binds", "-1",
                 "--smpp-password", ""]) == 0
    out = capsys.readouterr().out
    assert "smpp password:  not set" in out and "smpp max binds: default (3)" in out
    assert _stored_hash(cli) is None


@pytest.mark.parametrize("flags,words", [
    (["--smpp-password", "123456789"], "1 to 8 printable ASCII characters"),
    (["--smpp-password", "pässwort"], "1 to 8 printable ASCII characters"),
    (["--smpp-password", "tab\tpw"], "1 to 8 printable ASCII characters"),
    (["--smpp-max-binds", "0"], "SMPP binds are 1..1000"),
    (["--smpp-max-binds", "1001"], "SMPP binds are 1..1000"),
])
def test_bad_input_is_one_line_exit_1_and_changes_nothing(cli, capsys, flags, words):
    assert main(["account", "set", "alice", "--blocked", "yes", *flags]) == 1
    err = capsys.readouterr().err
    assert err.startswith("smsgw: error:") and words in err and err.count("\n") == 1
    main(["account", "show", "alice"])
    out = capsys.readouterr().out
    assert "blocked:        no" in out and "smpp password:  not set" in out
    assert "smpp max binds: default (3)" in out


@pytest.mark.parametrize("value", ["x", "2.5", "-2", "٣"])
def test_a_bind_limit_that_is_not_a_number_is_refused_by_the_parser(cli, capsys, value):
    with pytest.raises(SystemExit) as exc:
        main(["account", "set", "alice", f"--smpp-max-binds={value}"])
    assert exc.value.code == 2
    assert "--smpp-max-binds" in capsys.readouterr().err
