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
