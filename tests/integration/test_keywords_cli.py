"""``smsgw account set LOGIN --stop-words ... --help-reply ...`` and ``account show`` on both
stores, and the SMSGW_INBOUND_* defaults: bad input is one line on stderr, exit 1, and
changes nothing."""

from __future__ import annotations

import pytest

from service.bootstrap import build_container
from service.cli import main
from service.config import ConfigError, Settings
from tests.operator_cli import alices_database


@pytest.fixture
def cli(database_url, monkeypatch):
    return alices_database(database_url, monkeypatch, SMSGW_INBOUND_HELP_REPLY="Call 8-800")


def own(database_url):
    return build_container(Settings(database_url=database_url)).use_cases \
        .inbound_settings.show("alice").own


def test_set_show_and_return_to_the_default(cli, capsys):
    assert main(["account", "set", "alice", "--stop-words", "Хватит, STOP!", "--start-reply",
                 "off", "--help-words", "info"]) == 0
    out = capsys.readouterr().out
    for line in ("stop words:     ХВАТИТ, STOP (own)",
                 "start words:    START, UNSTOP, СТАРТ (default)", "help words:     INFO (own)", "start reply:    - (own)",
                 "help reply:     Call 8-800 (default)"):
        assert line in out, out
    assert own(cli).stop_words == ("хватит", "stop")
    assert main(["account", "show", "alice"]) == 0
    assert "stop words:     ХВАТИТ, STOP (own)" in capsys.readouterr().out
    assert main(["account", "set", "alice", "--stop-words", "", "--start-reply", "default",
                 "--help-words", ""]) == 0
    assert "stop words:     STOP, STOPALL" in capsys.readouterr().out
    assert own(cli).empty


@pytest.mark.parametrize("flag,value,words", [
    ("--stop-words", "please stop", "more than one word"),
    ("--help-words", "!!!", "not a word"),
    ("--start-words", "stop", "both in stop_words and in start_words"),
    ("--help-reply", "x" * 1001, "at most 1000"),
])
def test_a_bad_value_is_one_line_and_changes_nothing(cli, capsys, flag, value, words):
    assert main(["account", "set", "alice", "--help-reply", "mine"]) == 0
    capsys.readouterr()
    assert main(["account", "set", "alice", flag, value, "--paused", "true"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("smsgw: error:") and words in err and err.count("\n") == 1
    assert own(cli).help_reply == "mine" and own(cli).stop_words is None
    assert not build_container(Settings(database_url=cli)).use_cases.accounts.show("alice").paused


def test_the_defaults_come_from_the_environment():
    s = Settings.from_env({"SMSGW_INBOUND_STOP_WORDS": "Stop,Хватит",
                           "SMSGW_INBOUND_STOP_REPLY": "", "SMSGW_INBOUND_HELP_WORDS": ""})
    keywords = s.keyword_settings()
    assert keywords.stop_words == ("stop", "хватит") and keywords.stop_reply == ""
    assert keywords.help_words == ("help", "помощь")  # empty: the built-in list
    assert keywords.start_reply.startswith("You are subscribed")
    for env, words in ({"SMSGW_INBOUND_START_WORDS": "quit"}, "SMSGW_INBOUND_START_WORDS"), \
            ({"SMSGW_INBOUND_HELP_WORDS": "a b"}, "SMSGW_INBOUND_HELP_WORDS"):
        with pytest.raises(ConfigError, match=words):
            Settings.from_env(env)
