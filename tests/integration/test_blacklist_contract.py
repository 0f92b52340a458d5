"""The BlacklistRepository port's contract (who listed a number, why and when; the listing),
run against the in-memory fake and both SQL stores."""

from __future__ import annotations

from datetime import timedelta

from service.domain.contacts import BlacklistEntry, OptOutSource
from tests.integration.contract import NOW, add_account, uow_factory  # noqa: F401

A, B, C = "+79990000001", "+79990000002", "+79990000003"
LATER = NOW + timedelta(hours=1)


def test_entries_keep_source_reason_and_time_and_the_first_listing_stays(uow_factory):
    alice = add_account(uow_factory).stored_id
    bob = add_account(uow_factory, "bob").stored_id
    with uow_factory(write=True) as uow:
        uow.blacklist.add(alice, [B, A, B], NOW)
        uow.blacklist.add(alice, [C, A], LATER, source=OptOutSource.INBOUND,
                          reason='replied "STOP" to 7744')
        uow.blacklist.add(bob, [A], NOW, source=OptOutSource.INBOUND, reason="x")
        uow.commit()
    with uow_factory() as uow:
        page = uow.blacklist.list(alice, 0, 10)
        assert page.total == 3
        assert page.items == [
            BlacklistEntry(A, OptOutSource.API, None, NOW),
            BlacklistEntry(B, OptOutSource.API, None, NOW),
            BlacklistEntry(C, OptOutSource.INBOUND, 'replied "STOP" to 7744', LATER)]
        assert uow.blacklist.entries(alice, [C, "+79990000009", C]) == {C: page.items[2]}
        assert uow.blacklist.contains(alice, [A, C, "+79990000009"]) == {A, C}
        assert uow.blacklist.list(alice, 1, 1).items == [page.items[1]]
        assert uow.blacklist.list(bob, 0, 10).items == [
            BlacklistEntry(A, OptOutSource.INBOUND, "x", NOW)]


def test_remove_takes_any_source_off_and_says_which_were_listed(uow_factory):
    alice = add_account(uow_factory).stored_id
    with uow_factory(write=True) as uow:
        uow.blacklist.add(alice, [A], NOW)
        uow.blacklist.add(alice, [B], NOW, source=OptOutSource.INBOUND, reason="r")
        assert uow.blacklist.remove(alice, [B, C, A]) == [A, B]
        uow.commit()
    with uow_factory() as uow:
        assert uow.blacklist.list(alice, 0, 10).total == 0
