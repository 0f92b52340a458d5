"""One contract for the delivery store (app/delivery/ports.py DeliveryStore), run against the
in-memory fake and the SQL stores (SQLite and PostgreSQL): leases, submits, retries, status
changes with their refunds and notifications, the receipt inbox and the callback outbox."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from service.app.delivery.carrier import Receipt
from service.app.delivery.ports import NewCallback, PartMatch, Transition
from service.domain.account import AccountSettings
from service.domain.status import MessageStatus as S
from tests.integration.contract import NOW, add_account, message, uow_factory  # noqa: F401

LATER = NOW + timedelta(minutes=1)
HOOK = "https://hooks.example/cb"


def later(seconds: float):
    return NOW + timedelta(seconds=seconds)


def add_messages(uow_factory, account_id, count=1, **fields):
    fields.setdefault("scheduled_at", None)
    with uow_factory(write=True) as uow:
        ids = uow.messages.add_many([message(account_id, f"+7999000000{i}", **fields)
                                     for i in range(count)])
        uow.commit()
    return ids


def run(uow_factory, action):
    """``action(store)`` in one committed write unit; its answer."""
    with uow_factory(write=True) as uow:
        answer = action(uow.delivery)
        uow.commit()
    return answer


# -- dispatch -------------------------------------------------------------------------------

def test_due_messages_are_leased_in_id_order_up_to_the_limit(uow_factory):
    alice = add_account(uow_factory, settings=AccountSettings(callback_url=HOOK,
                                                              simulator_rules="delay=1"))
    paused = add_account(uow_factory, "bob", paused=True)
    ids = add_messages(uow_factory, alice.id, 3)
    future = add_messages(uow_factory, alice.id, scheduled_at=later(3600),
                          status=S.SCHEDULED)
    due_now = add_messages(uow_factory, alice.id, scheduled_at=NOW, status=S.SCHEDULED)
    add_messages(uow_factory, paused.id)
    add_messages(uow_factory, alice.id, status=S.DELIVERED)
    first = run(uow_factory, lambda d: d.claim_due("w1", NOW, later(30), 2))
    rest = run(uow_factory, lambda d: d.claim_due("w2", NOW, later(30), 10))
    assert [c.id for c in first] == ids[:2]
    assert [c.id for c in rest] == [ids[2], *due_now]           # the first two are leased
    c = first[0]
    assert (c.account_id, c.recipient, c.sender, c.text, c.cost, c.attempts, c.client_ref,
            c.callback_url, c.simulator_rules) == (
        alice.id, "+79990000000", "ACME", "Привет €", Decimal("1.25"), 0, "ref-1", HOOK,
        "delay=1")
    assert run(uow_factory, lambda d: d.claim_due("w3", later(29), later(60), 10)) == []
    # a lease that ended, a scheduled time that came: claimed again
    again = run(uow_factory, lambda d: d.claim_due("w3", later(3600), later(3630), 10))
    assert [c.id for c in again] == [*ids, *future, *due_now]


def test_only_the_lease_holder_puts_messages_in_flight_or_releases_them(uow_factory):
    alice = add_account(uow_factory)
    a, b, c = add_messages(uow_factory, alice.id, 3)
    run(uow_factory, lambda d: d.claim_due("w1", NOW, later(30), 10))
    assert run(uow_factory, lambda d: d.mark_in_flight([c, b, a], "w2", later(60))) == []
    assert run(uow_factory, lambda d: d.mark_in_flight([b, a], "w1", later(60))) == [a, b]
    run(uow_factory, lambda d: d.release([a, b, c], "w2"))        # not w2's: kept
    assert run(uow_factory, lambda d: d.claim_due("w3", later(1), later(30), 10)) == []
    run(uow_factory, lambda d: d.release([a, b, c], "w1"))        # in flight ones stay leased
    assert [x.id for x in run(uow_factory, lambda d: d.claim_due("w3", later(1), later(30),
                                                                 10))] == [c]
    states = run(uow_factory, lambda d: d.states([a, c]))
    assert (states[a].submit_state, states[c].submit_state) == ("inflight", None)


def test_a_client_split_part_is_claimed_with_its_numbering(uow_factory):
    from service.domain.message import ConcatPart
    alice = add_account(uow_factory)
    [part] = add_messages(uow_factory, alice.id, concat=ConcatPart(0x1234, 3, 2))
    [plain] = add_messages(uow_factory, alice.id)
    claimed = run(uow_factory, lambda d: d.claim_due("w1", NOW, later(30), 10))
    assert [(c.id, c.concat) for c in claimed] == [(part, ConcatPart(0x1234, 3, 2)),
                                                   (plain, None)]


def test_withdraw_takes_only_the_accounts_unsent_messages_and_beats_a_lease(uow_factory):
    alice, bob = add_account(uow_factory), add_account(uow_factory, "bob")
    queued, leased, flying, stopped, held = add_messages(uow_factory, alice.id, 5)
    [scheduled] = add_messages(uow_factory, alice.id, scheduled_at=later(3600),
                               status=S.SCHEDULED)
    [final] = add_messages(uow_factory, alice.id, status=S.DELIVERED)
    with uow_factory(write=True) as uow:
        uow.delivery.claim_due("w1", NOW, later(30), 10)
        uow.delivery.release([queued, stopped, held], "w1")
        assert uow.delivery.mark_in_flight([flying], "w1", later(30)) == [flying]
        uow.commit()
    with uow_factory(write=True) as uow:  # a paused mailing's message, and a held one
        uow.delivery.apply([Transition(stopped, S.STOPPED)], NOW)
        uow.commit()
    with uow_factory(write=True) as uow:
        uow.messages.insert_bulk([message(alice.id, "+79990000009", scheduled_at=None)],
                                 held=True)
        uow.commit()
    [held_bulk] = [m for m in run(uow_factory, lambda d: d.states(range(1, 100))).values()
                   if m.submit_state == "held"]
    taken = run(uow_factory, lambda d: {i: d.withdraw(alice.id, i, LATER) for i in (
        queued, leased, flying, stopped, scheduled, final, held_bulk.id)})
    assert taken == {queued: True, leased: True, flying: False, stopped: True,
                     scheduled: True, final: False, held_bulk.id: False}
    assert run(uow_factory, lambda d: d.withdraw(bob.id, held, LATER)) is False  # not bob's
    assert run(uow_factory, lambda d: d.withdraw(alice.id, 10_000, LATER)) is False
    # the worker that leased ``leased`` finds its lease gone and never hands it over
    assert run(uow_factory, lambda d: d.mark_in_flight([leased], "w1", later(30))) == []


def test_submitted_parts_are_found_by_normalised_carrier_id_newest_first(uow_factory):
    alice = add_account(uow_factory, settings=AccountSettings(callback_url=HOOK))
    a, b, c = add_messages(uow_factory, alice.id, 3)
    run(uow_factory, lambda d: d.claim_due("w", NOW, later(30), 10))
    run(uow_factory, lambda d: d.record_submitted("smpp", [(a, ["00AB", "0cd"]), (b, ["ab"])],
                                                  NOW))
    run(uow_factory, lambda d: d.record_parts("sim", [(c, [None, "Ab"])]))
    found = run(uow_factory, lambda d: d.find_parts("smpp", ["ab", "cd", "ef"]))
    assert found == {"ab": PartMatch(b, 1, "ab"), "cd": PartMatch(a, 2, "cd")}
    assert run(uow_factory, lambda d: d.find_parts("sim", ["ab"])) == {"ab": PartMatch(c, 2, "ab")}
    states = run(uow_factory, lambda d: d.states([a, b, c, 10 ** 9]))
    assert sorted(states) == [a, b, c]
    assert (states[a].submit_state, states[a].parts, states[c].parts) == ("done", [None, None],
                                                                          [None])
    assert (states[a].recipient, states[a].callback_url, states[a].status,
            states[a].account_id) == ("+79990000000", HOOK, S.QUEUED, alice.id)
    # submitted messages are no longer anyone's to claim; parts alone (an unknown outcome)
    # do not make a message submitted
    assert [x.id for x in run(uow_factory, lambda d: d.claim_due("w", later(60), later(90),
                                                                 10))] == [c]


def test_part_outcomes_keep_the_first_receipt_of_each_part(uow_factory):
    alice = add_account(uow_factory)
    [a] = add_messages(uow_factory, alice.id)
    run(uow_factory, lambda d: d.record_submitted("smpp", [(a, ["1", "2"])], NOW))
    one, two = PartMatch(a, 1, "1"), PartMatch(a, 2, "2")
    run(uow_factory, lambda d: d.record_part_outcomes([(one, S.DELIVERED, "DELIVRD", None, NOW)]))
    run(uow_factory, lambda d: d.record_part_outcomes([(one, S.UNDELIVERABLE, "UNDELIV", "005",
                                                        NOW), (two, S.EXPIRED, "EXPIRED", "",
                                                               NOW)]))
    run(uow_factory, lambda d: d.record_part_outcomes([]))
    assert run(uow_factory, lambda d: d.states([a]))[a].parts == [S.DELIVERED, S.EXPIRED]


def test_a_retry_waits_counts_the_attempt_and_keeps_the_reason(uow_factory):
    alice = add_account(uow_factory)
    a, b = add_messages(uow_factory, alice.id, 2)
    run(uow_factory, lambda d: d.claim_due("w", NOW, later(30), 10))
    run(uow_factory, lambda d: d.mark_in_flight([a], "w", later(30)))
    run(uow_factory, lambda d: d.schedule_retry([(a, "x" * 600, later(100))]))
    run(uow_factory, lambda d: d.schedule_retry([]))
    run(uow_factory, lambda d: d.release([b], "w"))
    assert [c.id for c in run(uow_factory, lambda d: d.claim_due("w", later(99), later(130),
                                                                 10))] == [b]
    [retried] = run(uow_factory, lambda d: d.claim_due("w", later(100), later(130), 10))
    assert (retried.id, retried.attempts) == (a, 1)
    with uow_factory() as uow:
        assert uow.messages.get_many(alice.id, [a])[a].error_message == "x" * 500


def test_messages_whose_worker_died_in_flight_are_taken_over_once(uow_factory):
    alice = add_account(uow_factory)
    a, b, c = add_messages(uow_factory, alice.id, 3)
    run(uow_factory, lambda d: d.claim_due("w", NOW, later(30), 10))
    run(uow_factory, lambda d: d.mark_in_flight([a, b], "w", later(30)))
    run(uow_factory, lambda d: d.mark_in_flight([c], "w", later(90)))
    assert run(uow_factory, lambda d: d.take_over_stale(later(30), 10)) == []
    assert run(uow_factory, lambda d: d.take_over_stale(later(31), 1)) == [a]
    assert run(uow_factory, lambda d: d.take_over_stale(later(31), 10)) == [b]
    assert run(uow_factory, lambda d: d.take_over_stale(later(31), 10)) == []
    assert run(uow_factory, lambda d: d.states([a]))[a].submit_state == "unknown"


# -- state changes --------------------------------------------------------------------------

def test_a_final_status_is_never_overwritten_nor_refunded_nor_notified_twice(uow_factory):
    alice = add_account(uow_factory, balance="10")
    a, b = add_messages(uow_factory, alice.id, 2, cost="1.5")
    run(uow_factory, lambda d: d.apply([
        Transition(a, S.SUBMITTED, callback=(HOOK, '{"n": 1}')),
        Transition(b, S.REJECTED, error_code=88, error_message="r" * 600, dlr_stat="REJECTD",
                   refund=True, callback=(HOOK, '{"n": 2}'))], NOW))
    run(uow_factory, lambda d: d.apply([
        Transition(a, S.DELIVERED, dlr_stat="DELIVRD", refund=False, callback=(HOOK, '{"n": 3}')),
        Transition(b, S.EXPIRED, error_code=1, refund=True, callback=(HOOK, '{"n": 4}'))], LATER))
    run(uow_factory, lambda d: d.apply([], LATER))
    with uow_factory() as uow:
        got = uow.messages.get_many(alice.id, [a, b])
        assert uow.accounts.balance(alice.id) == Decimal("11.5")      # b refunded once
    assert (got[a].status, got[a].updated_at) == (S.DELIVERED, LATER)
    assert (got[b].status, got[b].error_code, got[b].error_message) == (S.REJECTED, 88, "r" * 500)
    jobs = run(uow_factory, lambda d: d.claim_callbacks(LATER, later(120), 10))
    assert [(j.message_id, j.payload) for j in jobs] == [(a, '{"n": 1}'), (b, '{"n": 2}')]


def test_a_transition_without_an_error_keeps_the_earlier_one(uow_factory):
    alice = add_account(uow_factory)
    [a] = add_messages(uow_factory, alice.id)
    run(uow_factory, lambda d: d.apply([Transition(a, S.SUBMITTED, error_code=5,
                                                   error_message="slow")], NOW))
    run(uow_factory, lambda d: d.apply([Transition(a, S.PARTIALLY_DELIVERED)], LATER))
    with uow_factory() as uow:
        m = uow.messages.get_many(alice.id, [a])[a]
    assert (m.status, m.error_code, m.error_message) == (S.PARTIALLY_DELIVERED, 5, "slow")


def test_overdue_messages_are_the_unfinished_ones_whose_validity_ended(uow_factory):
    alice = add_account(uow_factory)
    end = NOW + timedelta(days=1)
    queued, sent, done, leased = add_messages(uow_factory, alice.id, 4)
    [stopped] = add_messages(uow_factory, alice.id, status=S.STOPPED)
    [fresh] = add_messages(uow_factory, alice.id, valid_until=end + timedelta(days=1))
    run(uow_factory, lambda d: d.claim_due("w", NOW, later(30), 10))
    run(uow_factory, lambda d: d.record_submitted("smpp", [(sent, ["s"])], NOW))
    run(uow_factory, lambda d: d.apply([Transition(sent, S.SUBMITTED),
                                        Transition(done, S.DELIVERED)], NOW))
    run(uow_factory, lambda d: d.release([queued], "w"))
    run(uow_factory, lambda d: d.claim_due("w", end, end + timedelta(minutes=5), 10))  # leased
    run(uow_factory, lambda d: d.release([queued], "w"))
    assert run(uow_factory, lambda d: d.overdue(end, 10)) == []
    after = end + timedelta(seconds=1)
    assert run(uow_factory, lambda d: d.overdue(after, 10)) == [queued, sent, stopped]
    assert run(uow_factory, lambda d: d.overdue(end + timedelta(minutes=6), 10)) == [
        queued, sent, leased, stopped]
    assert run(uow_factory, lambda d: d.overdue(after, 1)) == [queued]
    assert fresh not in run(uow_factory, lambda d: d.overdue(end + timedelta(hours=1), 10))


# -- receipts -------------------------------------------------------------------------------

def test_receipts_wait_in_the_inbox_until_matched_looked_at_again_or_orphaned(uow_factory):
    run(uow_factory, lambda d: d.add_receipts("smpp", [
        Receipt("c1", "DELIVRD", "000", NOW), Receipt("c2", "UNDELIV", "", None),
        Receipt("c3", "EXPIRED", None, NOW)], NOW))
    run(uow_factory, lambda d: d.add_receipts("sim", [Receipt("x" * 80, "DELIVRD", "0", NOW)],
                                              LATER))
    assert run(uow_factory, lambda d: d.due_receipts(NOW - timedelta(seconds=1), 10)) == []
    first = run(uow_factory, lambda d: d.due_receipts(NOW, 2))
    assert [(r.connector, r.carrier_id, r.stat, r.error, r.done_at, r.received_at, r.attempts)
            for r in first] == [("smpp", "c1", "DELIVRD", "000", NOW, NOW, 0),
                                ("smpp", "c2", "UNDELIV", None, None, NOW, 0)]
    everything = run(uow_factory, lambda d: d.due_receipts(LATER, 10))
    assert [r.carrier_id for r in everything] == ["c1", "c2", "c3", "x" * 64]
    c1, c2, c3, sim = (r.id for r in everything)
    run(uow_factory, lambda d: d.settle_receipts([c1], [(c2, later(300)), (c3, None)]))
    assert [r.id for r in run(uow_factory, lambda d: d.due_receipts(later(299), 10))] == [sim]
    again = run(uow_factory, lambda d: d.due_receipts(later(300), 10))
    assert [(r.id, r.attempts) for r in again] == [(c2, 1), (sim, 0)]
    assert [r.id for r in run(uow_factory, lambda d: d.due_receipts(
        NOW + timedelta(days=3650), 10))] == [c2, sim]          # the orphan is never due


# -- callbacks ------------------------------------------------------------------------------

def notify(uow_factory, pairs, when=NOW):
    """Queue one notification per (message id, payload), through a status change each."""
    for message_id, payload in pairs:
        run(uow_factory, lambda d: d.apply([Transition(message_id, S.SUBMITTED,
                                                       callback=(HOOK, payload))], when))


def test_callbacks_go_one_at_a_time_per_message_oldest_first(uow_factory):
    alice = add_account(uow_factory, settings=AccountSettings(callback_url=HOOK,
                                                              callback_secret="s3"))
    a, b = add_messages(uow_factory, alice.id, 2)
    notify(uow_factory, [(a, "a1"), (a, "a2"), (b, "b1")])
    jobs = run(uow_factory, lambda d: d.claim_callbacks(NOW, later(30), 10))
    assert [(j.message_id, j.payload, j.attempts) for j in jobs] == [(a, "a1", 0), (b, "b1", 0)]
    assert (jobs[0].url, jobs[0].secret, jobs[0].trusted, jobs[0].account_id,
            jobs[0].created_at) == (HOOK, "s3", True, alice.id, NOW)
    assert run(uow_factory, lambda d: d.claim_callbacks(later(29), later(60), 10)) == []
    a1, b1 = (j.id for j in jobs)
    run(uow_factory, lambda d: d.callbacks_settled([a1], [(b1, "HTTP 500", later(60))],
                                                   later(10)))
    [a2] = run(uow_factory, lambda d: d.claim_callbacks(later(10), later(40), 10))
    assert a2.payload == "a2"                                  # a1 is delivered: a2's turn
    [leased_again, retried] = run(uow_factory, lambda d: d.claim_callbacks(later(60),
                                                                           later(90), 10))
    assert (retried.id, retried.attempts, retried.last_error) == (b1, 1, "HTTP 500")
    assert leased_again.id == a2.id                            # its lease ran out at 40 s
    assert run(uow_factory, lambda d: d.callback_states([a1, b1, a2.id, 10 ** 9])) == {
        a1: "delivered", b1: "pending", a2.id: "pending"}


def test_dead_callbacks_are_listed_and_replayed_to_the_current_url(uow_factory):
    alice = add_account(uow_factory, settings=AccountSettings(callback_url=HOOK))
    bob = add_account(uow_factory, "bob", settings=AccountSettings(callback_url=HOOK,
                                                                    callback_url_trusted=False))
    [a] = add_messages(uow_factory, alice.id)
    [b] = add_messages(uow_factory, bob.id)
    notify(uow_factory, [(a, "a1"), (b, "b1")])
    jobs = run(uow_factory, lambda d: d.claim_callbacks(NOW, later(30), 10))
    assert [j.trusted for j in jobs] == [True, False]        # bob's URL was set by a client
    run(uow_factory, lambda d: d.callbacks_settled([], [(j.id, "e" * 600, None) for j in jobs],
                                                   LATER))
    dead = run(uow_factory, lambda d: d.dead_callbacks(10))
    assert [(j.id, j.attempts, j.last_error) for j in dead] == [
        (j.id, 1, "e" * 500) for j in jobs]
    assert [j.id for j in run(uow_factory, lambda d: d.dead_callbacks(1))] == [jobs[0].id]
    assert run(uow_factory, lambda d: d.claim_callbacks(later(3600), later(3630), 10)) == []
    with uow_factory(write=True) as uow:                       # alice's URL moves; bob drops his
        for account, url in ((alice, "https://new.example/cb"), (bob, None)):
            account.settings = AccountSettings(callback_url=url)
            uow.accounts.update(account)
        uow.commit()
    replay = run(uow_factory, lambda d: d.replay_callbacks(None, later(100)))
    assert (replay.queued, replay.no_url) == ([jobs[0].id], [jobs[1].id])
    [again] = run(uow_factory, lambda d: d.claim_callbacks(later(100), later(130), 10))
    assert (again.id, again.url, again.attempts, again.created_at, again.trusted) == (
        jobs[0].id, "https://new.example/cb", 0, later(100), True)
    assert run(uow_factory, lambda d: d.replay_callbacks([jobs[0].id], later(200))) == (
        run(uow_factory, lambda d: d.replay_callbacks([], later(200))))


def test_inbound_events_share_the_outbox_and_wait_for_no_message(uow_factory):
    alice = add_account(uow_factory, settings=AccountSettings(callback_url=HOOK,
                                                              callback_secret="s3"))
    [a] = add_messages(uow_factory, alice.id)
    notify(uow_factory, [(a, "a1"), (a, "a2")])
    run(uow_factory, lambda d: d.queue_callbacks([
        NewCallback(alice.id, HOOK, "in7", inbound_id=7),
        NewCallback(alice.id, HOOK, "in8", inbound_id=8)], NOW))
    jobs = run(uow_factory, lambda d: d.claim_callbacks(NOW, later(30), 10))
    # a1 holds a2 back (same message); the inbound events are each their own line
    assert [(j.message_id, j.inbound_id, j.payload, j.subject) for j in jobs] == [
        (a, None, "a1", f"message {a}"), (None, 7, "in7", "inbound 7"),
        (None, 8, "in8", "inbound 8")]
    assert (jobs[1].url, jobs[1].secret, jobs[1].trusted, jobs[1].account_id,
            jobs[1].created_at, jobs[1].attempts) == (HOOK, "s3", True, alice.id, NOW, 0)
    in7, in8 = jobs[1].id, jobs[2].id
    run(uow_factory, lambda d: d.callbacks_settled(
        [in8], [(jobs[0].id, "HTTP 500", later(60)), (in7, "HTTP 503", None)], later(10)))
    assert run(uow_factory, lambda d: d.callback_states([in7, in8])) == {
        in7: "dead", in8: "delivered"}
    [dead] = run(uow_factory, lambda d: d.dead_callbacks(10))
    assert (dead.id, dead.inbound_id, dead.message_id, dead.last_error, dead.attempts) == (
        in7, 7, None, "HTTP 503", 1)
    replay = run(uow_factory, lambda d: d.replay_callbacks([in7], later(20)))
    assert (replay.queued, replay.no_url) == ([in7], [])
    [again] = run(uow_factory, lambda d: d.claim_callbacks(later(20), later(50), 10))
    assert (again.id, again.inbound_id, again.payload, again.attempts) == (in7, 7, "in7", 0)


def test_queued_callbacks_keep_their_order_and_need_a_commit(uow_factory):
    alice = add_account(uow_factory, settings=AccountSettings(callback_url=HOOK))
    with uow_factory(write=True) as uow:
        uow.delivery.queue_callbacks([NewCallback(alice.id, HOOK, "x", inbound_id=1)], NOW)
        uow.rollback()
    assert run(uow_factory, lambda d: d.claim_callbacks(LATER, later(90), 10)) == []
    run(uow_factory, lambda d: d.queue_callbacks(
        [NewCallback(alice.id, HOOK, str(i), inbound_id=i) for i in (3, 1, 2)], NOW))
    run(uow_factory, lambda d: d.queue_callbacks([], NOW))
    jobs = run(uow_factory, lambda d: d.claim_callbacks(NOW, later(30), 2))
    assert [j.inbound_id for j in jobs] == [3, 1]
    assert jobs[0].id < jobs[1].id


def test_nothing_a_delivery_unit_did_is_kept_without_commit(uow_factory):
    alice = add_account(uow_factory, balance="10")
    [a] = add_messages(uow_factory, alice.id)
    with uow_factory(write=True) as uow:
        assert [c.id for c in uow.delivery.claim_due("w", NOW, later(30), 10)] == [a]
        uow.delivery.apply([Transition(a, S.REJECTED, refund=True, callback=(HOOK, "p"))], NOW)
        uow.delivery.add_receipts("smpp", [Receipt("c1", "DELIVRD", None, NOW)], NOW)
        uow.rollback()
    with uow_factory(write=True) as uow:
        assert uow.delivery.due_receipts(LATER, 10) == []
        assert uow.delivery.claim_callbacks(LATER, later(90), 10) == []
        assert uow.accounts.balance(alice.id) == Decimal("10")
        assert [c.id for c in uow.delivery.claim_due("w2", NOW, later(30), 10)] == [a]
