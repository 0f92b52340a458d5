from decimal import Decimal

import pytest

from service.domain.errors import ValidationError
from service.domain.phones import normalise, split_recipients
from service.domain.pricing import Tariff
from service.domain.sender import validate_sender


@pytest.mark.parametrize("raw", [
    "+79991234567", "79991234567", "8 (999) 123-45-67", "+7 999 123 45 67", "8-999-123-45-67",
    " +7(999)1234567 ",
])
def test_russian_forms_normalise_to_e164(raw):
    assert normalise(raw, "RU").e164 == "+79991234567"


def test_a_foreign_number_without_plus_is_taken_as_international():
    assert normalise("4915123456789", "RU").e164 == "+4915123456789"


def test_a_plus_number_ignores_the_default_region():
    assert normalise("+442071838750", "RU").e164 == "+442071838750"


@pytest.mark.parametrize("raw", ["123", "abc", "+7999", "", "+0000000000000", "9" * 80])
def test_invalid_numbers_are_kept_raw_and_marked_invalid(raw):
    r = normalise(raw, "RU")
    assert not r.valid and r.e164 is None
    assert len(r.address) <= 64


def test_lists_split_on_commas_semicolons_and_newlines_and_drop_blanks():
    assert split_recipients(["+79991234567, 79991234568;89991234569", " ", "x\ny"]) == [
        "+79991234567", "79991234568", "89991234569", "x", "y"]


@pytest.mark.parametrize("sender", ["SMSGW", "Shop 24", "A", "ABCDEFGHIJK", "79991234567",
                                    "+79991234567", "123456789012345"])
def test_valid_senders(sender):
    assert validate_sender(sender) == sender.strip()


@pytest.mark.parametrize("sender", ["ABCDEFGHIJKL", "1234567890123456", "Привет", "a<b>", "", "  "])
def test_invalid_senders_name_the_field(sender):
    with pytest.raises(ValidationError) as exc:
        validate_sender(sender)
    assert exc.value.field == "sender" and exc.value.code == 1


def test_tariff_takes_the_longest_matching_prefix_and_falls_back_to_the_default():
    t = Tariff.parse("2.00", "7=1.50;7495=1.20, 44=3")
    assert t.price_for("+74951234567") == Decimal("1.20")
    assert t.price_for("+79991234567") == Decimal("1.50")
    assert t.price_for("+442071838750") == Decimal("3")
    assert t.price_for("+4915123456789") == Decimal("2.00")
    assert t.cost("+79991234567", 3) == Decimal("4.5000")


def test_a_bad_tariff_entry_is_reported():
    with pytest.raises(ValueError, match="PREFIX=PRICE"):
        Tariff.parse("1", "7:1.5")
