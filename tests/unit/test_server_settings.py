"""The slow-client deadlines are settings like any other: defaults, overrides, bad values."""

from __future__ import annotations

import pytest

from service.config import ConfigError, Settings


def test_the_deadlines_default_to_ten_seconds_for_headers_and_thirty_for_bodies():
    settings = Settings.from_env({})
    assert (settings.header_timeout_seconds, settings.body_timeout_seconds) == (10, 30)


def test_the_deadlines_come_from_the_environment():
    settings = Settings.from_env({"SMSGW_HEADER_TIMEOUT_SECONDS": "3",
                                  "SMSGW_BODY_TIMEOUT_SECONDS": "120"})
    assert (settings.header_timeout_seconds, settings.body_timeout_seconds) == (3, 120)


@pytest.mark.parametrize("name", ["SMSGW_HEADER_TIMEOUT_SECONDS", "SMSGW_BODY_TIMEOUT_SECONDS"])
@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_deadline_that_is_not_a_positive_number_of_seconds_is_refused(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_the_sqlite_database_lives_in_var_under_the_working_directory_by_default(tmp_path,
                                                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.data_dir == "var"
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'smsgw.db'}"


def test_smsgw_data_dir_moves_the_default_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({"SMSGW_DATA_DIR": "/srv/smsgw"}).database_url == (
        "sqlite:////srv/smsgw/smsgw.db")
    assert Settings.from_env({"SMSGW_DATA_DIR": "data"}).database_url == (
        f"sqlite:///{tmp_path / 'data' / 'smsgw.db'}")     # made absolute once, at start


def test_a_database_url_wins_over_the_data_dir():
    url = "postgresql+psycopg://smsgw@db/smsgw"
    assert Settings.from_env({"SMSGW_DATA_DIR": "/srv/smsgw",
                              "SMSGW_DATABASE_URL": url}).database_url == url


def test_the_gunicorn_settings_are_a_module_of_the_package():
    import importlib

    from service.server import GUNICORN_CONFIG
    assert GUNICORN_CONFIG.startswith("python:")
    conf = importlib.import_module(GUNICORN_CONFIG.removeprefix("python:"))
    assert conf.worker_class == "service.server.worker.BufferingWorker"
    assert conf.wsgi_app == "service.wsgi:application"
