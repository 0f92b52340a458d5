import pytest

from service.domain.lifecycle import aggregate, at_validity_end
from service.domain.status import MessageStatus as S
from service.domain.vocabularies import callback_names, status_from_receipt

D, E, U, R = S.DELIVERED, S.EXPIRED, S.UNDELIVERABLE, S.REJECTED


@pytest.mark.parametrize("parts,expected", [
    ([None], S.SUBMITTED), ([D], D), ([D, D, D], D), ([D, None, D], S.PARTIALLY_DELIVERED),
    ([None, None], S.SUBMITTED), ([D, U, None], U), ([None, R], R), ([E, D], E),
])
def test_parts_make_the_message_status(parts, expected):
    assert aggregate(parts) is expected


def test_validity_end_expires_or_takes_the_first_segments_status():
    assert at_validity_end(S.SUBMITTED, [None, None]) is E
    assert at_validity_end(S.PARTIALLY_DELIVERED, [D, None]) is D
    assert at_validity_end(S.PARTIALLY_DELIVERED, [None, D]) is E


@pytest.mark.parametrize("stat,status", [
    ("DELIVRD", D), ("delivrd", D), ("EXPIRED", E), ("DELETED", S.DELETED), ("UNDELIV", U),
    ("REJECTD", R), ("UNKNOWN", U), ("ACCEPTD", None), ("ENROUTE", None), ("BOGUS", None),
])
def test_receipt_words(stat, status):
    assert status_from_receipt(stat) is status


def test_notifications_use_seed_002_words_and_mark_unknown_outcomes():
    assert callback_names(D) == ("delivered", "DELIVRD", "000")
    assert callback_names(R) == ("carrier-reject", "REJECTD", "008")
    assert callback_names(E) == ("failed", "EXPIRED", "003")
    assert callback_names(S.SUBMITTED).status == "ACCEPTD"
    assert callback_names(U, outcome_unknown=True) == ("failed", "UNKNOWN", "007")
    assert callback_names(S.QUEUED) is None and callback_names(S.NO_FUNDS) is None
