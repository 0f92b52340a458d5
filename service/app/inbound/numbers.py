"""The operator's inbound numbers and keywords (``smsgw number ...``, ``smsgw keyword ...``)
and the unmatched inbox (``smsgw inbound unmatched``).

A number is either dedicated to one account (everything sent to it is the account's) or
shared through keywords (the first word of the text picks the account); never both. Numbers
are stored in one form (``domain/inbound_numbers.py``): ``+`` and digits for long numbers,
digits for short codes.
"""

from __future__ import annotations

import builtins
from typing import Sequence

from ...domain.clock import Clock
from ...domain.errors import NotFound
from ...domain.inbound import InboundMessage
from ...domain.inbound_numbers import KeywordTaken, NumberTaken, inbound_number, keyword
from ..operator import account_id_of
from ..uow import UnitOfWork, UnitOfWorkFactory
from .ports import KeywordAssignment, NumberAssignment

MAX_UNMATCHED = 1000


class InboundNumbers:
    """Assign, list and release numbers and keywords; read the unmatched inbox."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def assign_number(self, raw_number: str, login: str) -> NumberAssignment:
        """Dedicate a number to the account ``login``. InvalidInboundNumber, NotFound (no
        such account), NumberTaken (dedicated already, or shared through keywords)."""
        number = inbound_number(raw_number)
        now = self._clock.now()
        with self._uow(write=True) as uow:
            account_id = account_id_of(uow, login)
            owner = _dedicated_to(uow, number)
            if owner is not None:
                raise NumberTaken(number, f"is already assigned to {owner}")
            if uow.inbound.keywords(number):
                raise NumberTaken(number, "is shared through keywords: release them first")
            uow.inbound.assign_number(number, account_id, now)
            uow.commit()
        return NumberAssignment(number, account_id, login, now)

    def list_numbers(self, login: str | None = None) -> builtins.list[NumberAssignment]:
        """Dedicated numbers, of every account or of ``login`` (NotFound when unknown)."""
        with self._uow() as uow:
            account_id = None if login is None else account_id_of(uow, login)
            return uow.inbound.numbers(account_id)

    def release_number(self, raw_number: str) -> None:
        """Take a dedicated number back (NotFound when it is not assigned)."""
        number = inbound_number(raw_number)
        with self._uow(write=True) as uow:
            if not uow.inbound.release_number(number):
                raise NotFound("number", number)
            uow.commit()

    def assign_keyword(self, raw_number: str, word: str, login: str) -> KeywordAssignment:
        """Route ``word`` on the shared number to the account ``login``. InvalidInboundNumber,
        the keyword's own errors (empty, too long, several words), NotFound (no such account),
        NumberTaken (the number is dedicated), KeywordTaken."""
        number = inbound_number(raw_number)
        folded = keyword(word)
        now = self._clock.now()
        with self._uow(write=True) as uow:
            account_id = account_id_of(uow, login)
            owner = _dedicated_to(uow, number)
            if owner is not None:
                raise NumberTaken(number, f"is dedicated to {owner}: it takes no keywords")
            for taken in uow.inbound.keywords(number):
                if taken.keyword == folded:
                    raise KeywordTaken(number, folded, taken.login)
            uow.inbound.assign_keyword(number, folded, account_id, now)
            uow.commit()
        return KeywordAssignment(number, folded, account_id, login, now)

    def list_keywords(self, raw_number: str | None = None) -> builtins.list[KeywordAssignment]:
        """Keywords, on every number or on one."""
        number = None if raw_number is None else inbound_number(raw_number)
        with self._uow() as uow:
            return uow.inbound.keywords(number)

    def release_keyword(self, raw_number: str, word: str) -> None:
        """Take a keyword back (NotFound when it is not assigned on that number)."""
        number, folded = inbound_number(raw_number), keyword(word)
        with self._uow(write=True) as uow:
            if not uow.inbound.release_keyword(number, folded):
                raise NotFound("keyword", f"{folded!r} on {number}")
            uow.commit()

    def unmatched(self, limit: int = 50) -> Sequence[InboundMessage]:
        """The latest inbound messages no number or keyword matched, newest first (at most
        ``MAX_UNMATCHED``)."""
        with self._uow() as uow:
            return uow.inbound.unmatched(max(0, min(limit, MAX_UNMATCHED)))


def _dedicated_to(uow: UnitOfWork, number: str) -> str | None:
    """The login of the account the number is dedicated to, or None."""
    account_id = uow.inbound.number_owner([number])
    if account_id is None:
        return None
    account = uow.accounts.get(account_id)
    return account.login if account is not None else str(account_id)
