"""Retention rules (seed 000) and the archive (seed 001), pure and with fakes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from service.app.retention.retention import RetentionPolicy, RetentionService
from service.domain.account import AccountSettings
from service.domain.encoding import Encoding
from service.domain.errors import ConstraintViolation
from service.domain.message import Message
from service.domain.retention import (archive_cutoff, effective_days, is_archivable,
                                      is_purgeable, purge_cutoff, validate_retention_days)
from service.domain.status import MessageStatus as S
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, make_account

DAY = timedelta(days=1)


def test_an_account_setting_wins_over_the_gateway_default():
    assert effective_days(3, 30) == 3
    assert effective_days(0, 30) == 0
    assert effective_days(None, 30) == 30
    assert effective_days(None, None) is None


def test_retention_zero_purges_what_is_final_and_notified_at_once():
    now = FixedClock().now()
    assert purge_cutoff(now, 0) == now
    assert is_purgeable(S.DELIVERED, now, 0, now, notification_pending=False)
    assert not is_purgeable(S.DELIVERED, now, 0, now, notification_pending=True)
    assert not is_purgeable(S.SUBMITTED, None, 0, now, notification_pending=False)
    assert not is_purgeable(S.QUEUED, None, 0, now, notification_pending=False)


def test_retention_n_counts_from_when_the_message_became_final():
    clock = FixedClock()
    finished = clock.now()
    clock.advance(days=2, seconds=-1)
    assert not is_purgeable(S.EXPIRED, finished, 2, clock.now(), False)
    clock.advance(seconds=1)
    assert is_purgeable(S.EXPIRED, finished, 2, clock.now(), False)
    assert not is_purgeable(S.EXPIRED, finished, None, clock.now() + 10000 * DAY, False)


def test_the_archive_takes_final_messages_whose_notifications_are_settled():
    clock = FixedClock()
    finished = clock.now()
    clock.advance(hours=24)
    assert archive_cutoff(clock.now(), 24) == finished
    assert is_archivable(S.BANNED, finished, 24, clock.now(), notification_open=False)
    assert not is_archivable(S.BANNED, finished, 25, clock.now(), notification_open=False)
    assert not is_archivable(S.BANNED, finished, 24, clock.now(), notification_open=True)
    assert not is_archivable(S.SUBMITTED, finished, 24, clock.now(), notification_open=False)


@pytest.mark.parametrize("days", [-1, 36501, -36500])
def test_retention_outside_0_to_36500_days_is_refused(days):
    with pytest.raises(ConstraintViolation, match="0..36500"):
        validate_retention_days(days)


def test_retention_in_range_or_default_is_kept():
    assert validate_retention_days(None) is None
    assert validate_retention_days(0) == 0
    assert validate_retention_days(36500) == 36500


class Fixture:
    def __init__(self, default_days=None, **policy):
        self.clock = FixedClock()
        self.uow = FakeUnitOfWorkFactory()
        self.service = RetentionService(self.uow, self.clock, RetentionPolicy(
            default_days=default_days, **policy))

    def account(self, login, days):
        with self.uow(write=True) as uow:
            account = make_account(login)
            account.settings = AccountSettings(retention_days=days)
            account_id = uow.accounts.add(account).stored_id
            uow.commit()
        return account_id

    def final(self, account_id, status=S.DELIVERED, pending=False):
        now = self.clock.now()
        m = Message(None, account_id, "+79990000000", "x", None, Encoding.GSM7, 1,
                    Decimal("1"), status, now, now, now + DAY)
        with self.uow(write=True) as uow:
            [mid] = uow.messages.add_many([m])
            if status.final:
                uow._work.retention.finished_at[mid] = now
            uow._work.retention.callbacks[mid] = ["pending"] if pending else ["delivered"]
            uow.commit()
        return mid

    def exists(self, mid):
        return mid in self.uow.store.messages

    def archived(self, mid):
        return mid in self.uow.store.retention.archived


def test_purge_immediate_touches_only_retention_zero_accounts():
    f = Fixture(default_days=5)
    zero, keep = f.account("zero", 0), f.account("keep", None)
    a, b = f.final(zero), f.final(keep)
    waiting = f.final(zero, pending=True)
    sending = f.final(zero, status=S.SUBMITTED)
    assert f.service.purge_immediate() == 1
    assert not f.exists(a) and f.exists(b) and f.exists(waiting) and f.exists(sending)


def test_the_gateway_default_zero_applies_to_accounts_without_their_own():
    f = Fixture(default_days=0)
    mid = f.final(f.account("plain", None))
    assert f.service.purge_immediate() == 1 and not f.exists(mid)


def test_run_purges_by_days_archives_by_hours_and_keeps_forever_by_default():
    f = Fixture(default_days=None, archive_after_hours=24)
    two, forever = f.account("two", 2), f.account("forever", None)
    short, kept = f.final(two), f.final(forever)
    f.clock.advance(hours=24)
    report = f.service.run()
    assert report.archived == 2 and report.purged == 0
    assert f.archived(short) and f.archived(kept)
    f.clock.advance(days=1)
    assert f.service.run().purged == 1
    assert not f.exists(short) and f.exists(kept)
    f.clock.advance(days=10000)
    assert f.service.run().purged == 0 and f.exists(kept)


def test_run_works_in_batches_until_one_comes_back_short():
    f = Fixture(default_days=0, batch_size=2, max_batches=10)
    account = f.account("zero", None)
    ids = [f.final(account) for _ in range(5)]
    assert f.service.run().purged == 5
    assert not any(f.exists(i) for i in ids)


def test_run_drops_counters_before_the_previous_minute_and_expired_idempotency_keys():
    f = Fixture(idempotency_hours=24)
    account = f.account("alice", None)
    minute = int(f.clock.now().timestamp() // 60)
    with f.uow(write=True) as uow:
        uow.counters.hit(account, "now", minute)
        uow.counters.hit(account, "before", minute - 1)
        uow.counters.hit(account, "old", minute - 2)
        uow.send_requests.claim(account, "old", f.clock.now() - timedelta(hours=25),
                                f.clock.now() - timedelta(hours=49))
        uow.send_requests.claim(account, "fresh", f.clock.now(), f.clock.now() - DAY)
        uow.commit()
    report = f.service.run()
    assert report.counters == 1 and report.send_requests == 1
    assert {k[1] for k in f.uow.store.counters} == {"now", "before"}
    assert set(f.uow.store.send_requests) == {(account, "fresh")}


def test_the_gateway_default_is_read_and_checked_once_at_start():
    from service.config import ConfigError, Settings
    assert Settings.from_env({}).retention_days is None
    assert Settings.from_env({"SMSGW_RETENTION_DAYS": "0"}).retention_days == 0
    assert Settings.from_env({"SMSGW_ARCHIVE_AFTER_HOURS": "48"}).archive_after_hours == 48
    for env, message in (({"SMSGW_RETENTION_DAYS": "-1"}, "0..36500"),
                         ({"SMSGW_RETENTION_DAYS": "36501"}, "0..36500"),
                         ({"SMSGW_ARCHIVE_AFTER_HOURS": "-1"}, "must not be negative"),
                         ({"SMSGW_RETENTION_BATCH": "0"}, "at least 1")):
        with pytest.raises(ConfigError, match=message):
            Settings.from_env(env)


@pytest.mark.parametrize("value, message", [("-1", "cannot be negative"),
                                            ("36501", "0..36500"),
                                            ("٣", "whole number")])
def test_the_cli_refuses_a_retention_outside_0_to_36500_days(value, message, capsys):
    from service.cli import parser
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args(["account", "set", "alice", "--retention-days", value])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_with_the_fake_delivery_store_retention_zero_waits_for_the_final_notification():
    from service.app.delivery.ports import Transition
    f = Fixture()
    account = f.account("zero", 0)
    now = f.clock.now()
    m = Message(None, account, "+79990000000", "x", None, Encoding.GSM7, 1, Decimal("1"),
                S.SUBMITTED, now, now, now + DAY)
    with f.uow(write=True) as uow:
        [mid] = uow.messages.add_many([m])
        uow.delivery.apply([Transition(mid, S.DELIVERED, callback=("http://x.test/cb", "{}"))],
                           now)
        uow.commit()
    assert f.service.purge_immediate() == 0 and f.exists(mid)   # its notification is pending
    with f.uow(write=True) as uow:
        [job] = uow.delivery.claim_callbacks(now, now + DAY, 10)
        uow.delivery.callbacks_settled([job.id], [], now)
        uow.commit()
    assert f.service.purge_immediate() == 1 and not f.exists(mid)
    assert not f.uow.store.callbacks
