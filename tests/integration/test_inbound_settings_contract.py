"""The InboundSettingsRepository port's contract (and the unit of work's savepoint), run
against the in-memory fake and both SQL stores."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from service.domain.contacts import OptOutSource
from service.domain.keywords import OwnKeywordSettings
from tests.integration.contract import NOW, add_account, message, uow_factory  # noqa: F401


def test_an_account_without_settings_has_none(uow_factory):
    alice = add_account(uow_factory).stored_id
    with uow_factory() as uow:
        assert uow.inbound_settings.get(alice) is None


def test_settings_round_trip_replace_and_stay_per_account(uow_factory):
    alice = add_account(uow_factory).stored_id
    bob = add_account(uow_factory, "bob").stored_id
    full = OwnKeywordSettings(stop_words=("стоп", "stop"), start_words=("go",), help_words=(),
                              stop_reply="Пока", start_reply="", help_reply="Call us")
    for own in (full, OwnKeywordSettings(help_reply="x"), OwnKeywordSettings(stop_words=())):
        with uow_factory(write=True) as uow:
            uow.inbound_settings.set(alice, own, NOW)
            uow.commit()
        with uow_factory() as uow:
            assert uow.inbound_settings.get(alice) == own
            assert uow.inbound_settings.get(bob) is None


def test_settings_with_nothing_set_remove_the_account_row(uow_factory):
    alice = add_account(uow_factory).stored_id
    with uow_factory(write=True) as uow:
        uow.inbound_settings.set(alice, OwnKeywordSettings(stop_reply="bye"), NOW)
        uow.commit()
    with uow_factory(write=True) as uow:
        uow.inbound_settings.set(alice, OwnKeywordSettings(), NOW + timedelta(minutes=1))
        uow.commit()
    with uow_factory() as uow:
        assert uow.inbound_settings.get(alice) is None


def test_nothing_is_kept_without_a_commit(uow_factory):
    alice = add_account(uow_factory).stored_id
    with uow_factory(write=True) as uow:
        uow.inbound_settings.set(alice, OwnKeywordSettings(stop_reply="bye"), NOW)
    with uow_factory() as uow:
        assert uow.inbound_settings.get(alice) is None


# -- the unit of work's savepoint ---------------------------------------------------------------

class Refused(Exception):
    pass


def test_a_savepoint_undoes_only_its_body_when_it_raises(uow_factory):
    alice = add_account(uow_factory, balance="10").stored_id
    with uow_factory(write=True) as uow:
        uow.blacklist.add(alice, ["+79990000001"], NOW)           # before: kept
        with pytest.raises(Refused):
            with uow.savepoint():
                uow.messages.add_many([message(alice)])
                uow.accounts.debit(alice, Decimal("4"))
                uow.blacklist.add(alice, ["+79990000002"], NOW, source=OptOutSource.INBOUND)
                raise Refused()
        with uow.savepoint():                                      # a body that returns: kept
            uow.blacklist.add(alice, ["+79990000003"], NOW)
        uow.commit()
    with uow_factory() as uow:
        assert uow.blacklist.contains(alice, ["+79990000001", "+79990000002",
                                              "+79990000003"]) == {"+79990000001", "+79990000003"}
        assert uow.accounts.balance(alice) == Decimal("10")
        assert uow.messages.get_many(alice, range(1, 10)) == {}
