"""Contacts, groups, the blacklist and the message history on both stores."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from service.app.book.address_book import ContactInput
from service.app.access.auth import Credentials
from service.app.sending.sending import QuoteSms, SendSms
from service.bootstrap import build_container
from service.config import Settings
from service.domain import errors
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FixedClock

ME, OTHER = Credentials("alice", "pw"), Credentials("bob", "pw")


@pytest.fixture(params=STORES)
def app(request):
    url = store_url(request, request.param)
    engine = migrated(url)
    clock = FixedClock()
    c = build_container(Settings(database_url=url, max_recipients=50), clock=clock, engine=engine)
    c.use_cases.accounts.create("alice", "pw", Decimal("100"))
    c.use_cases.accounts.create("bob", "pw", Decimal("100"))
    c.clock_ = clock
    yield c
    engine.dispose()


def book(app):
    return app.use_cases.address_book


def test_import_creates_cards_updates_duplicates_and_reports_per_item(app):
    result = book(app).create_contacts(ME, [
        ContactInput(phone="+79991234567", name="Ivan", fields={"carNumber": "AA 4444"}),
        ContactInput(phone="8 (999) 123-45-67", email="ivan@example.com"),   # same number
        ContactInput(phone="12", name="bad"),
        ContactInput(name="no phone"),
        ContactInput(phone="+79991234568", email="not-an-email"),
        ContactInput(phone="+79991234569", fields={"phone": "x"}),
    ])
    assert result.code == 98
    assert [(i.index, i.code, i.field) for i in result.items if i.code] == [
        (2, 1, "phone"), (3, 11, "phone"), (4, 1, "email"), (5, 1, "fields")]
    page = book(app).get_contacts(ME)
    assert page.total == 1
    [ivan] = page.items
    assert (ivan.name, ivan.email, ivan.fields) == ("Ivan", "ivan@example.com",
                                                    {"carNumber": "AA 4444"})
    again = book(app).create_contacts(ME, [ContactInput(phone="79991234567", name="Ivan P.")])
    assert again.items[0].id == ivan.id and book(app).get_contacts(ME).items[0].name == "Ivan P."


def test_all_items_failing_is_code_99(app):
    assert book(app).create_contacts(ME, [ContactInput(phone="1"), ContactInput()]).code == 99


def test_update_keeps_phones_unique_and_merges_custom_fields(app):
    ids = [i.id for i in book(app).create_contacts(ME, [
        ContactInput(phone="+79991234567", fields={"a": "1"}),
        ContactInput(phone="+79991234568")]).items]
    updated = book(app).update_contact(ME, ids[0], ContactInput(
        fields={"b": "2"}, birthday=date(1990, 5, 17)))
    assert updated.fields == {"a": "1", "b": "2"} and updated.birthday == date(1990, 5, 17)
    with pytest.raises(errors.ConstraintViolation) as exc:
        book(app).update_contact(ME, ids[0], ContactInput(phone="+79991234568"))
    assert exc.value.field == "phone"
    with pytest.raises(errors.NotFound):
        book(app).update_contact(OTHER, ids[0], ContactInput(name="theft"))


def test_groups_hold_contacts_and_deleting_a_group_keeps_them(app):
    ids = [i.id for i in book(app).create_contacts(ME, [
        ContactInput(phone=f"+7999123456{n}") for n in range(4)]).items]
    vip = book(app).create_group(ME, "VIP")
    with pytest.raises(errors.ConstraintViolation):
        book(app).create_group(ME, "VIP")
    assert book(app).create_group(OTHER, "VIP").name == "VIP"   # names are per account
    added = book(app).add_to_group(ME, vip.id, [ids[0], ids[1], ids[1], 10 ** 9])
    assert added.code == 98 and added.items[3].code == 2
    assert [g.size for g in book(app).get_groups(ME)] == [2]
    assert book(app).get_contacts(ME, group_id=vip.id).total == 2
    assert book(app).get_contacts(ME, phone_prefix="7999123456").total == 4
    assert book(app).rename_group(ME, vip.id, "Gold").name == "Gold"
    removed = book(app).remove_from_group(ME, vip.id, [ids[0], ids[2]])
    assert [i.code for i in removed.items] == [0, 2]
    book(app).delete_group(ME, vip.id)
    assert book(app).get_groups(ME) == [] and book(app).get_contacts(ME).total == 4
    with pytest.raises(errors.NotFound):
        book(app).get_contacts(ME, group_id=vip.id)


def test_deleting_contacts_reports_unknown_ones(app):
    [cid] = [i.id for i in book(app).create_contacts(ME, [ContactInput(phone="+79991234567")]).items]
    result = book(app).delete_contacts(ME, [cid, cid + 1000])
    assert [i.code for i in result.items] == [0, 2] and book(app).get_contacts(ME).total == 0


def test_blacklisted_numbers_are_banned_free_and_excluded_from_quotes(app):
    listed = book(app).add_to_blacklist(ME, ["+79991234567", "8 999 123-45-68", "nonsense"])
    assert [i.code for i in listed.items] == [0, 0, 1]
    assert [e.phone for e in book(app).get_blacklist(ME).items] == ["+79991234567", "+79991234568"]
    sent = app.use_cases.sending.send(SendSms(ME, ["+79991234567", "+79991234569"], "Hi"))
    assert [(m.status, m.status_code, m.cost) for m in sent.messages] == [
        ("BANNED", 23, 0), ("QUEUED", -1, Decimal("1.00"))]
    assert sent.code == 98 and sent.total_cost == Decimal("1.00")
    quote = app.use_cases.sending.quote(QuoteSms(ME, ["+79991234567", "+79991234569"], "Hi"))
    assert quote.accepted == 1 and quote.cost == Decimal("1.00")
    other = app.use_cases.sending.send(SendSms(OTHER, ["+79991234567"], "Hi"))
    assert other.messages[0].status == "QUEUED"     # blacklists are per account
    removed = book(app).remove_from_blacklist(ME, ["+79991234567", "+79990000000"])
    assert [i.code for i in removed.items] == [0, 2]


def test_history_is_newest_first_filtered_and_private(app):
    send = app.use_cases.sending.send
    first = send(SendSms(ME, ["+79991234567", "123"], "one")).messages
    app.clock_.advance(hours=2)
    send(SendSms(ME, ["+79991234568"], "two"))
    send(SendSms(OTHER, ["+79991234567"], "theirs"))
    history = app.use_cases.history
    page = history.get_messages(ME)
    assert page.total == 3 and [m.text for m in page.items] == ["two", "one", "one"]
    assert history.get_messages(ME, status="invalid_number").items[0].recipient == "123"
    assert history.get_messages(ME, recipient="8 999 123 45 67").total == 1
    since = app.clock_.now() - timedelta(hours=1)
    assert [m.text for m in history.get_messages(ME, since=since).items] == ["two"]
    assert history.get_messages(ME, page=2, page_size=2).items[0].id == first[0].message_id
    with pytest.raises(errors.ValidationError):
        history.get_messages(ME, status="SOMETHING")
    with pytest.raises(errors.ConstraintViolation):
        history.get_messages(ME, page_size=5000)


def test_mass_operations_are_limited(app):
    from service.app.book.address_book import MAX_IMPORT
    with pytest.raises(errors.ConstraintViolation):
        book(app).create_contacts(ME, [ContactInput(phone="+79991234567")] * (MAX_IMPORT + 1))
    with pytest.raises(errors.ConstraintViolation):
        book(app).delete_contacts(ME, list(range(1, 52)))   # max_recipients is 50 here
    with pytest.raises(errors.MissingParameter):
        book(app).add_to_blacklist(ME, [])
