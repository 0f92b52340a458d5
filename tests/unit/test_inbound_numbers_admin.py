"""The operator's numbers and keywords (app/inbound/numbers.py) on the fakes, and the rules of
keywords and numbers they read (domain/inbound_numbers.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from service.app.inbound.numbers import InboundNumbers
from service.domain.errors import ConstraintViolation, MissingParameter, NotFound, ValidationError
from service.domain.inbound import split_first_word
from service.domain.inbound_numbers import (InvalidInboundNumber, KeywordTaken, NumberTaken,
                                            keyword)
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, make_account


@pytest.fixture
def admin():
    factory = FakeUnitOfWorkFactory()
    with factory(write=True) as uow:
        uow.accounts.add(make_account("alice"))
        uow.accounts.add(make_account("bob"))
        uow.commit()
    return InboundNumbers(factory, FixedClock())


def test_numbers_are_assigned_in_their_stored_form_listed_and_released(admin):
    assert admin.assign_number("7 999 000-00-01", "alice").number == "+79990000001"
    admin.assign_number("4444", "bob")
    assert [(n.number, n.login) for n in admin.list_numbers()] == [
        ("+79990000001", "alice"), ("4444", "bob")]
    assert [n.number for n in admin.list_numbers("bob")] == ["4444"]
    admin.release_number("79990000001")
    assert [n.number for n in admin.list_numbers()] == ["4444"]
    with pytest.raises(NotFound):
        admin.release_number("+79990000001")


def test_assigning_numbers_refuses_what_it_cannot_do(admin):
    with pytest.raises(NotFound, match="account carol"):
        admin.assign_number("4444", "carol")
    with pytest.raises(InvalidInboundNumber):
        admin.assign_number("ACME", "alice")
    with pytest.raises(NotFound):
        admin.list_numbers("carol")
    admin.assign_number("+79990000001", "alice")
    with pytest.raises(NumberTaken, match="already assigned to alice"):
        admin.assign_number("79990000001", "bob")
    admin.assign_keyword("5555", "go", "alice")
    with pytest.raises(NumberTaken, match="shared through keywords"):
        admin.assign_number("5555", "bob")


def test_keywords_are_folded_assigned_listed_and_released(admin):
    assert admin.assign_keyword("4444", "PIZZA!", "alice").keyword == "pizza"
    admin.assign_keyword("4444", "«Такси»", "bob")
    admin.assign_keyword("5555", "pizza", "bob")
    assert [(k.number, k.keyword, k.login) for k in admin.list_keywords()] == [
        ("4444", "pizza", "alice"), ("4444", "такси", "bob"), ("5555", "pizza", "bob")]
    assert [k.keyword for k in admin.list_keywords("+5555")] == ["pizza"]
    admin.release_keyword("4444", "Pizza")
    with pytest.raises(NotFound):
        admin.release_keyword("4444", "pizza")
    assert len(admin.list_keywords()) == 2


def test_assigning_keywords_refuses_what_it_cannot_do(admin):
    admin.assign_number("+79990000001", "alice")
    with pytest.raises(NumberTaken, match="dedicated to alice"):
        admin.assign_keyword("+79990000001", "go", "bob")
    admin.assign_keyword("4444", "go", "alice")
    with pytest.raises(KeywordTaken, match="already assigned to alice"):
        admin.assign_keyword("4444", "GO", "bob")
    with pytest.raises(NotFound):
        admin.assign_keyword("4444", "stop", "carol")
    with pytest.raises(MissingParameter):
        admin.assign_keyword("4444", "?!", "alice")
    with pytest.raises(ConstraintViolation):
        admin.assign_keyword("4444", "x" * 33, "alice")
    with pytest.raises(ValidationError):
        admin.assign_keyword("4444", "two words", "alice")
    with pytest.raises(InvalidInboundNumber):
        admin.assign_keyword("12", "go", "alice")


def test_unmatched_is_bounded(admin):
    assert admin.unmatched(10_000) == [] and admin.unmatched(-1) == []


@given(st.text(min_size=1, max_size=40))
def test_a_stored_keyword_is_what_the_first_word_of_a_text_of_it_folds_to(word):
    try:
        stored = keyword(word)
    except ValidationError:
        return
    assert split_first_word(f"  {word} and more")[0] == stored
