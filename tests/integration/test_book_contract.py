"""One contract for the contact book, the message history and the mailing store, run against
the in-memory fakes and the SQL stores (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from service.app.sending.ports import MessageFilter
from service.domain.contacts import Contact
from service.domain.errors import ConstraintViolation
from service.domain.mailing import Mailing, MailingState
from service.domain.status import MessageStatus
from tests.integration.contract import NOW, add_account, message, uow_factory  # noqa: F401


def card(account_id, phone, name=None, **fields):
    return Contact(id=None, account_id=account_id, phone=phone, name=name, fields=fields)


def add_contacts(uow_factory, account_id, phones):
    with uow_factory(write=True) as uow:
        ids = uow.contacts.add_many([card(account_id, p) for p in phones])
        uow.commit()
    return [ids[p] for p in phones]


def add_group(uow_factory, account_id, name, members=()):
    with uow_factory(write=True) as uow:
        group = uow.groups.add(account_id, name, NOW)
        uow.groups.add_members(group.id, list(members))
        uow.commit()
    return group.id


# -- contacts -------------------------------------------------------------------------------

def test_contacts_round_trip_every_field_and_stay_within_their_account(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    with uow_factory(write=True) as uow:
        first = uow.contacts.add(Contact(None, alice.id, "+79990000001", "Анна", "a@x.test",
                                         date(1990, 2, 28), {"carNumber": "А123ВС"}))
        ids = uow.contacts.add_many([card(alice.id, "+79990000002", "Бор"),
                                     card(alice.id, "+79990000003")])
        [bobs] = uow.contacts.add_many([card(bob.id, "+79990000001")]).values()
        uow.commit()
    assert set(ids) == {"+79990000002", "+79990000003"} and len({first, *ids.values()}) == 3
    with uow_factory() as uow:
        got = uow.contacts.get(alice.id, [first, ids["+79990000002"], bobs, 10 ** 9, first])
        by_phone = uow.contacts.by_phones(alice.id, ["+79990000001", "+79990000003",
                                                     "+79990000009"])
        assert uow.contacts.get(bob.id, [first]) == {}
    assert sorted(got) == sorted([first, ids["+79990000002"]])
    assert got[first] == Contact(first, alice.id, "+79990000001", "Анна", "a@x.test",
                                 date(1990, 2, 28), {"carNumber": "А123ВС"}, ())
    assert sorted(by_phone) == ["+79990000001", "+79990000003"]
    assert by_phone["+79990000001"].id == first           # alice's, not bob's, same phone


def test_contacts_are_searched_in_id_order_by_page_prefix_and_group(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    ids = add_contacts(uow_factory, alice.id, ["+79990000003", "+79990000001", "+74950000002",
                                               "+79990000004"])
    add_contacts(uow_factory, bob.id, ["+79990000005"])
    group = add_group(uow_factory, alice.id, "vip", [ids[3], ids[0]])
    with uow_factory() as uow:
        everything = uow.contacts.search(alice.id, None, None, 0, 100)
        page = uow.contacts.search(alice.id, None, None, 1, 2)
        moscow = uow.contacts.search(alice.id, None, "+7495", 0, 10)
        vip = uow.contacts.search(alice.id, group, "+7999", 0, 10)
        wildcard = uow.contacts.search(alice.id, None, "+7%", 0, 10)
    assert [c.id for c in everything.items] == ids and everything.total == 4
    assert [c.id for c in page.items] == ids[1:3] and page.total == 4
    assert [c.phone for c in moscow.items] == ["+74950000002"] and moscow.total == 1
    assert [c.id for c in vip.items] == [ids[0], ids[3]] and vip.items[0].group_ids == (group,)
    assert wildcard.total == 0 and wildcard.items == []   # a prefix is text, not a pattern


def test_contacts_are_updated_one_or_many_and_keep_their_groups(uow_factory):
    alice = add_account(uow_factory)
    a, b = add_contacts(uow_factory, alice.id, ["+79990000001", "+79990000002"])
    group = add_group(uow_factory, alice.id, "g", [a])
    with uow_factory(write=True) as uow:
        found = uow.contacts.get(alice.id, [a, b])
        found[a].name, found[a].fields = "New", {"k": "v"}
        uow.contacts.update(found[a])
        found[b].phone, found[b].birthday = "+79990000009", date(2000, 1, 1)
        uow.contacts.update_many([found[b]])
        uow.contacts.update_many([])
        uow.commit()
    with uow_factory() as uow:
        again = uow.contacts.get(alice.id, [a, b])
    assert (again[a].name, again[a].fields, again[a].group_ids) == ("New", {"k": "v"}, (group,))
    assert (again[b].phone, again[b].birthday) == ("+79990000009", date(2000, 1, 1))


def test_deleting_contacts_reports_what_existed_and_drops_their_memberships(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    a, b, c = add_contacts(uow_factory, alice.id, ["+79990000001", "+79990000002",
                                                   "+79990000003"])
    [bobs] = add_contacts(uow_factory, bob.id, ["+79990000001"])
    group = add_group(uow_factory, alice.id, "g", [a, b, c])
    with uow_factory(write=True) as uow:
        assert sorted(uow.contacts.delete(alice.id, [a, c, a, bobs, 10 ** 9])) == [a, c]
        uow.commit()
    with uow_factory() as uow:
        assert sorted(uow.contacts.get(alice.id, [a, b, c])) == [b]
        assert uow.contacts.get(bob.id, [bobs])[bobs].phone == "+79990000001"
        assert uow.groups.get(alice.id, group).size == 1
        assert uow.groups.phones(alice.id, [group]) == {group: ["+79990000002"]}


def test_contacts_added_in_a_unit_that_is_not_committed_are_gone(uow_factory):
    alice = add_account(uow_factory)
    with uow_factory(write=True) as uow:
        uow.contacts.add_many([card(alice.id, "+79990000001")])
        uow.groups.add(alice.id, "g", NOW)
        uow.rollback()
    with uow_factory(write=True) as uow:
        uow.contacts.add(card(alice.id, "+79990000002"))
    with uow_factory() as uow:
        assert uow.contacts.search(alice.id, None, None, 0, 10).total == 0
        assert uow.groups.list(alice.id) == []


# -- groups ---------------------------------------------------------------------------------

def test_group_names_are_unique_within_an_account_only(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    with uow_factory(write=True) as uow:
        first = uow.groups.add(alice.id, "friends", NOW)
        assert (first.account_id, first.name, first.size) == (alice.id, "friends", 0)
        other = uow.groups.add(alice.id, "work", NOW)
        assert uow.groups.add(bob.id, "friends", NOW).id not in (first.id, other.id)
        with pytest.raises(ConstraintViolation):
            uow.groups.add(alice.id, "friends", NOW)
        with pytest.raises(ConstraintViolation):
            uow.groups.rename(alice.id, other.id, "friends")
        uow.groups.rename(alice.id, first.id, "friends")   # its own name is no clash
        uow.groups.rename(alice.id, other.id, "office")
        uow.groups.rename(bob.id, first.id, "stolen")       # not bob's: nothing happens
        uow.commit()
    with uow_factory() as uow:
        assert [g.name for g in uow.groups.list(alice.id)] == ["friends", "office"]
        assert [g.name for g in uow.groups.list(bob.id)] == ["friends"]


def test_group_members_are_counted_added_once_and_removed_by_id(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    a, b, c = add_contacts(uow_factory, alice.id, ["+79990000001", "+79990000002",
                                                   "+79990000003"])
    g1 = add_group(uow_factory, alice.id, "one", [a, b])
    g2 = add_group(uow_factory, alice.id, "two")
    with uow_factory(write=True) as uow:
        uow.groups.add_members(g1, [b, c, c])               # b is already in: left as it was
        uow.groups.add_members(g2, [a])
        assert sorted(uow.groups.remove_members(g1, [a, a, 10 ** 9])) == [a]
        uow.commit()
    with uow_factory() as uow:
        assert [(g.id, g.size) for g in uow.groups.list(alice.id)] == [(g1, 2), (g2, 1)]
        assert uow.groups.get(alice.id, g1).size == 2
        assert uow.groups.get(bob.id, g1) is None            # another account's group
        assert uow.groups.get(alice.id, 10 ** 9) is None
        assert uow.contacts.get(alice.id, [a])[a].group_ids == (g2,)
        assert uow.contacts.get(alice.id, [b])[b].group_ids == (g1,)


def test_a_deleted_group_takes_its_memberships_but_not_its_contacts(uow_factory):
    alice = add_account(uow_factory)
    a, b = add_contacts(uow_factory, alice.id, ["+79990000001", "+79990000002"])
    g1, g2 = add_group(uow_factory, alice.id, "one", [a, b]), add_group(uow_factory, alice.id,
                                                                        "two", [a])
    with uow_factory(write=True) as uow:
        uow.groups.delete(alice.id, g1)
        uow.commit()
    with uow_factory() as uow:
        assert [g.id for g in uow.groups.list(alice.id)] == [g2]
        assert uow.groups.get(alice.id, g1) is None
        assert sorted(uow.contacts.get(alice.id, [a, b])) == [a, b]
        assert uow.contacts.get(alice.id, [a])[a].group_ids == (g2,)
        assert uow.contacts.search(alice.id, g1, None, 0, 10).total == 0


def test_deleting_another_accounts_group_changes_nothing(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    a = add_contacts(uow_factory, alice.id, ["+79990000001"])[0]
    g = add_group(uow_factory, alice.id, "one", [a])
    with uow_factory(write=True) as uow:
        uow.groups.delete(bob.id, g)
        uow.commit()
    with uow_factory() as uow:
        assert uow.groups.get(alice.id, g).size == 1
        assert uow.contacts.get(alice.id, [a])[a].group_ids == (g,)


def test_group_phones_keep_contact_order_and_answer_every_group_asked(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    a, b, c = add_contacts(uow_factory, alice.id, ["+79990000003", "+79990000001",
                                                   "+79990000002"])
    g1 = add_group(uow_factory, alice.id, "one", [c, a])
    g2 = add_group(uow_factory, alice.id, "two", [b, c])
    empty = add_group(uow_factory, alice.id, "empty")
    bobs = add_group(uow_factory, bob.id, "bob's", add_contacts(uow_factory, bob.id,
                                                                ["+79990000008"]))
    with uow_factory() as uow:
        assert uow.groups.phones(alice.id, [g2, g1, empty, 10 ** 9]) == {
            g1: ["+79990000003", "+79990000002"], g2: ["+79990000001", "+79990000002"],
            empty: [], 10 ** 9: []}
        assert uow.groups.phones(alice.id, [bobs]) == {bobs: []}
        assert uow.groups.phones(bob.id, [bobs]) == {bobs: ["+79990000008"]}
        assert uow.groups.phones(alice.id, []) == {}


# -- history --------------------------------------------------------------------------------

def test_history_is_newest_first_paged_filtered_and_per_account(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    hour = timedelta(hours=1)
    with uow_factory(write=True) as uow:
        ids = uow.messages.add_many([
            message(alice.id, "+79990000001", created_at=NOW),
            message(alice.id, "+79990000002", created_at=NOW + hour,
                    status=MessageStatus.DELIVERED),
            message(alice.id, "+79990000001", created_at=NOW + 2 * hour, mailing_id=7),
            message(alice.id, "+79990000003", created_at=NOW + 3 * hour,
                    status=MessageStatus.DELIVERED, mailing_id=7)])
        uow.messages.add_many([message(bob.id, "+79990000001", created_at=NOW + hour)])
        uow.commit()

    def search(offset=0, limit=10, **flt):
        with uow_factory() as uow:
            page = uow.history.search(alice.id, MessageFilter(**flt), offset, limit)
        return page.total, [m.id for m in page.items]

    assert search() == (4, ids[::-1])
    assert search(1, 2) == (4, [ids[2], ids[1]])
    assert search(since=NOW + hour, until=NOW + 3 * hour) == (2, [ids[2], ids[1]])
    assert search(status=MessageStatus.DELIVERED) == (2, [ids[3], ids[1]])
    assert search(recipient="+79990000001") == (2, [ids[2], ids[0]])
    assert search(mailing_id=7, status=MessageStatus.QUEUED) == (1, [ids[2]])
    assert search(recipient="+79990000009") == (0, [])
    with uow_factory() as uow:
        [found] = uow.history.search(alice.id, MessageFilter(), 3, 1).items
    assert (found.recipient, found.cost, found.status) == (
        "+79990000001", Decimal("1.25"), MessageStatus.QUEUED)


# -- mailings -------------------------------------------------------------------------------

def mailing(account_id, name="m", **fields):
    return Mailing(id=None, account_id=account_id, name=name, text="Hi {name}",
                   state=MailingState.DRAFT, created_at=NOW, **fields)


def test_mailings_round_trip_are_listed_newest_first_and_stay_within_their_account(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    with uow_factory(write=True) as uow:
        first = uow.mailings.add(mailing(
            alice.id, "first", sender="ACME", scheduled_at=NOW + timedelta(days=1),
            validity_minutes=60, rate_per_minute=100, defaults={"name": "друг"},
            group_ids=(3, 1), contact_ids=(9,), phones=("+79990000001",)))
        ids = [first] + [uow.mailings.add(mailing(alice.id, f"m{i}")) for i in range(3)]
        bobs = uow.mailings.add(mailing(bob.id))
        uow.commit()
    with uow_factory() as uow:
        got = uow.mailings.get(alice.id, first)
        assert uow.mailings.get(bob.id, first) is None and uow.mailings.get(alice.id, bobs) is None
        page = uow.mailings.list(alice.id, 1, 2)
    assert (got.id, got.name, got.sender, got.scheduled_at, got.validity_minutes,
            got.rate_per_minute, got.defaults, got.group_ids, got.contact_ids, got.phones,
            got.state, got.recipients, got.total_cost) == (
        first, "first", "ACME", NOW + timedelta(days=1), 60, 100, {"name": "друг"}, (3, 1),
        (9,), ("+79990000001",), MailingState.DRAFT, 0, Decimal("0"))
    assert page.total == 4 and [m.id for m in page.items] == [ids[2], ids[1]]


def test_a_mailing_update_stores_its_state_start_recipients_and_cost_only(uow_factory):
    alice = add_account(uow_factory)
    with uow_factory(write=True) as uow:
        mailing_id = uow.mailings.add(mailing(alice.id, "before"))
        uow.commit()
    with uow_factory(write=True) as uow:
        m = uow.mailings.get(alice.id, mailing_id, lock=True)
        m.state, m.started_at, m.recipients = MailingState.RUNNING, NOW, 3
        m.total_cost, m.name = Decimal("3.7500"), "after"
        uow.mailings.update(m)
        uow.commit()
    with uow_factory() as uow:
        again = uow.mailings.get(alice.id, mailing_id)
    assert (again.state, again.started_at, again.recipients, again.total_cost, again.name) == (
        MailingState.RUNNING, NOW, 3, Decimal("3.75"), "before")


def test_group_contacts_are_each_contact_once_in_id_order(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    a, b, c = add_contacts(uow_factory, alice.id, ["+79990000001", "+79990000002",
                                                   "+79990000003"])
    g1, g2 = (add_group(uow_factory, alice.id, "one", [c, a]),
              add_group(uow_factory, alice.id, "two", [a, b]))
    bobs = add_group(uow_factory, bob.id, "b", add_contacts(uow_factory, bob.id,
                                                            ["+79990000009"]))
    with uow_factory() as uow:
        found = uow.mailings.group_contacts(alice.id, [g2, g1, bobs])
        assert uow.mailings.group_contacts(alice.id, []) == []
    assert [x.id for x in found] == [a, b, c]
    assert found[0].phone == "+79990000001" and found[0].account_id == alice.id


def test_recipients_are_staged_once_each_and_read_back_in_pages(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    a, b, c = add_contacts(uow_factory, alice.id, ["+79990000001", "+79990000002",
                                                   "+79990000003"])
    [bobs] = add_contacts(uow_factory, bob.id, ["+79990000004"])
    group = add_group(uow_factory, alice.id, "g", [b, a])
    with uow_factory(write=True) as uow:
        uow.mailings.stage(5, alice.id, [group], [c, a, bobs],
                           ["+79990000002", "+79990000007", "+79990000007"])
        uow.mailings.stage(6, alice.id, [], [], ["+79990000001"])
        uow.commit()
    with uow_factory(write=True) as uow:
        first = uow.mailings.staged(5, 0, 2)
        rest = uow.mailings.staged(5, first[-1][0], 10)
        assert uow.mailings.staged(5, rest[-1][0], 10) == []
        uow.mailings.clear_stage(5)
        uow.commit()
    rows = first + rest
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)
    assert [(phone, card and card.id) for _, phone, card in rows] == [
        ("+79990000001", a), ("+79990000002", b), ("+79990000003", c), ("+79990000007", None)]
    assert rows[0][2].phone == "+79990000001" and rows[0][2].account_id == alice.id
    with uow_factory() as uow:
        assert uow.mailings.staged(5, 0, 10) == []
        assert [phone for _, phone, _ in uow.mailings.staged(6, 0, 10)] == ["+79990000001"]


def add_mailing_messages(uow_factory, account_id, mailing_id, statuses, *, held=False):
    """Messages of a mailing (bulk-inserted, as a mailing start does); their ids in order."""
    batch = [message(account_id, f"+7999000000{i}", status=s, mailing_id=mailing_id,
                     external_id=f"m{mailing_id}-{i}", cost=f"1.{i}")
             for i, s in enumerate(statuses)]
    with uow_factory(write=True) as uow:
        uow.messages.insert_bulk(batch, held=held)
        uow.commit()
    with uow_factory() as uow:
        return [m.id for m in uow.messages.by_client_keys(
            account_id, [m.external_id for m in batch])]


def test_held_messages_wait_until_released_or_are_discarded(uow_factory):
    alice = add_account(uow_factory)
    released = add_mailing_messages(uow_factory, alice.id, 1, [MessageStatus.QUEUED] * 2,
                                    held=True)
    discarded = add_mailing_messages(uow_factory, alice.id, 2, [MessageStatus.QUEUED] * 2,
                                     held=True)
    with uow_factory(write=True) as uow:
        assert uow.mailings.unsent(1) == [] and uow.mailings.stop_unsent(1, NOW) == 0
        assert uow.delivery.claim_due("w", NOW + timedelta(days=2), NOW + timedelta(days=3),
                                      10) == []
        uow.mailings.release_held(1)
        uow.mailings.discard_held(2)
        uow.commit()
    with uow_factory() as uow:
        assert uow.mailings.unsent(1) == released
        assert uow.mailings.stats(2) == {} and uow.messages.get_many(alice.id, discarded) == {}


def test_unsent_messages_are_stopped_requeued_and_counted(uow_factory):
    alice = add_account(uow_factory)
    q, s, d = MessageStatus.QUEUED, MessageStatus.SCHEDULED, MessageStatus.DELIVERED
    ids = add_mailing_messages(uow_factory, alice.id, 3, [q, s, d, q])
    other = add_mailing_messages(uow_factory, alice.id, 4, [q])
    with uow_factory(write=True) as uow:
        assert uow.mailings.stats(3) == {"QUEUED": (2, Decimal("2.3")),
                                         "SCHEDULED": (1, Decimal("1.1")),
                                         "DELIVERED": (1, Decimal("1.2"))}
        assert uow.mailings.unsent(3) == [ids[0], ids[1], ids[3]]
        assert uow.mailings.stop_unsent(3, NOW) == 3
        assert uow.mailings.stopped(3) == [ids[0], ids[1], ids[3]]
        assert uow.mailings.unsent(3) == [ids[0], ids[1], ids[3]]   # stopped is still unsent
        uow.mailings.requeue([(ids[1], "SCHEDULED", NOW + timedelta(hours=5)),
                              (ids[2], "QUEUED", None)], NOW)   # ids[2] was not stopped
        uow.commit()
    with uow_factory() as uow:
        assert uow.mailings.stopped(3) == [ids[0], ids[3]]
        assert uow.mailings.stats(3)["STOPPED"] == (2, Decimal("2.3"))
        got = uow.messages.get_many(alice.id, ids[1:3])
        assert (got[ids[1]].status, got[ids[1]].scheduled_at) == (
            MessageStatus.SCHEDULED, NOW + timedelta(hours=5))
        assert got[ids[2]].status == MessageStatus.DELIVERED
        assert uow.mailings.stopped(4) == [] and uow.mailings.unsent(4) == other
