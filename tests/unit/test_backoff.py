"""The one backoff rule that every retry in smsgw waits by."""

from hypothesis import given
from hypothesis import strategies as st

from service.domain.backoff import backoff


def test_backoff_doubles_and_is_capped():
    assert [backoff(n, 2.0, 300.0) for n in (1, 2, 3)] == [2, 4, 8]
    assert backoff(50, 2.0, 300.0) == 300
    assert [backoff(n, 0.5, 3.0) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]


def test_attempts_before_the_first_retry_wait_the_first_delay():
    assert backoff(0, 0.5, 3.0) == backoff(-4, 0.5, 3.0) == 0.5


def test_a_huge_attempt_count_is_the_cap_and_ints_stay_ints():
    assert backoff(10 ** 9, 60, 86400) == 86400 and isinstance(backoff(10 ** 9, 60, 86400), int)
    assert backoff(10 ** 9, 0.1, 10.0) == 10.0


def test_a_first_delay_of_zero_never_grows():
    assert backoff(10 ** 6, 0, 30) == 0


@given(st.integers(1, 300), st.floats(1e-6, 1e6), st.floats(1e-6, 1e9))
def test_it_is_the_first_delay_doubled_per_attempt_and_capped(attempt, first, cap):
    assert backoff(attempt, first, cap) == min(cap, first * 2 ** (attempt - 1))
