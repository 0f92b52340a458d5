"""The inbound store behaves the same on the fake, SQLite and PostgreSQL: parts kept and
claimed with their groups, routing lookups, threading lookups (hot table, then archive),
inbound messages inserted in order, and the operator's numbers and keywords."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.app.inbound.ports import SentMessage
from service.domain.inbound import InboundMessage, InboundPart, KeywordAction
from service.domain.message import ConcatPart
from service.domain.status import MessageStatus
from tests.fakes import FakeUnitOfWorkFactory
from tests.integration.contract import NOW, add_account, message, uow_factory  # noqa: F401


def _part(text, concat=None, at=NOW, source="79991234567", destination="4444", carrier_id=None):
    return InboundPart(source, destination, text, at, concat, carrier_id)


def _add(factory, parts, connector="smpp"):
    with factory(write=True) as uow:
        uow.inbound.add_parts(connector, parts)
        uow.commit()


def _claim(factory, limit=100):
    with factory(write=True) as uow:
        return uow.inbound.claim_new(limit)


def test_parts_come_back_as_stored_in_arrival_order(uow_factory):
    _add(uow_factory, [_part("one"), _part("два", ConcatPart(65535, 3, 2), carrier_id="c" * 70,
                                           source="x" * 80)])
    with uow_factory() as uow:
        assert uow.inbound.any_due(NOW)
    first, second = _claim(uow_factory)
    assert first.id < second.id and first.connector == "smpp"
    assert first.part == _part("one")
    assert second.part == _part("два", ConcatPart(65535, 3, 2), carrier_id="c" * 64,
                                source="x" * 64)


def test_numbering_no_column_can_hold_is_kept_as_bad_numbering(uow_factory):
    _add(uow_factory, [_part("odd", ConcatPart(70000, 40000, 1))])
    [stored] = _claim(uow_factory)
    assert stored.part.concat == ConcatPart(65535, 0, 0)


def _hold_all_new(factory):
    with factory(write=True) as uow:
        uow.inbound.hold([s.id for s in uow.inbound.claim_new(100)])
        uow.commit()


def test_claiming_new_parts_brings_the_rest_of_their_groups(uow_factory):
    _add(uow_factory, [_part("a1", ConcatPart(1, 3, 1)), _part("b1", ConcatPart(2, 2, 1)),
                       _part("solo")])
    assert [s.part.text for s in _claim(uow_factory, limit=1)] == ["a1"]
    _hold_all_new(uow_factory)
    with uow_factory() as uow:
        assert not uow.inbound.any_due(NOW)
    _add(uow_factory, [_part("other total", ConcatPart(1, 2, 2)),
                       _part("other source", ConcatPart(1, 3, 2), source="+79990000000"),
                       _part("other destination", ConcatPart(1, 3, 2), destination="5555")])
    _add(uow_factory, [_part("other connector", ConcatPart(1, 3, 2))], connector="http")
    _hold_all_new(uow_factory)
    _add(uow_factory, [_part("a3", ConcatPart(1, 3, 3))])
    with uow_factory() as uow:
        assert uow.inbound.any_due(NOW)
    assert [s.part.text for s in _claim(uow_factory)] == ["a1", "a3"]


def test_waiting_parts_before_a_cutoff_come_with_their_groups(uow_factory):
    _add(uow_factory, [_part("old", ConcatPart(5, 3, 1), at=NOW - timedelta(minutes=10)),
                       _part("young", ConcatPart(5, 3, 2), at=NOW),
                       _part("other", ConcatPart(6, 3, 1), at=NOW)])
    with uow_factory(write=True) as uow:
        uow.inbound.hold([s.id for s in uow.inbound.claim_new(100)])
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.inbound.any_due(NOW - timedelta(minutes=5))
        assert not uow.inbound.any_due(NOW - timedelta(minutes=10))  # strictly before
        assert uow.inbound.waiting_before(NOW - timedelta(minutes=10), 10) == []
        found = uow.inbound.waiting_before(NOW - timedelta(minutes=5), 10)
        assert [s.part.text for s in found] == ["old", "young"]
        uow.inbound.delete_parts([s.id for s in found] + [999_999])
        uow.commit()
    with uow_factory() as uow:
        assert uow.inbound.waiting_before(NOW + timedelta(days=1), 10)[0].part.text == "other"


def test_a_rolled_back_claim_leaves_the_parts_new(uow_factory):
    _add(uow_factory, [_part("a")])
    with uow_factory(write=True) as uow:
        assert uow.inbound.lock_processing()
        uow.inbound.delete_parts([s.id for s in uow.inbound.claim_new(10)])
    assert [s.part.text for s in _claim(uow_factory)] == ["a"]


def test_numbers_and_keywords_route_and_list(uow_factory):
    alice, bob = add_account(uow_factory).id, add_account(uow_factory, "bob").id
    with uow_factory(write=True) as uow:
        uow.inbound.assign_number("+79990000001", alice, NOW)
        uow.inbound.assign_keyword("4444", "pizza", alice, NOW)
        uow.inbound.assign_keyword("4444", "такси", bob, NOW)
        uow.inbound.assign_keyword("5555", "pizza", bob, NOW)
        uow.commit()
    with uow_factory() as uow:
        i = uow.inbound
        assert i.number_owner(["+79990000001", "79990000001"]) == alice
        assert i.number_owner(["79990000001"]) is None and i.number_owner([]) is None
        assert i.keyword_owner(["4444", "+4444"], "pizza") == alice
        assert i.keyword_owner(["+4444", "4444"], "такси") == bob
        assert i.keyword_owner(["4444"], "sushi") is None
        assert i.keyword_accounts(["4444", "+4444"]) == sorted([alice, bob])
        assert i.keyword_accounts(["+79990000001"]) == []
        assert [(n.number, n.login) for n in i.numbers()] == [("+79990000001", "alice")]
        assert i.numbers(bob) == []
        assert [(k.number, k.keyword, k.login) for k in i.keywords()] == [
            ("4444", "pizza", "alice"), ("4444", "такси", "bob"), ("5555", "pizza", "bob")]
        assert [k.keyword for k in i.keywords("5555")] == ["pizza"]
    with uow_factory(write=True) as uow:
        assert uow.inbound.release_number("+79990000001")
        assert not uow.inbound.release_number("+79990000001")
        assert uow.inbound.release_keyword("4444", "pizza")
        assert not uow.inbound.release_keyword("4444", "pizza")
        uow.commit()
    with uow_factory() as uow:
        assert uow.inbound.numbers() == [] and len(uow.inbound.keywords()) == 2


def test_a_number_or_keyword_is_assigned_once(uow_factory):
    alice, bob = add_account(uow_factory).id, add_account(uow_factory, "bob").id
    with uow_factory(write=True) as uow:
        uow.inbound.assign_number("4444", alice, NOW)
        uow.inbound.assign_keyword("5555", "go", alice, NOW)
        uow.commit()
    for assign in (lambda i: i.assign_number("4444", bob, NOW),
                   lambda i: i.assign_keyword("5555", "go", bob, NOW)):
        with uow_factory(write=True) as uow, pytest.raises(Exception):
            assign(uow.inbound)


def test_the_latest_outbound_message_comes_from_the_hot_table_then_the_archive(uow_factory):
    alice, bob = add_account(uow_factory).id, add_account(uow_factory, "bob").id
    with uow_factory(write=True) as uow:
        ids = uow.messages.add_many([
            message(alice, sender="4444", mailing_id=None),
            message(alice, sender="ACME", mailing_id=None),
            message(bob, sender="4444", mailing_id=None),
            message(alice, recipient="+79990000000")])
        uow.commit()
    first, second, bobs, _ = ids
    with uow_factory() as uow:
        i = uow.inbound
        phone = "+79991234567"
        assert i.latest_outbound([alice], phone) == SentMessage(alice, second, None)
        assert i.latest_outbound([alice], phone, ["4444", "+4444"]) == SentMessage(alice, first, None)
        assert i.latest_outbound([alice, bob], phone, ["4444"]) == SentMessage(bob, bobs, None)
        assert i.latest_outbound([alice], phone, []) is None
        assert i.latest_outbound([], phone) is None
        assert i.latest_outbound([alice], "+70000000000") is None
        assert i.latest_outbound_to(alice, [phone, "+79990000000", "+70000000000"]) == {
            phone: SentMessage(alice, second, None),
            "+79990000000": SentMessage(alice, ids[3], None)}
        assert i.latest_outbound_to(bob, [phone]) == {phone: SentMessage(bob, bobs, None)}
        assert i.latest_outbound_to(alice, []) == {}


def test_an_archived_message_is_found_when_the_hot_table_has_none(uow_factory):
    alice = add_account(uow_factory).id
    with uow_factory(write=True) as uow:
        [old] = uow.messages.add_many([message(alice, sender="4444", mailing_id=None,
                                               status=MessageStatus.DELIVERED)])
        if isinstance(uow_factory, FakeUnitOfWorkFactory):
            uow._work.retention.finished_at[old] = NOW
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.retention.archive(NOW + timedelta(hours=1), 10) == 1
        uow.commit()
    with uow_factory(write=True) as uow:
        [hot] = uow.messages.add_many([message(alice, recipient="+79990000000")])
        uow.commit()
    with uow_factory() as uow:
        assert uow.inbound.latest_outbound([alice], "+79991234567", ["4444"]) == SentMessage(
            alice, old, None)
        assert uow.inbound.latest_outbound_to(alice, ["+79991234567", "+79990000000"]) == {
            "+79991234567": SentMessage(alice, old, None),
            "+79990000000": SentMessage(alice, hot, None)}


def test_inbound_messages_are_inserted_in_order_and_unmatched_ones_listed(uow_factory):
    alice = add_account(uow_factory).id
    drafts = [InboundMessage(id=0, account_id=alice if n % 2 else None, source="+79991234567",
                             destination="4444", text=f"text {n}", received_at=NOW, parts=2,
                             complete=n != 2, reply_to_message_id=n or None,
                             mailing_id=None, action=KeywordAction.STOP if n == 1 else None,
                             connector="smpp") for n in range(5)]
    with uow_factory(write=True) as uow:
        ids = uow.inbound.add_messages(drafts, NOW)
        assert uow.inbound.add_messages([], NOW) == []
        uow.commit()
    assert ids == sorted(ids) and len(set(ids)) == 5
    with uow_factory() as uow:
        unmatched = uow.inbound.unmatched(2)
        assert [m.id for m in unmatched] == [ids[4], ids[2]]
        assert unmatched[0].text == "text 4" and unmatched[0].complete is True
        assert unmatched[1].complete is False and unmatched[1].reply_to_message_id == 2
        assert unmatched[0].received_at == NOW and unmatched[0].connector == "smpp"
        assert uow.inbound.unmatched(0) == []


def _inbound(factory, account_id, received_at, text="hi"):
    with factory(write=True) as uow:
        [i] = uow.inbound.add_messages([InboundMessage(
            id=0, account_id=account_id, source="+79991234567", destination="4444", text=text,
            received_at=received_at)], received_at)
        uow.commit()
    return i


def _push(factory, account_id, inbound_id, state):
    """A callback of an inbound message in ``state``, as the push outbox would hold it."""
    if isinstance(factory, FakeUnitOfWorkFactory):
        factory.store.callbacks[900 + inbound_id] = dict(
            account_id=account_id, message_id=None, inbound_id=inbound_id, state=state)
        return
    from service.persistence.tables import callbacks
    with factory.engine.begin() as conn:
        conn.execute(callbacks.insert().values(
            account_id=account_id, message_id=None, inbound_id=inbound_id,
            url="http://x.test/cb", payload="{}", state=state, attempts=0,
            next_attempt_at=NOW, created_at=NOW))


def _left(factory):
    with factory() as uow:
        return {m.text for m in uow.inbound.unmatched(100)}


def test_inbound_messages_are_purged_by_their_accounts_retention(uow_factory):
    from service.domain.account import AccountSettings
    keep2 = add_account(uow_factory, "two", settings=AccountSettings(retention_days=2)).id
    default = add_account(uow_factory, "default").id
    day = timedelta(days=1)
    old_two = _inbound(uow_factory, keep2, NOW - 3 * day, "old two")
    young_two = _inbound(uow_factory, keep2, NOW - day, "young two")
    old_default = _inbound(uow_factory, default, NOW - 3 * day, "old default")
    old_unmatched = _inbound(uow_factory, None, NOW - 3 * day, "old unmatched")
    pushing = _inbound(uow_factory, keep2, NOW - 3 * day, "pushing")
    pushed = _inbound(uow_factory, keep2, NOW - 3 * day, "pushed")
    _push(uow_factory, keep2, pushing, "pending")
    _push(uow_factory, keep2, pushed, "delivered")
    with uow_factory(write=True) as uow:
        assert uow.retention.purge_inbound(2, NOW - 2 * day, 1) == 1  # the limit
        assert uow.retention.purge_inbound(2, NOW - 2 * day, 100) == 1
        assert uow.retention.purge_inbound(2, NOW - 2 * day, 100) == 0
        uow.commit()
    assert _left(uow_factory) == {"old unmatched"}
    with uow_factory(write=True) as uow:
        assert uow.retention.purge_inbound(None, NOW - 2 * day, 100) == 2  # default + unmatched
        uow.commit()
    assert _left(uow_factory) == set()
    with uow_factory(write=True) as uow:  # what is left: the young one and the one pushing
        assert uow.retention.purge_inbound(2, NOW, 100) == 1
        uow.commit()
    if isinstance(uow_factory, FakeUnitOfWorkFactory):
        remaining = set(uow_factory.store.inbound_messages)
        callbacks_left = {c["inbound_id"] for c in uow_factory.store.callbacks.values()}
    else:
        from sqlalchemy import text
        with uow_factory.engine.connect() as conn:
            remaining = set(conn.execute(text("SELECT id FROM inbound_messages")).scalars())
            callbacks_left = set(conn.execute(text(
                "SELECT inbound_id FROM callbacks")).scalars())
    assert remaining == {pushing} and callbacks_left == {pushing}
    assert {old_two, young_two, old_default, old_unmatched, pushed}.isdisjoint(remaining)


def test_done_parts_come_with_their_group_until_forgotten(uow_factory):
    _add(uow_factory, [_part("a1", ConcatPart(3, 2, 1), at=NOW - timedelta(minutes=10)),
                       _part("a2", ConcatPart(3, 2, 2), at=NOW)])
    with uow_factory(write=True) as uow:
        uow.inbound.finish([s.id for s in uow.inbound.claim_new(10)])
        uow.commit()
    with uow_factory() as uow:
        assert not uow.inbound.any_due(NOW - timedelta(minutes=20))
        assert uow.inbound.any_due(NOW - timedelta(minutes=5))  # a done part to forget
    _add(uow_factory, [_part("a2 again", ConcatPart(3, 2, 2))])
    claimed = _claim(uow_factory)
    assert [(s.part.text, s.done) for s in claimed] == [
        ("a1", True), ("a2", True), ("a2 again", False)]
    with uow_factory(write=True) as uow:
        assert uow.inbound.waiting_before(NOW + timedelta(days=1), 10) == []  # done: not waiting
        assert uow.inbound.forget_done(NOW - timedelta(minutes=10)) == 0    # strictly before
        assert uow.inbound.forget_done(NOW) == 1
        uow.commit()
    assert [s.part.text for s in _claim(uow_factory)] == ["a2", "a2 again"]
