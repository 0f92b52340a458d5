"""Reassembly of concatenated inbound messages: any order, duplicates, the timeout, and
numbering that can never complete a message."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from service.domain.inbound import InboundPart
from service.domain.message import ConcatPart
from service.domain.reassembly import StoredPart, reassemble, storable, storable_part

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
BEFORE = T0 - timedelta(seconds=300)   # the cutoff when nothing waited long


def part(i, text, ref=7, total=3, seq=1, source="+79990001122", destination="4444",
         connector="smpp", at=T0):
    concat = None if total is None else ConcatPart(ref, total, seq)
    return StoredPart(i, connector, InboundPart(source, destination, text, at, concat))


def pieces(n):
    return [f"<{k}>" for k in range(1, n + 1)]


@given(st.integers(2, 12).flatmap(lambda n: st.permutations(list(range(1, n + 1))).map(
    lambda order: (n, order))), st.lists(st.integers(0, 11), max_size=5))
def test_parts_in_any_order_with_duplicates_join_once_in_sequence_order(n_order, dupes):
    n, order = n_order
    texts = pieces(n)
    arrivals = list(order) + [order[d % n] for d in dupes]
    parts = [part(i, texts[seq - 1], total=n, seq=seq, at=T0 + timedelta(seconds=i))
             for i, seq in enumerate(arrivals, start=1)]
    result = reassemble(parts, BEFORE)
    assert len(result.messages) == 1 and result.waiting == []
    joined = result.messages[0]
    assert joined.text == "".join(texts)
    assert (joined.parts, joined.complete) == (n, True)
    assert sorted(result.consumed) == list(range(1, len(arrivals) + 1))
    assert joined.received_at == parts[n - 1].part.received_at  # its last new part


@given(st.integers(2, 10).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.integers(1, n), min_size=1, max_size=n - 1, unique=True))))
def test_a_group_missing_parts_waits_then_goes_incomplete_with_what_it_has(n_seqs):
    n, seqs = n_seqs
    parts = [part(i, f"<{s}>", total=n, seq=s) for i, s in enumerate(seqs, start=1)]
    waiting = reassemble(parts, BEFORE)
    assert waiting.messages == [] and waiting.waiting == list(range(1, len(seqs) + 1))
    late = reassemble(parts, T0 + timedelta(microseconds=1))
    [joined] = late.messages
    assert (joined.parts, joined.complete) == (len(seqs), False)
    assert joined.text == "".join(f"<{s}>" for s in sorted(seqs))
    assert late.waiting == []


def test_a_duplicate_keeps_the_part_received_first():
    result = reassemble([part(1, "a", total=2, seq=1), part(2, "X", total=2, seq=1),
                         part(3, "b", total=2, seq=2)], BEFORE)
    assert result.messages[0].text == "ab" and result.messages[0].part_ids == (1, 2, 3)


def test_groups_are_told_apart_by_connector_source_destination_reference_and_total():
    parts = [part(1, "a", seq=1, total=2), part(2, "b", seq=2, total=2, ref=8),
             part(3, "c", seq=2, total=2, source="+79990002233"),
             part(4, "d", seq=2, total=2, destination="5555"),
             part(5, "e", seq=2, total=2, connector="other"),
             part(6, "f", seq=2, total=3)]
    result = reassemble(parts, BEFORE)
    assert result.messages == [] and result.waiting == [1, 2, 3, 4, 5, 6]


def test_several_messages_come_out_in_the_order_their_first_part_arrived():
    parts = [part(1, "x1", ref=1, total=2, seq=1), part(2, "solo", total=None),
             part(3, "y2", ref=2, total=2, seq=2), part(4, "y1", ref=2, total=2, seq=1),
             part(5, "x2", ref=1, total=2, seq=2)]
    assert [m.text for m in reassemble(parts, BEFORE).messages] == ["x1x2", "solo", "y1y2"]


def test_a_single_message_and_part_1_of_1_are_complete_messages():
    result = reassemble([part(1, "hi", total=None), part(2, "one", total=1, seq=1)], BEFORE)
    assert [(m.text, m.parts, m.complete) for m in result.messages] == [
        ("hi", 1, True), ("one", 1, True)]


@pytest.mark.parametrize("total, seq", [(0, 0), (0, 1), (3, 0), (3, 4), (1, 2), (256, 1),
                                        (300, 300)])
def test_numbering_that_can_never_complete_is_kept_alone_at_once_as_incomplete(total, seq):
    result = reassemble([part(1, "odd", total=total, seq=seq),
                         part(2, "a", total=3, seq=1)], BEFORE)
    assert [(m.text, m.parts, m.complete) for m in result.messages] == [("odd", 1, False)]
    assert result.waiting == [2]


def test_255_parts_join_when_all_are_there():
    parts = [part(i, chr(0x400 + i), total=255, seq=i) for i in range(255, 0, -1)]
    [joined] = reassemble(parts, BEFORE).messages
    assert (joined.parts, joined.complete, len(joined.text)) == (255, True, 255)


def test_empty_texts_join_as_an_empty_message():
    result = reassemble([part(1, "", total=None), part(2, "", total=2, seq=2),
                         part(3, "", total=2, seq=1)], BEFORE)
    assert [(m.text, m.parts, m.complete) for m in result.messages] == [("", 1, True),
                                                                       ("", 2, True)]


@pytest.mark.parametrize("text, kept", [
    ("Привет 😀", "Привет 😀"),
    ("a\x00b", "a\ufffdb"),
    ("x\ud83dy", "x\ufffdy"),                # half a pair
    ("\ud83d\ude00", "😀"),                  # both halves: the character
    ("\ude00\ud83d", "\ufffd\ufffd"),        # halves in the wrong order
])
def test_texts_are_made_storable(text, kept):
    assert storable(text) == kept


@given(st.text())
def test_storable_text_always_encodes_and_keeps_what_was_storable(text):
    kept = storable(text)
    kept.encode("utf-8")
    assert "\x00" not in kept
    if "\x00" not in text and all(not 0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert kept == text


def test_a_part_is_made_storable_field_by_field():
    dirty = InboundPart("+7999\x00", "4444", "hi\ud800", T0, None, "id\x00")
    assert storable_part(dirty) == InboundPart("+7999\ufffd", "4444", "hi\ufffd", T0, None,
                                               "id\ufffd")
    clean = InboundPart("+7999", "4444", "hi", T0)
    assert storable_part(clean) is clean
