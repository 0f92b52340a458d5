"""Joining the parts of a concatenated inbound message (MO).

Parts belong together when they share (connector, source, destination, reference, total).
They may arrive in any order and more than once: a part number seen twice keeps the part
received first. A group whose parts 1..total are all there is joined at once, in part order.
Its parts are then kept as ``done`` until the timeout has passed since they arrived, so that
a part a carrier sends again after the message was stored (its acknowledgement was lost) is
dropped instead of starting a message of its own.
A group still waiting when its first part is older than the reassembly timeout is joined from
the parts it holds, ``complete`` False, ``parts`` the number held.

Bad numbering never completes a message, so such a part is kept alone at once, marked
incomplete (``parts`` 1): a total of 0 or above 255, a part number of 0 or above the total.
A total of 1 (part 1 of 1) is an ordinary single message. Empty texts join as empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Iterable, Sequence

from .inbound import InboundPart

MAX_PARTS = 255  # a UDH or SAR part count is one byte


@dataclass(frozen=True)
class StoredPart:
    """A part as the store holds it until its message is stored: ``id`` orders arrival.
    ``done``: its message is stored already (kept only to recognise a late duplicate)."""

    id: int
    connector: str
    part: InboundPart
    done: bool = False


@dataclass(frozen=True)
class Joined:
    """A message joined from parts (``part_ids``: every part it consumed, duplicates too).
    ``received_at``: when its last part held arrived."""

    connector: str
    source: str
    destination: str
    text: str
    received_at: datetime
    parts: int
    complete: bool
    part_ids: tuple[int, ...]


@dataclass(frozen=True)
class Reassembly:
    """What one pass over a set of parts decided: the messages to store (in arrival order of
    their first part), the ids of parts that wait for more, of parts of concatenated messages
    now stored (kept ``done`` for a while), and of parts to delete (single messages now
    stored, late duplicates of stored ones)."""

    messages: list[Joined]
    waiting: list[int]
    done: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)

    @property
    def consumed(self) -> list[int]:
        """Every part this pass used up: stored in a message, or dropped."""
        return sorted(self.done + self.deleted)


GroupKey = tuple[str, str, str, int, int]


def storable(text: str) -> str:
    """``text`` as every store can hold it: a NUL or a lone surrogate (half of a UTF-16 pair)
    becomes U+FFFD; two halves in a row become their character. A part that could not be stored would be refused with a temporary error
    and resent by the carrier for days."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # a pair written as two halves becomes its character; a half alone, U+FFFD
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def storable_part(part: InboundPart) -> InboundPart:
    """The part with every text field ``storable`` (the same part when nothing changes)."""
    fields = (part.source, part.destination, part.text, part.carrier_id or "")
    clean = tuple(storable(f) for f in fields)
    if clean == fields:
        return part
    return replace(part, source=clean[0], destination=clean[1], text=clean[2],
                   carrier_id=clean[3] if part.carrier_id is not None else None)


def well_numbered(held: InboundPart) -> bool:
    """True when a concatenated part's numbering can ever complete a message."""
    c = held.concat
    return c is None or (1 <= c.total <= MAX_PARTS and 1 <= c.sequence <= c.total)


def group_key(stored: StoredPart) -> GroupKey | None:
    """The group a part waits in, or None when it is a message on its own (no concat, a total
    of 1, or bad numbering)."""
    p = stored.part
    if p.concat is None or p.concat.total == 1 or not well_numbered(p):
        return None
    return (stored.connector, p.source, p.destination, p.concat.reference, p.concat.total)


def _join(parts: Sequence[StoredPart], complete: bool) -> Joined:
    first_of: dict[int, StoredPart] = {}
    for stored in sorted(parts, key=lambda s: s.id):
        seq = stored.part.concat.sequence if stored.part.concat else 1
        first_of.setdefault(seq, stored)
    kept = [first_of[seq] for seq in sorted(first_of)]
    head = kept[0].part
    return Joined(connector=kept[0].connector, source=head.source, destination=head.destination,
                  text="".join(s.part.text for s in kept),
                  received_at=max(s.part.received_at for s in kept), parts=len(kept),
                  complete=complete, part_ids=tuple(sorted(s.id for s in parts)))


def reassemble(parts: Iterable[StoredPart], cutoff: datetime) -> Reassembly:
    """Decide what to store of ``parts`` (whole groups: every part held of each group they
    belong to, ``done`` ones included) and what waits; a group whose first part arrived
    before ``cutoff`` waits no more."""
    groups: dict[GroupKey, list[StoredPart]] = {}
    out: list[tuple[int, Joined]] = []
    seen: set[int] = set()
    deleted: list[int] = []
    done: list[int] = []
    for stored in sorted(parts, key=lambda s: s.id):
        if stored.id in seen or (stored.done and group_key(stored) is None):
            continue
        seen.add(stored.id)
        key = group_key(stored)
        if key is None:
            p = stored.part
            complete = p.concat is None or p.concat.total == 1 and p.concat.sequence == 1
            out.append((stored.id, _join([stored], complete)))
            deleted.append(stored.id)
        else:
            groups.setdefault(key, []).append(stored)
    waiting: list[int] = []
    for key, members in groups.items():
        stored_seqs = {_seq(s) for s in members if s.done}
        live = [s for s in members if not s.done]
        late = [s for s in live if _seq(s) in stored_seqs]
        deleted.extend(s.id for s in late)
        live = [s for s in live if _seq(s) not in stored_seqs]
        if not live:
            continue
        first = min(live, key=lambda s: s.id)
        if len({_seq(s) for s in live}) == key[4]:
            out.append((first.id, _join(live, True)))
        elif min(s.part.received_at for s in live) < cutoff:
            out.append((first.id, _join(live, False)))
        else:
            waiting.extend(s.id for s in live)
            continue
        done.extend(s.id for s in live)
    out.sort(key=lambda pair: pair[0])
    return Reassembly(messages=[joined for _, joined in out], waiting=sorted(waiting),
                      done=sorted(done), deleted=sorted(deleted))


def _seq(stored: StoredPart) -> int:
    return stored.part.concat.sequence if stored.part.concat else 1
