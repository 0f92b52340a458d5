"""``smsgw account limits`` on both stores, and the SMSGW_LIMIT_* defaults: bad input is one
line on stderr and exit 1, and changes nothing."""

from __future__ import annotations

import pytest

from service.bootstrap import build_container
from service.cli import main
from service.config import ConfigError, Settings
from service.domain.limits import Flood, QuietHours
from tests.operator_cli import alices_database


@pytest.fixture
def cli(database_url, monkeypatch):
    return alices_database(database_url, monkeypatch, SMSGW_LIMIT_PER_MONTH="1000")


def test_set_and_show_each_limit(cli, capsys):
    assert main(["account", "limits", "alice", "--per-day", "500", "--flood", "5/10",
                 "--duplicate-minutes", "30", "--countries", "ru,KZ",
                 "--quiet-hours", "21-09"]) == 0
    out = capsys.readouterr().out
    for line in ("per-day            500          (own)", "per-month          1000         (default)",
                 "flood              5/10         (own)", "duplicate-minutes  30           (own)",
                 "countries          RU,KZ        (own)", "quiet-hours        21-09        (own)"):
        assert line in out, out
    assert main(["account", "limits", "alice"]) == 0
    assert "flood              5/10" in capsys.readouterr().out
    assert main(["account", "limits", "alice", "--per-day", "default", "--flood", "off",
                 "--per-month", "0"]) == 0
    out = capsys.readouterr().out
    assert "per-day            off          (default)" in out
    assert "flood              off          (own)" in out and "per-month          off" in out
    view = build_container(Settings(database_url=cli)).use_cases.sending_limits.show("alice")
    assert view.own.flood == Flood(0, 0) and view.own.quiet_hours == QuietHours(21, 9)


@pytest.mark.parametrize("flag,value,words", [
    ("--flood", "5", "N/MINUTES"), ("--flood", "5/0", "outside"),
    ("--countries", "RU,XX", "'XX' is not a region code"),
    ("--quiet-hours", "25-09", "outside 0..23"), ("--quiet-hours", "9-9", "same hour"),
    ("--per-day", "-1", "whole number"), ("--per-month", "10000000000", "whole number"),
    ("--duplicate-minutes", "-5", "whole number"),
])
def test_bad_input_is_one_line_exit_1_and_changes_nothing(cli, capsys, flag, value, words):
    assert main(["account", "limits", "alice", "--per-day", "7", flag, value]) == 1
    err = capsys.readouterr().err
    assert err.startswith("smsgw: error:") and words in err and err.count("\n") == 1
    main(["account", "limits", "alice"])
    assert "per-day            off" in capsys.readouterr().out


def test_an_unknown_login_is_an_error(cli, capsys):
    assert main(["account", "limits", "nobody"]) == 1
    assert "not found" in capsys.readouterr().err


@pytest.mark.parametrize("name,value", [
    ("SMSGW_LIMIT_FLOOD", "10"), ("SMSGW_LIMIT_COUNTRIES", "RU,ZZ"),
    ("SMSGW_LIMIT_QUIET_HOURS", "25-09"), ("SMSGW_LIMIT_PER_DAY", "-3"),
    ("SMSGW_LIMIT_DUPLICATE_MINUTES", "999999"),
])
def test_a_bad_default_stops_the_gateway_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_the_defaults_reach_the_sending_policy():
    s = Settings.from_env({"SMSGW_LIMIT_PER_DAY": "100", "SMSGW_LIMIT_FLOOD": "5/10",
                           "SMSGW_LIMIT_COUNTRIES": "RU", "SMSGW_LIMIT_QUIET_HOURS": "22-08"})
    limits = s.sending_limits()
    assert (limits.per_day, limits.per_month, limits.flood, limits.countries,
            limits.quiet_hours) == (100, 0, Flood(5, 10), ("RU",), QuietHours(22, 8))
    assert not Settings.from_env({}).sending_limits().active
