"""SMSGW_BIND and the public URL derived from it when SMSGW_PUBLIC_URL is not set (issue 10 #14)."""

from __future__ import annotations

import socket

import pytest

from service.config import ConfigError, Settings, parse_bind, public_url_for


@pytest.mark.parametrize("bind,expected", [
    ("127.0.0.1:8080", ("127.0.0.1", 8080)),
    ("sms.example.com:443", ("sms.example.com", 443)),
    ("[::1]:9000", ("::1", 9000)),
    ("0.0.0.0:1", ("0.0.0.0", 1)),
    ("unix:/run/smsgw.sock", None),
])
def test_bind_addresses_parse(bind, expected):
    assert parse_bind(bind) == expected


@pytest.mark.parametrize("bind", ["127.0.0.1", "::1:80", "h:0", "h:65536", "h:８０", "h:-1",
                                  "a b:80", "h/x:80", "h:", ":", "ħ:80", "[::1]"])
def test_bad_bind_addresses_are_one_clear_error(bind):
    with pytest.raises(ConfigError, match="SMSGW_BIND"):
        Settings.from_env({"SMSGW_BIND": bind})


@pytest.mark.parametrize("bind,url", [
    ("127.0.0.1:9000", "http://127.0.0.1:9000"),
    ("[::1]:9000", "http://[::1]:9000"),
    ("0.0.0.0:9000", f"http://{socket.gethostname()}:9000"),
    ("[::]:9000", f"http://{socket.gethostname()}:9000"),
])
def test_the_public_url_follows_the_bind_address_when_not_given(bind, url):
    settings = Settings.from_env({"SMSGW_BIND": bind})
    assert settings.public_url == url and settings.public_url_derived
    assert settings.soap_url == url + "/soap"


def test_a_given_public_url_wins_over_the_bind_address_and_survives_rebinding():
    settings = Settings.from_env({"SMSGW_BIND": "0.0.0.0:9000",
                                  "SMSGW_PUBLIC_URL": "https://sms.example.com"})
    assert settings.public_url == "https://sms.example.com" and not settings.public_url_derived
    assert settings.rebound("127.0.0.1:1").public_url == "https://sms.example.com"


def test_serve_bind_moves_a_derived_public_url_along():
    settings = Settings.from_env({}).rebound("127.0.0.2:7000")
    assert settings.bind == "127.0.0.2:7000" and settings.public_url == "http://127.0.0.2:7000"
    with pytest.raises(ConfigError, match="--bind"):
        Settings.from_env({}).rebound("nonsense")


def test_a_unix_socket_needs_an_explicit_public_url():
    with pytest.raises(ConfigError, match="SMSGW_PUBLIC_URL"):
        Settings.from_env({"SMSGW_BIND": "unix:/run/smsgw.sock"})
    assert Settings.from_env({"SMSGW_BIND": "unix:/run/smsgw.sock",
                              "SMSGW_PUBLIC_URL": "https://x.example"}).public_url == "https://x.example"
