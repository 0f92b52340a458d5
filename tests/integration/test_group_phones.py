"""Sending to whole groups (smsc's ``G<group>`` recipients) reads every phone of every named
group through one address-book use case, in one transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.api.smsc.adapter import SmscAdapter
from service.app.book.address_book import ContactInput
from service.app.access.auth import Credentials
from service.bootstrap import build_container
from service.config import Settings
from service.domain.errors import NotFound
from tests.conftest import STORES, migrated, store_url
from tests.fakes import FixedClock

ME, OTHER = Credentials("alice", "pw"), Credentials("bob", "pw")


@pytest.fixture(params=STORES)
def container(request):
    url = store_url(request, request.param)
    engine = migrated(url)
    c = build_container(Settings(database_url=url, max_recipients=5000), clock=FixedClock(),
                        engine=engine)
    c.use_cases.accounts.create("alice", "pw", Decimal("10000"))
    c.use_cases.accounts.create("bob", "pw", Decimal("10"))
    yield c
    engine.dispose()


def test_each_group_by_id_or_any_case_name_gives_its_phones_in_contact_order(container):
    book = container.use_cases.address_book
    friends, work = book.create_group(ME, "Friends"), book.create_group(ME, "Work")
    book.create_contacts(ME, [
        ContactInput(phone="+79991230002", group_ids=(friends.id,)),
        ContactInput(phone="+79991230001", group_ids=(friends.id, work.id)),
        ContactInput(phone="+79991230003")])
    bob = book.create_group(OTHER, "Bobs")
    book.create_contacts(OTHER, [ContactInput(phone="+79991239999", group_ids=(bob.id,))])
    found = book.group_phones(ME, [str(work.id), "fRIENDS", str(friends.id)])
    assert found == {str(work.id): ["+79991230001"],
                     "fRIENDS": ["+79991230002", "+79991230001"],
                     str(friends.id): ["+79991230002", "+79991230001"]}
    assert book.group_phones(ME, []) == {}
    empty = book.create_group(ME, "Empty")
    assert book.group_phones(ME, ["empty"]) == {"empty": []}
    for foreign in (str(bob.id), "Bobs", "nobody"):  # another account's group is not found
        with pytest.raises(NotFound):
            book.group_phones(ME, [foreign])
    assert empty.size == 0


def test_a_group_larger_than_a_page_is_sent_whole_through_the_smsc_door(container):
    book = container.use_cases.address_book
    big = book.create_group(ME, "Big")
    for start in (0, 750):  # below the background-import threshold
        result = book.create_contacts(ME, [ContactInput(phone=f"+7999{n:07d}",
                                                        group_ids=(big.id,))
                                           for n in range(start, start + 750)])
        assert result.code == 0
    adapter = SmscAdapter(container.use_cases)
    answer = adapter.call("send_sms", {"login": "alice", "psw": "pw", "phones": f"G{big.id},gbig",
                                       "mes": "hi"}, "127.0.0.1", container.clock.now())
    assert answer.get("cnt") == "3000", answer
