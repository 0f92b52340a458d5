"""SMSGW_SMPP_* settings fill SmppConfig, whose defaults are declared there and nowhere else."""

from __future__ import annotations

from dataclasses import fields

import pytest

from service.config import SMPP_SETTINGS, ConfigError, Settings
from service.delivery.smpp.config import SmppConfig


def smpp_config(env: dict[str, str]) -> SmppConfig:
    return SmppConfig(**Settings.from_env(env).smpp_options())


def test_with_no_smpp_settings_the_bind_has_smpp_configs_defaults():
    config = smpp_config({})
    assert config == SmppConfig()
    assert (config.host, config.port, config.system_id, config.password, config.system_type,
            config.tps, config.window, config.response_timeout, config.enquire_link_interval,
            config.reconnect_max) == ("127.0.0.1", 2775, "", "", "", 100, 10, 10, 30, 60)


def test_every_smpp_setting_reaches_its_field():
    config = smpp_config({
        "SMSGW_SMPP_HOST": "smsc.example", "SMSGW_SMPP_PORT": "2776",
        "SMSGW_SMPP_SYSTEM_ID": "acme", "SMSGW_SMPP_PASSWORD": "s3cret",
        "SMSGW_SMPP_SYSTEM_TYPE": "VMA", "SMSGW_SMPP_TPS": "0", "SMSGW_SMPP_WINDOW": "3",
        "SMSGW_SMPP_RESPONSE_TIMEOUT_SECONDS": "7", "SMSGW_SMPP_ENQUIRE_LINK_SECONDS": "15",
        "SMSGW_SMPP_RECONNECT_MAX_SECONDS": "90"})
    assert config == SmppConfig(host="smsc.example", port=2776, system_id="acme",
                                password="s3cret", system_type="VMA", tps=0, window=3,
                                response_timeout=7, enquire_link_interval=15, reconnect_max=90)


def test_an_empty_smpp_setting_keeps_the_default():
    assert smpp_config({"SMSGW_SMPP_PORT": "", "SMSGW_SMPP_HOST": ""}) == SmppConfig()


def test_the_table_names_every_smpp_setting_and_real_fields():
    # SMSGW_SMPP_SERVER_* configure our own SMPP server, not the connector's bind
    settings = {f.name for f in fields(Settings)
                if f.name.startswith("smpp_") and not f.name.startswith("smpp_server_")}
    assert set(SMPP_SETTINGS) == settings
    assert set(SMPP_SETTINGS.values()) <= {f.name for f in fields(SmppConfig)}


@pytest.mark.parametrize("name,value", [("SMSGW_SMPP_WINDOW", "0"), ("SMSGW_SMPP_TPS", "2.5"),
                                        ("SMSGW_SMPP_PORT", "x")])
def test_a_bad_smpp_setting_is_refused_at_start(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})
