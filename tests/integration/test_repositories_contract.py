"""One contract for the persistence ports, run against the in-memory fake and the SQL stores."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from service.app.errors import DuplicateRequest, LoginTaken
from service.domain.account import AccountSettings
from service.domain.encoding import Encoding
from service.domain.status import MessageStatus
from tests.integration.contract import NOW, add_account, message, uow_factory  # noqa: F401


def test_accounts_round_trip_with_settings_and_exact_money(uow_factory):
    account = add_account(uow_factory, balance="12.3456")
    with uow_factory(write=True) as uow:
        loaded = uow.accounts.get_by_login("alice")
        assert loaded.id == account.id and loaded.balance == Decimal("12.3456")
        loaded.settings = AccountSettings(allowed_ips=("10.0.0.0/8", "::1/128"), retention_days=3,
                                          default_sender="ACME", callback_url="https://x.test/cb",
                                          callback_secret="s")
        loaded.blocked = True
        uow.accounts.update(loaded)
        uow.commit()
    with uow_factory() as uow:
        again = uow.accounts.get_by_login("alice")
    assert again.settings == loaded.settings and again.blocked
    assert uow_factory().__enter__().accounts.get_by_login("nobody") is None


def test_a_taken_login_is_refused(uow_factory):
    add_account(uow_factory)
    with pytest.raises(LoginTaken):
        add_account(uow_factory)


def test_debit_is_guarded_and_exact(uow_factory):
    account = add_account(uow_factory, balance="1.0000")
    with uow_factory(write=True) as uow:
        assert uow.accounts.debit(account.id, Decimal("0.3333")) == Decimal("0.6667")
        assert uow.accounts.debit(account.id, Decimal("0.6668")) is None
        assert uow.accounts.debit(account.id, Decimal("0.6667")) == Decimal("0")
        assert uow.accounts.credit(account.id, Decimal("5.5")) == Decimal("5.5")
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.balance(account.id) == Decimal("5.5")


def test_nothing_is_kept_without_commit(uow_factory):
    account = add_account(uow_factory)
    with uow_factory(write=True) as uow:
        uow.accounts.debit(account.id, Decimal("50"))
        uow.messages.add_many([message(account.id)])
    with uow_factory() as uow:
        assert uow.accounts.balance(account.id) == Decimal("100")
        assert uow.messages.get_many(account.id, [1, 2, 3]) == {}


def test_messages_round_trip_in_order_and_stay_within_their_account(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    with uow_factory(write=True) as uow:
        ids = uow.messages.add_many([message(alice.id, f"+7999123456{i}") for i in range(5)])
        bobs = uow.messages.add_many([message(bob.id)])
        uow.commit()
    assert ids == sorted(ids) and len(set(ids)) == 5
    with uow_factory() as uow:
        found = uow.messages.get_many(alice.id, ids + bobs + [10**9])
    assert sorted(found) == ids
    m = found[ids[2]]
    assert (m.recipient, m.text, m.cost, m.encoding, m.status) == (
        "+79991234562", "Привет €", Decimal("1.25"), Encoding.UCS2, MessageStatus.QUEUED)
    assert m.scheduled_at == NOW + timedelta(hours=1) and m.created_at.tzinfo is not None


def test_send_requests_remember_a_result_per_account_and_reference(uow_factory):
    alice = add_account(uow_factory)
    day_before = NOW - timedelta(hours=24)
    with uow_factory(write=True) as uow:
        assert uow.send_requests.find(alice.id, "r1") is None
        uow.send_requests.claim(alice.id, "r1", NOW, day_before)
        uow.send_requests.store_result(alice.id, "r1", '{"x": 1}')
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.send_requests.find(alice.id, "r1") == (NOW, '{"x": 1}')
        with pytest.raises(DuplicateRequest):  # a live claim is never replaced
            uow.send_requests.claim(alice.id, "r1", NOW, day_before)
    later = NOW + timedelta(days=2)
    with uow_factory(write=True) as uow:
        uow.send_requests.claim(alice.id, "r1", later, later - timedelta(hours=24))
        uow.commit()
    with uow_factory() as uow:
        assert uow.send_requests.find(alice.id, "r1") == (later, None)


def test_login_failures_count_in_windows_lock_forget_and_lift(uow_factory):
    with uow_factory(write=True) as uow:
        lf = uow.login_failures
        assert lf.standing("alice", "192.0.2.1") == []
        assert [lf.record("alice", "192.0.2.1", 1000, 60, 600).failures
                for _ in range(3)] == [1, 2, 3]
        lf.record("", "192.0.2.1", 1000, 60, 600)
        lf.record("alice", "", 1000, 60, 600)
        lf.record("bob", "192.0.2.1", 1000, 60, 600)
        assert sorted((r.login, r.address) for r in lf.standing("alice", "192.0.2.1")) == [
            ("", "192.0.2.1"), ("alice", ""), ("alice", "192.0.2.1")]
        assert [(r.login, r.address) for r in lf.standing(None, "192.0.2.1")] == [
            ("", "192.0.2.1")]
        assert lf.record("alice", "192.0.2.1", 1060, 60, 600).failures == 1  # a new window
        lf.block("alice", "192.0.2.1", 1200, 1060)
        [blocked] = lf.blocked(1100)
        assert (blocked.login, blocked.blocked_until, blocked.strikes, blocked.failures) == (
            "alice", 1200, 1, 0)
        assert lf.blocked(1200) == []
        assert lf.record("alice", "192.0.2.1", 1300, 60, 600).strikes == 1
        assert lf.record("alice", "192.0.2.1", 2000, 60, 600).strikes == 0    # quiet: forgotten
        lf.succeeded("carol", "192.0.2.9", 2000)
        [trusted] = lf.standing("carol", "192.0.2.9")
        assert (trusted.last_success, trusted.failures) == (2000, 0)
        assert lf.standing("bob", "192.0.2.1") == []           # stale rows were dropped
        lf.record("", "192.0.2.1", 2000, 60, 600)
        assert lf.lift("192.0.2.1") == 2 and lf.lift("carol") == 1 and lf.lift("nobody") == 0
        uow.commit()


def test_accounts_are_read_by_id(uow_factory):
    account = add_account(uow_factory)
    with uow_factory() as uow:
        assert uow.accounts.get(account.id).login == "alice"
        assert uow.accounts.get(account.id + 1000) is None
        assert uow.accounts.any_exist()


def test_bulk_inserted_messages_are_found_by_their_client_ids(uow_factory):
    alice = add_account(uow_factory)
    batch = [message(alice.id, f"+7999123456{i}") for i in range(3)]
    for i, m in enumerate(batch):
        m.external_id = f"x{i}"
    with uow_factory(write=True) as uow:
        uow.messages.insert_bulk(batch, held=True)
        uow.commit()
    with uow_factory() as uow:
        found = uow.messages.by_client_keys(alice.id, ["x0", "x1", "x2", "x9"])
    assert [m.recipient for m in found] == ["+79991234560", "+79991234561", "+79991234562"]


def test_a_rollback_forgets_what_the_unit_did(uow_factory):
    account = add_account(uow_factory)
    with uow_factory(write=True) as uow:
        uow.accounts.debit(account.id, Decimal("40"))
        uow.rollback()
    with uow_factory() as uow:
        assert uow.accounts.balance(account.id) == Decimal("100")


def test_request_counters_count_per_minute_and_forget_old_minutes(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    with uow_factory(write=True) as uow:
        c = uow.counters
        assert c.latest_window(alice.id, "send") is None
        assert [c.hit(alice.id, "send", 100) for _ in range(3)] == [1, 2, 3]
        assert c.hit(alice.id, "query", 100) == 1 and c.hit(bob.id, "send", 100) == 1
        assert c.hit(alice.id, "send", 101) == 1 and c.latest_window(alice.id, "send") == 101
        assert c.hit(alice.id, "send", 100) == 4        # the previous minute is still kept
        assert c.hit(alice.id, "send", 103) == 1        # a new minute forgets older ones
        assert c.hit(alice.id, "send", 100) == 1
        assert c.hit(bob.id, "send", 100) == 2          # another account's minutes stay
        uow.commit()
    with uow_factory() as uow:
        assert uow.counters.latest_window(alice.id, "send") == 103


def test_request_counters_add_a_weight_and_a_weighted_first_hit_starts_a_new_minute(uow_factory):
    alice = add_account(uow_factory)
    with uow_factory(write=True) as uow:
        c = uow.counters
        assert c.hit(alice.id, "send", 100, 5) == 5     # an SMPP batch: its segments at once
        assert c.hit(alice.id, "send", 100) == 6 and c.hit(alice.id, "send", 100, 3) == 9
        assert c.hit(alice.id, "send", 101, 4) == 4
        assert c.hit(alice.id, "send", 103, 2) == 2     # a new minute forgets older ones
        assert c.hit(alice.id, "send", 100, 1) == 1
        uow.commit()


def test_api_keys_are_listed_found_by_prefix_and_revoked_once(uow_factory):
    from service.domain.api_keys import ApiKey
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    with uow_factory(write=True) as uow:
        k1 = uow.api_keys.add(ApiKey(None, alice.id, "aaaa1111", "h1", NOW, name="ci"))
        k2 = uow.api_keys.add(ApiKey(None, alice.id, "bbbb2222", "h2", NOW))
        uow.api_keys.add(ApiKey(None, bob.id, "aaaa1111", "h3", NOW))
        uow.commit()
    with uow_factory(write=True) as uow:
        assert [k.id for k in uow.api_keys.of_account(alice.id)] == [k1, k2]
        assert sorted(k.key_hash for k in uow.api_keys.by_prefix("aaaa1111")) == ["h1", "h3"]
        assert not uow.api_keys.revoke(bob.id, k1, NOW)   # not bob's key
        assert uow.api_keys.revoke(alice.id, k1, NOW)
        assert not uow.api_keys.revoke(alice.id, k1, NOW)  # already revoked
        uow.commit()
    with uow_factory() as uow:
        assert [k.key_hash for k in uow.api_keys.by_prefix("aaaa1111")] == ["h3"]
        [revoked, live] = uow.api_keys.of_account(alice.id)
        assert (revoked.name, revoked.revoked_at, live.revoked_at) == ("ci", NOW, None)


def test_tasks_are_leased_one_worker_at_a_time_and_keep_their_errors(uow_factory):
    from service.app.results import ItemResult
    alice = add_account(uow_factory)
    later = NOW + timedelta(minutes=5)
    with uow_factory(write=True) as uow:
        first = uow.tasks.add(alice.id, "import_contacts", '{"n": 1}', 10, NOW)
        second = uow.tasks.add(alice.id, "start_mailing", '{"n": 2}', 5, NOW)
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.tasks.get(alice.id + 1000, first) is None      # another account's task
        claimed = uow.tasks.claim("w1", NOW, later)
        assert (claimed.id, claimed.kind, claimed.payload) == (first, "import_contacts", '{"n": 1}')
        assert uow.tasks.claim("w2", NOW, later).id == second     # the first one is leased
        assert uow.tasks.claim("w3", NOW, later) is None
        assert uow.tasks.save(first, "w1", '{"at": 4}', 4, later)
        assert not uow.tasks.save(first, "w2", '{"at": 9}', 9, later)  # not w2's lease
        uow.tasks.add_errors(first, [ItemResult(0, 1, None, "bad phone", "phone"),
                                     ItemResult(3, 12, None, None, None)])
        uow.commit()
    with uow_factory(write=True) as uow:
        taken = uow.tasks.claim("w4", later + timedelta(seconds=1), later + timedelta(minutes=5))
        assert (taken.id, taken.checkpoint, taken.processed) == (first, '{"at": 4}', 4)
        assert not uow.tasks.save(first, "w1", '{"at": 5}', 5, later)  # the lease moved on
        errors = uow.tasks.errors(first, 1, 10)
        assert errors.total == 2 and errors.items == [ItemResult(3, 12, None, None, None)]
        uow.tasks.finish(first, "done", 98, "some failed", later)
        uow.commit()
    with uow_factory(write=True) as uow:
        done = uow.tasks.get(alice.id, first)
        assert (done.state, done.result_code, done.message, done.finished_at) == (
            "done", 98, "some failed", later)
        uow.tasks.clear_errors(first)
        assert uow.tasks.errors(first, 0, 10).total == 0
