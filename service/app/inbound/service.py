"""Receiving inbound messages (MO): ``accept`` stores what a carrier delivered before it is
acknowledged; ``process`` (the worker, every loop) joins the parts, routes each message to an
account, threads it to the message it answers, lets the keyword responder act on it, stores
it and queues its pushes, all in one transaction.

Routing (``docs/inbound.md``): a number dedicated to an account takes everything sent to it.
On a shared number (one with keywords) the first word of the text picks the account; when the
first word is no keyword, the account whose latest message to the sender went out from that
number takes it; anything else is unmatched (``account_id`` None, the operator's inbox).

Threading: the account's latest outbound message to the sender (its E.164 address, as
``messages.recipient`` stores it) gives ``reply_to_message_id`` and ``mailing_id``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol, Sequence

from ...domain.clock import Clock
from ...domain.inbound import InboundMessage, InboundPart, split_first_word
from ...domain.inbound_numbers import display_number, number_forms
from ...domain.phones import normalise
from ...domain.reassembly import Joined, StoredPart, reassemble, storable_part
from ..uow import UnitOfWork, UnitOfWorkFactory
from .push import push_inbound

log = logging.getLogger(__name__)


class Responder(Protocol):
    """What acts on routed messages before they are stored (the opt-out keywords:
    ``app/inbound/keywords.py``'s ``KeywordResponder``)."""

    def respond(self, uow: UnitOfWork, drafts: Sequence[InboundMessage],
                now: datetime) -> list[InboundMessage]:
        """Act on these routed, threaded, unstored messages inside ``uow``; the drafts with
        ``action`` set, same order."""
        ...


class NoKeywords:
    """A responder that acts on nothing (the drafts come back unchanged)."""

    def respond(self, uow: UnitOfWork, drafts: Sequence[InboundMessage],
                now: datetime) -> list[InboundMessage]:
        """The drafts, unchanged."""
        return list(drafts)


@dataclass(frozen=True)
class InboundPolicy:
    """``reassembly_seconds``: how long the parts of a message wait for the rest
    (SMSGW_INBOUND_REASSEMBLY_SECONDS); ``default_region``: how a sender written without its
    country code is read (SMSGW_DEFAULT_REGION)."""

    reassembly_seconds: int = 300
    default_region: str = "RU"


def sender_address(source: str, default_region: str) -> str:
    """The sender as ``messages.recipient`` stores a phone: E.164 when the carrier's address
    is a valid number (with or without ``+``), else the address as written (trimmed)."""
    return normalise(source, default_region).address


class InboundService:
    """Accepts inbound parts from carriers and turns them into stored inbound messages."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, responder: Responder,
                 policy: InboundPolicy | None = None) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._responder = responder
        self._policy = policy or InboundPolicy()

    def accept(self, connector: str, parts: Sequence[InboundPart]) -> None:
        """Store these parts durably, all or none, in one short transaction. Raises when it
        could not (the caller then tells the carrier to resend: SMPP ESME_RX_T_APPN).
        Acknowledge only after it returned."""
        if not parts:
            return
        clean = [storable_part(p) for p in parts]
        with self._uow(write=True) as uow:
            uow.inbound.add_parts(connector, clean)
            uow.commit()

    def process(self, limit: int = 500) -> int:
        """Join, route, thread and store what was accepted (and what waited past the
        reassembly timeout, stored incomplete); calls the KeywordResponder and push_inbound in
        the same transaction. Returns how much it handled (0: idle). The worker calls it
        every loop.

        One unit of work processes at a time over every node, so two workers never split
        the parts of one message; a worker that finds another processing returns 0."""
        now = self._clock.now()
        cutoff = now - timedelta(seconds=self._policy.reassembly_seconds)
        with self._uow() as uow:
            if not uow.inbound.any_due(cutoff):
                return 0
        with self._uow(write=True) as uow:
            if not uow.inbound.lock_processing():
                return 0
            claimed = uow.inbound.claim_new(limit)
            held: dict[int, StoredPart] = {s.id: s for s in claimed}
            for stored in uow.inbound.waiting_before(cutoff, limit):
                held.setdefault(stored.id, stored)
            if not held:
                uow.inbound.forget_done(cutoff)
                uow.commit()
                return 0
            result = reassemble(held.values(), cutoff)
            stored_messages = self._store(uow, result.messages, now)
            uow.inbound.delete_parts(result.deleted)
            uow.inbound.finish(result.done)
            uow.inbound.hold(result.waiting)
            uow.inbound.forget_done(cutoff)
            uow.commit()
        # the parts used up, and those that wait (only when something new came in with them)
        handled = len(result.consumed) + len(result.waiting)
        if stored_messages:
            log.info("inbound: stored %d message(s) from %d part(s)", len(stored_messages),
                     len(result.consumed))
        return handled

    def _store(self, uow: UnitOfWork, joined: Sequence[Joined],
               now: datetime) -> list[InboundMessage]:
        routes = _Routes(uow)
        drafts = []
        for j in joined:
            sender = sender_address(j.source, self._policy.default_region)
            drafts.append(InboundMessage(
                id=0, account_id=routes.account(j.destination, j.text, sender), source=sender,
                destination=display_number(j.destination), text=j.text,
                received_at=j.received_at, parts=j.parts, complete=j.complete,
                connector=j.connector))
        drafts = _threaded(uow, drafts)
        routed = [i for i, d in enumerate(drafts) if d.account_id is not None]
        if routed:
            answered = self._responder.respond(uow, [drafts[i] for i in routed], now)
            if len(answered) != len(routed):
                raise RuntimeError("the keyword responder must answer every draft, in order")
            for i, message in zip(routed, answered):
                drafts[i] = message
        ids = uow.inbound.add_messages(drafts, now)
        stored = [replace(d, id=i) for d, i in zip(drafts, ids)]
        push_inbound(uow, stored, now)
        return stored


def _threaded(uow: UnitOfWork, drafts: list[InboundMessage]) -> list[InboundMessage]:
    """The drafts with ``reply_to_message_id`` and ``mailing_id`` of their account's latest
    outbound message to their sender (one lookup per account for the whole batch)."""
    senders: dict[int, set[str]] = {}
    for d in drafts:
        if d.account_id is not None:
            senders.setdefault(d.account_id, set()).add(d.source)
    latest = {account_id: uow.inbound.latest_outbound_to(account_id, sorted(phones))
              for account_id, phones in senders.items()}
    out = []
    for d in drafts:
        sent = latest[d.account_id].get(d.source) if d.account_id is not None else None
        out.append(d if sent is None else
                   replace(d, reply_to_message_id=sent.message_id, mailing_id=sent.mailing_id))
    return out


class _Routes:
    """Routing within one batch (the module's docstring), each number looked up once."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._owners: dict[tuple[str, ...], int | None] = {}
        self._tenants: dict[tuple[str, ...], list[int]] = {}
        self._keywords: dict[tuple[tuple[str, ...], str], int | None] = {}

    def account(self, destination: str, text: str, sender: str) -> int | None:
        """The account a message to ``destination`` from ``sender`` belongs to, or None."""
        forms = number_forms(destination)
        if not forms:
            return None
        inbound = self._uow.inbound
        if forms not in self._owners:
            self._owners[forms] = inbound.number_owner(forms)
        if self._owners[forms] is not None:
            return self._owners[forms]
        word, _ = split_first_word(text)
        if word:
            if (forms, word) not in self._keywords:
                self._keywords[(forms, word)] = inbound.keyword_owner(forms, word)
            if self._keywords[(forms, word)] is not None:
                return self._keywords[(forms, word)]
        if forms not in self._tenants:
            self._tenants[forms] = inbound.keyword_accounts(forms)
        if not self._tenants[forms]:
            return None
        latest = inbound.latest_outbound(self._tenants[forms], sender, senders=forms)
        return latest.account_id if latest is not None else None
