"""The address book's use cases on the in-memory fakes: the same rules the integration tests
check on SQLite and PostgreSQL, in milliseconds (the fakes are held to the SQL stores by
tests/integration/test_book_contract.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.app.access.auth import Authenticator, Credentials
from service.app.accounts.accounts import AccountService
from service.app.book.address_book import AddressBookService, ContactInput
from service.app.sending.policy import SendingPolicy
from service.domain.errors import ConstraintViolation, NotFound
from service.domain.pricing import Tariff
from tests.fakes import FakeUnitOfWorkFactory, FixedClock

ME, OTHER = Credentials("alice", "pw"), Credentials("bob", "pw")


@pytest.fixture
def book():
    uow, auth = FakeUnitOfWorkFactory(), Authenticator()
    accounts = AccountService(uow, auth)
    accounts.create("alice", "pw", Decimal("10"))
    accounts.create("bob", "pw", Decimal("10"))
    policy = SendingPolicy(max_recipients=100, max_text_length=200,
                           tariff=Tariff.parse("1.00", "7=0.50"))
    return AddressBookService(uow, auth, policy, FixedClock())


def test_each_group_by_id_or_any_case_name_gives_its_phones_in_contact_order(book):
    friends, work = book.create_group(ME, "Friends"), book.create_group(ME, "Work")
    book.create_contacts(ME, [
        ContactInput(phone="+79991230002", group_ids=(friends.id,)),
        ContactInput(phone="+79991230001", group_ids=(friends.id, work.id)),
        ContactInput(phone="+79991230003")])
    bob = book.create_group(OTHER, "Bobs")
    book.create_contacts(OTHER, [ContactInput(phone="+79991239999", group_ids=(bob.id,))])
    assert book.group_phones(ME, [str(work.id), "fRIENDS", str(friends.id)]) == {
        str(work.id): ["+79991230001"], "fRIENDS": ["+79991230002", "+79991230001"],
        str(friends.id): ["+79991230002", "+79991230001"]}
    for foreign in (str(bob.id), "Bobs", "nobody"):  # another account's group is not found
        with pytest.raises(NotFound):
            book.group_phones(ME, [foreign])


def test_contacts_are_found_by_group_and_prefix_and_a_group_name_is_taken_once(book):
    work = book.create_group(ME, "Work")
    book.create_contacts(ME, [ContactInput(phone="+79991230001", name="Ann", group_ids=(work.id,)),
                              ContactInput(phone="+74951230002")])
    page = book.get_contacts(ME, group_id=work.id)
    assert [c.phone for c in page.items] == ["+79991230001"] and page.items[0].name == "Ann"
    assert [c.phone for c in book.get_contacts(ME, phone_prefix="+7495").items] == [
        "+74951230002"]
    with pytest.raises(ConstraintViolation):
        book.create_group(ME, "Work")
    with pytest.raises(NotFound):
        book.get_contacts(OTHER, group_id=work.id)
    book.delete_group(ME, work.id)
    assert book.get_groups(ME) == [] and book.get_contacts(ME).total == 2
