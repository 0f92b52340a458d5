"""SMSGW_SMPP_SERVER_* settings: defaults, the empty bind that turns the server off, and the
values refused at start."""

from __future__ import annotations

import pytest

from service.config import ConfigError, Settings


def test_defaults():
    s = Settings.from_env({})
    assert (s.smpp_server_bind, s.smpp_server_tls_bind, s.smpp_server_window,
            s.smpp_server_max_pending, s.smpp_server_enquire_link_seconds,
            s.smpp_server_bind_timeout_seconds, s.smpp_server_response_timeout_seconds,
            s.smpp_server_idle_timeout_seconds, s.smpp_server_max_unbound_per_ip,
            s.smpp_server_batch_wait_ms) == ("127.0.0.1:2775", "", 10, 5000, 30, 30, 30, 0, 10, 2)


def test_an_empty_bind_turns_the_server_off_unlike_other_empty_settings():
    assert Settings.from_env({"SMSGW_SMPP_SERVER_BIND": ""}).smpp_server_bind == ""
    assert Settings.from_env({"SMSGW_SMPP_SERVER_WINDOW": ""}).smpp_server_window == 10


@pytest.mark.parametrize("env, message", [
    ({"SMSGW_SMPP_SERVER_BIND": "2775"}, "HOST:PORT"),
    ({"SMSGW_SMPP_SERVER_BIND": "fd://3"}, "HOST:PORT"),
    ({"SMSGW_SMPP_SERVER_TLS_BIND": "0.0.0.0:3550"}, "TLS_CERT"),
    ({"SMSGW_SMPP_SERVER_WINDOW": "0"}, "at least 1"),
    ({"SMSGW_SMPP_SERVER_MAX_PENDING": "0"}, "at least 1"),
    ({"SMSGW_SMPP_SERVER_BATCH_WAIT_MS": "-1"}, "not be negative"),
    ({"SMSGW_SMPP_SERVER_IDLE_TIMEOUT_SECONDS": "-5"}, "not be negative"),
])
def test_unusable_values_are_refused_at_start(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_tls_with_its_files_is_accepted():
    s = Settings.from_env({"SMSGW_SMPP_SERVER_TLS_BIND": "[::1]:3550",
                           "SMSGW_SMPP_SERVER_TLS_CERT": "c.pem", "SMSGW_SMPP_SERVER_TLS_KEY": "k.pem"})
    assert s.smpp_server_tls_bind == "[::1]:3550"
