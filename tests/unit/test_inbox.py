"""Reading the inbox with fakes: the caller is admitted like every query (wrong password,
QUERY rate limit), arguments are checked before anything is read (page and pageSize as every
paged operation, hour 1..168, cnt 1..10000, ids 0 or more, our number as digits with or
without '+'), and smsc's window counts back ``hour`` hours from the clock."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.app.access.auth import Authenticator, Credentials
from service.app.access.rate_limits import RateLimiter, RatePolicy
from service.app.accounts.accounts import AccountService
from service.app.inbound.inbox import InboxService, number_forms
from service.domain.errors import (AuthenticationFailed, ConstraintViolation, RateLimited,
                                   ValidationError)
from tests.fakes import FakeUnitOfWorkFactory, FixedClock
from tests.inbound_rows import inbound, store_inbound

ALICE = Credentials("alice", "pw", "10.0.0.1")


def make_world(rate: int = 0):
    uow, clock = FakeUnitOfWorkFactory(), FixedClock()
    auth = Authenticator(limiter=RateLimiter(uow, clock, RatePolicy(query=rate)))
    alice = AccountService(uow, auth, clock=clock).create("alice", "pw", Decimal("1"))
    now = clock.now()
    ids = [store_inbound(uow, inbound(alice.id, text=f"m{n}", received_at=now - timedelta(
        hours=hours))) for n, hours in enumerate((200, 100, 2, 0))]
    return dict(inbox=InboxService(uow, auth, clock), clock=clock, ids=ids, uow=uow)


@pytest.fixture
def world():
    return make_world()


def test_a_wrong_password_reads_nothing(world):
    with pytest.raises(AuthenticationFailed):
        world["inbox"].inbox(Credentials("alice", "nope", "10.0.0.1"))
    with pytest.raises(AuthenticationFailed):
        world["inbox"].answers(Credentials("alice", "nope", "10.0.0.1"))


def test_reads_count_against_the_query_rate():
    world = make_world(rate=5)
    for _ in range(3):
        world["inbox"].inbox(ALICE)
    for _ in range(2):
        world["inbox"].answers(ALICE)
    with pytest.raises(RateLimited):
        world["inbox"].inbox(ALICE)


def test_the_inbox_is_paged_oldest_first(world):
    page = world["inbox"].inbox(ALICE, page=2, page_size=3)
    assert (page.total, [m.text for m in page.items]) == (4, ["m3"])
    assert [m.text for m in world["inbox"].inbox(ALICE, after_id=world["ids"][1]).items] == [
        "m2", "m3"]
    assert [m.text for m in world["inbox"].inbox(
        ALICE, since=world["clock"].now() - timedelta(hours=3)).items] == ["m2", "m3"]


@pytest.mark.parametrize(("kwargs", "field"), [
    (dict(page=0), "page"), (dict(page_size=0), "pageSize"), (dict(page_size=1001), "pageSize"),
    (dict(page=2 ** 62), "page"), (dict(after_id=-1), "afterId"),
    (dict(after_id="abc"), "afterId"), (dict(after_id=2 ** 63), "afterId"),
    (dict(to="+7999abc"), "to"), (dict(to="1" * 21), "to")])
def test_bad_inbox_arguments_are_refused_before_reading(kwargs, field):
    world = make_world(rate=100)  # an admitted request commits its rate count
    before = world["uow"].commits
    world["inbox"].inbox(ALICE)
    assert world["uow"].commits > before
    commits = world["uow"].commits
    with pytest.raises(ValidationError) as caught:
        world["inbox"].inbox(ALICE, **kwargs)
    assert caught.value.field == field
    assert world["uow"].commits == commits  # not even the rate counter moved


def test_answers_count_hour_hours_back_and_default_to_seven_days(world):
    assert [m.text for m in world["inbox"].answers(ALICE, hour="3")] == ["m2", "m3"]
    assert [m.text for m in world["inbox"].answers(ALICE)] == ["m1", "m2", "m3"]
    assert [m.text for m in world["inbox"].answers(ALICE, hour=168, cnt="2")] == ["m1", "m2"]
    after = world["inbox"].answers(ALICE, after_id=str(world["ids"][2]), to_phone="79990000001")
    assert [m.text for m in after] == ["m3"]
    assert world["inbox"].answers(ALICE, to_phone="+4242") == []
    assert [m.text for m in world["inbox"].answers(ALICE, hour="", cnt="", after_id="")] == [
        "m1", "m2", "m3"]  # empty parameters are absent, as smsc clients send them


@pytest.mark.parametrize(("kwargs", "field", "error"), [
    (dict(hour="0"), "hour", ConstraintViolation), (dict(hour="169"), "hour", ConstraintViolation),
    (dict(hour="abc"), "hour", ValidationError), (dict(hour="1.5"), "hour", ValidationError),
    (dict(cnt="0"), "cnt", ConstraintViolation), (dict(cnt="10001"), "cnt", ConstraintViolation),
    (dict(cnt="²"), "cnt", ValidationError), (dict(after_id="-1"), "after_id", ConstraintViolation),
    (dict(after_id="9" * 30), "after_id", ConstraintViolation),
    (dict(to_phone="phone"), "to_phone", ValidationError)])
def test_bad_answers_arguments_are_refused(world, kwargs, field, error):
    with pytest.raises(error) as caught:
        world["inbox"].answers(ALICE, **kwargs)
    assert caught.value.field == field


def test_the_limits_themselves_are_accepted(world):
    assert world["inbox"].answers(ALICE, hour=1, cnt=10_000, after_id=0) == [
        m for m in world["inbox"].answers(ALICE, hour=1)]
    assert world["inbox"].inbox(ALICE, page_size=1000, after_id=0).total == 4


@given(st.text(alphabet="0123456789", min_size=1, max_size=20), st.booleans(),
       st.sampled_from(["", " ", "-", "(", ")", "."]))
def test_a_number_has_two_forms_whatever_separators_it_is_written_with(digits, plus, sep):
    written = ("+" if plus else "") + sep.join(digits)
    assert number_forms(written, "to") == (digits, "+" + digits)


@given(st.text(min_size=1, max_size=30))
def test_number_forms_accept_only_ascii_digits(raw):
    try:
        digits, plus = number_forms(raw, "to")
    except ValidationError as exc:
        assert exc.field == "to"
    else:
        assert digits.isascii() and digits.isdigit() and plus == "+" + digits
        assert len(digits) <= 20
