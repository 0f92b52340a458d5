import pytest

from service.domain.contacts import Contact
from service.domain.errors import ValidationError
from service.domain.templates import MissingValue, parse

IVAN = Contact(1, 1, "+79991234567", name="Ivan", fields={"carNumber": "AA 4444", "balance": "15.50"})


@pytest.mark.parametrize("template,expected", [
    ("Hello, {name}!", "Hello, Ivan!"),
    ("{name}, the car has arrived ({carNumber}).", "Ivan, the car has arrived (AA 4444)."),
    ("Your phone is {phone}", "Your phone is +79991234567"),
    ("{name}{carNumber}", "IvanAA 4444"),
    ("Braces: {{literal}} and {{ }}", "Braces: {literal} and { }"),
    ("{{{name}}}", "{Ivan}"),
    ("No placeholders at all", "No placeholders at all"),
    ("Привет, {name}! 😀", "Привет, Ivan! 😀"),
    ("", ""),
])
def test_rendering_fills_standard_and_custom_fields(template, expected):
    assert parse(template).render(IVAN.placeholders()) == expected


def test_a_missing_value_is_an_error_naming_the_placeholder():
    with pytest.raises(MissingValue) as exc:
        parse("Dear {name}, your code is {code}").render(IVAN.placeholders())
    assert exc.value.name == "code" and exc.value.field == "code"


def test_defaults_fill_missing_and_empty_values_only():
    template = parse("{name}: {code}")
    assert template.render({"name": "Ivan"}, {"code": "0000", "name": "x"}) == "Ivan: 0000"
    assert template.render({"name": "", "code": "1"}, {"name": "friend"}) == "friend: 1"


@pytest.mark.parametrize("template", [
    "Hello {", "Hello }", "{}", "{ name }", "{na-me}", "{0}", "{name.attr}", "{name!r}",
    "{name:>1000000}", "{name[0]}", "{" + "a" * 65 + "}",
])
def test_anything_but_a_plain_name_is_refused(template):
    with pytest.raises(ValidationError) as exc:
        parse(template)
    assert exc.value.field == "text"


def test_names_lists_the_placeholders():
    assert parse("{a} {b} {a} {{c}}").names == {"a", "b"}
