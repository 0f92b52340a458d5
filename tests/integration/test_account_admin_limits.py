"""Operator input at the storage edges, on SQLite and PostgreSQL (issue 10 #16, #18): the
largest balance is kept exactly and never exceeded, out-of-range ids are "not found", and the
demo account appears only while no account exists."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.bootstrap import build_container
from service.config import Settings
from service.domain.errors import ConstraintViolation, NotFound, ValidationError
from service.domain.money import MONEY_MAX
from tests.conftest import migrated


@pytest.fixture
def accounts(database_url):
    engine = migrated(database_url)
    yield build_container(Settings(database_url=database_url), engine=engine).use_cases.accounts
    engine.dispose()


def test_the_largest_balance_is_kept_exactly_and_a_top_up_beyond_it_changes_nothing(accounts):
    accounts.create("rich", "pw", MONEY_MAX - 1)
    assert accounts.top_up("rich", Decimal("1")) == MONEY_MAX
    assert accounts.show("rich").balance == MONEY_MAX
    with pytest.raises(ConstraintViolation, match="more than the largest amount kept"):
        accounts.top_up("rich", Decimal("0.0001"))
    assert accounts.show("rich").balance == MONEY_MAX


@pytest.mark.parametrize("amount", [Decimal(0), Decimal("-1")])
def test_a_top_up_must_add_something(accounts, amount):
    accounts.create("alice", "pw", Decimal("5"))
    with pytest.raises(ConstraintViolation, match="more than 0"):
        accounts.top_up("alice", amount)
    assert accounts.show("alice").balance == Decimal("5")


def test_an_account_cannot_start_beyond_the_largest_balance_or_in_a_made_up_currency(accounts):
    with pytest.raises(ConstraintViolation):
        accounts.create("alice", "pw", MONEY_MAX + Decimal("0.0001"))
    with pytest.raises(ValidationError, match="ISO 4217"):
        accounts.create("alice", "pw", currency="XYZW")
    assert accounts.create("alice", "pw", currency="eur").currency == "EUR"
    assert accounts.show("alice").currency == "EUR"


@pytest.mark.parametrize("key_id", [0, 2 ** 63, 10 ** 30])
def test_an_api_key_id_beyond_any_stored_id_is_not_found(accounts, key_id):
    accounts.create("alice", "pw")
    with pytest.raises(NotFound):
        accounts.revoke_api_key("alice", key_id)


def test_the_demo_account_is_created_only_while_there_is_no_account(accounts):
    assert accounts.create_first("demo", "pw", Decimal("1000"))
    assert not accounts.create_first("demo", "other", Decimal("1000"))
    assert accounts.show("demo").balance == Decimal("1000")


def test_no_demo_account_beside_accounts_the_operator_made(accounts):
    accounts.create("alice", "pw")
    assert not accounts.create_first("demo", "pw", Decimal("1000"))
    with pytest.raises(NotFound):
        accounts.show("demo")
