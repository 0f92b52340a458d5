"""The operator's side of sub-clients: ``smsgw account create LOGIN --parent PARENT``."""

from __future__ import annotations

import pytest

from service.cli import main
from tests.conftest import migrated


@pytest.fixture
def cli(database_url, monkeypatch, capsys):
    monkeypatch.setenv("SMSGW_DATABASE_URL", database_url)
    migrated(database_url).dispose()

    def run(*argv):
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_the_operator_creates_sub_clients_under_a_parent(cli):
    assert cli("account", "create", "shop", "--password", "pw", "--balance", "50")[0] == 0
    code, out, _err = cli("account", "create", "branch", "--password", "pw", "--parent", "shop",
                          "--balance", "5")
    assert code == 0 and "under shop (balance mode own, balance 5 RUB)" in out
    code, out, _err = cli("account", "create", "till", "--password", "pw", "--parent", "shop",
                          "--balance-mode", "parent")
    assert code == 0 and "balance mode parent" in out
    code, out, _err = cli("account", "show", "till")
    assert code == 0 and "parent:         shop" in out


def test_show_names_the_tariff_a_sub_client_inherits(cli, tmp_path):
    (tmp_path / "gold.csv").write_text("7,0.40\n")
    assert cli("tariff", "import", "gold", str(tmp_path / "gold.csv"))[0] == 0
    cli("account", "create", "shop", "--password", "pw")
    cli("account", "create", "till", "--password", "pw", "--parent", "shop")
    assert cli("account", "set", "shop", "--tariff", "gold")[0] == 0
    code, out, _err = cli("account", "show", "till")
    assert code == 0 and "tariff:         gold (the parent's)" in out


@pytest.mark.parametrize("argv, message", [
    (("--parent", "nobody"), "not found"),
    (("--parent", "branch"), "one level"),
    (("--parent", "shop", "--balance-mode", "parent", "--balance", "3"), "no --balance"),
    (("--balance-mode", "parent"), "needs --parent"),
    (("--parent", "shop", "--currency", "EUR"), "parent's currency"),
])
def test_bad_sub_client_creation_is_one_line_on_stderr(cli, argv, message):
    cli("account", "create", "shop", "--password", "pw")
    cli("account", "create", "branch", "--password", "pw", "--parent", "shop")
    code, _out, err = cli("account", "create", "new", "--password", "pw", *argv)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and message in lines[0], err
