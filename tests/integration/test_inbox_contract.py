"""The inbox reader behaves the same on the fake, SQLite and PostgreSQL: only the account's own
messages, ordered by id, filtered by time received, id and our number in either form, paged
with the total; smsc's reading takes the first ``limit`` after an id."""

from __future__ import annotations

from datetime import timedelta

from service.app.inbound.inbox_ports import InboxFilter
from service.domain.inbound import KeywordAction
from tests.inbound_rows import RECEIVED, inbound, store_inbound
from tests.integration.contract import add_account, uow_factory  # noqa: F401 - fixture

NUMBER = ("79990000001", "+79990000001")


def _seed(factory):
    alice, bob = add_account(factory).id, add_account(factory, "bob").id
    ids = [
        store_inbound(factory, inbound(alice, text="first", received_at=RECEIVED)),
        store_inbound(factory, inbound(bob, text="bob's")),
        store_inbound(factory, inbound(None, text="unmatched")),
        store_inbound(factory, inbound(alice, text="second", destination="79990000001",
                                       received_at=RECEIVED + timedelta(minutes=5))),
        store_inbound(factory, inbound(alice, text="other number", destination="4242",
                                       received_at=RECEIVED + timedelta(minutes=10))),
        store_inbound(factory, inbound(
            alice, text="STOP", received_at=RECEIVED + timedelta(minutes=20), parts=3,
            complete=False, reply_to_message_id=77, mailing_id=5, action=KeywordAction.STOP,
            connector="smpp")),
    ]
    return alice, bob, ids


def _page(factory, account_id, offset=0, limit=100, **flt):
    with factory() as uow:
        return uow.inbox.page(account_id, InboxFilter(**flt), offset, limit)


def test_an_account_reads_only_its_own_messages_in_id_order_with_every_field(uow_factory):
    alice, bob, ids = _seed(uow_factory)
    page = _page(uow_factory, alice)
    assert page.total == 4
    assert [m.text for m in page.items] == ["first", "second", "other number", "STOP"]
    assert [m.id for m in page.items] == [ids[0], ids[3], ids[4], ids[5]]
    last = page.items[-1]
    assert (last.account_id, last.source, last.destination, last.received_at, last.parts,
            last.complete, last.reply_to_message_id, last.mailing_id, last.action,
            last.connector) == (alice, "+79991234567", "+79990000001",
                                RECEIVED + timedelta(minutes=20), 3, False, 77, 5,
                                KeywordAction.STOP, "smpp")
    assert [m.text for m in _page(uow_factory, bob).items] == ["bob's"]


def test_filters_since_after_id_and_our_number_in_either_form(uow_factory):
    alice, _bob, ids = _seed(uow_factory)
    since = _page(uow_factory, alice, since=RECEIVED + timedelta(minutes=5))
    assert [m.text for m in since.items] == ["second", "other number", "STOP"]  # >= since
    after = _page(uow_factory, alice, after_id=ids[3])
    assert [m.text for m in after.items] == ["other number", "STOP"]           # > after_id
    to = _page(uow_factory, alice, numbers=NUMBER)
    assert [m.text for m in to.items] == ["first", "second", "STOP"]
    both = _page(uow_factory, alice, numbers=NUMBER, after_id=ids[0],
                 since=RECEIVED + timedelta(minutes=1))
    assert (both.total, [m.text for m in both.items]) == (2, ["second", "STOP"])
    assert _page(uow_factory, alice, numbers=("5555", "+5555")).total == 0


def test_pages_keep_the_total_and_past_the_end_is_empty(uow_factory):
    alice, _bob, _ids = _seed(uow_factory)
    first, second = _page(uow_factory, alice, 0, 3), _page(uow_factory, alice, 3, 3)
    assert (first.total, second.total) == (4, 4)
    assert [m.text for m in first.items + second.items] == [
        "first", "second", "other number", "STOP"]
    beyond = _page(uow_factory, alice, 10 ** 12, 100)
    assert (beyond.total, beyond.items) == (4, [])


def test_answers_are_the_first_limit_after_an_id(uow_factory):
    alice, _bob, ids = _seed(uow_factory)
    with uow_factory() as uow:
        two = uow.inbox.answers(alice, InboxFilter(), 2)
        rest = uow.inbox.answers(alice, InboxFilter(after_id=two[-1].id), 10)
        recent = uow.inbox.answers(alice, InboxFilter(
            since=RECEIVED + timedelta(minutes=10), numbers=("4242", "+4242")), 10)
    assert [m.text for m in two] == ["first", "second"]
    assert [m.text for m in rest] == ["other number", "STOP"]
    assert [m.id for m in recent] == [ids[4]]


def test_an_account_without_messages_reads_an_empty_inbox(uow_factory):
    carol = add_account(uow_factory, "carol").id
    assert _page(uow_factory, carol).total == 0
    with uow_factory() as uow:
        assert uow.inbox.answers(carol, InboxFilter(), 10) == []
