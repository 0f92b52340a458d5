"""Use case: the account reads its inbound messages (the pull doors: native SOAP ``GetInbox``,
HTTP ``Inbox/List``, smsc's ``get_answers``).

Reading is a query like the history: the caller is admitted by the one credential check with
the QUERY rate class, and nothing is marked read, so any number of readers can poll (each keeps
the last id it saw and asks for what came after it).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from ...domain.clock import Clock
from ...domain.errors import ValidationError
from ...domain.inbound import InboundMessage
from ...domain.values import INT64_MAX, parse_int, utc_time
from ..access.auth import Authenticator, Credentials
from ..access.rate_limits import Operation
from ..results import Page, paging
from ..uow import UnitOfWorkFactory
from .inbox_ports import InboxFilter

MAX_ANSWER_HOURS = 168        # smsc: at most 7 days back
DEFAULT_ANSWER_HOURS = MAX_ANSWER_HOURS
MAX_ANSWERS = 10_000          # smsc: cnt at most 10,000
DEFAULT_ANSWERS = 1_000
MAX_NUMBER_DIGITS = 20        # inbound_numbers.number: E.164 (15 digits) or a short code

_SEPARATORS = re.compile(r"[\s\-().]")


def number_forms(raw: str, field: str) -> tuple[str, ...]:
    """The forms one of our numbers may be stored in: with and without ``+``
    (``+79991234567`` and ``79991234567``; a short code ``4242`` and ``+4242``). Spaces, dashes,
    dots and brackets are ignored; anything else than 1..20 ASCII digits is refused."""
    text = _SEPARATORS.sub("", raw)
    digits = text[1:] if text.startswith("+") else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > MAX_NUMBER_DIGITS:
        raise ValidationError(f"{field} must be a number: digits, optionally after '+'",
                              field=field)
    return digits, "+" + digits


def _int(value: int | str | None, field: str, low: int, high: int) -> int | None:
    """A client's optional integer in [low, high]; empty text is absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_int(value, field, low=low, high=high)


class InboxService:
    """The account's inbound messages (replies, keywords, opt-outs), as every pull door shows
    them: ordered by id, each with its sender, our number it reached, text, time received,
    the outbound message it answers and that message's mailing."""

    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator,
                 clock: Clock) -> None:
        self._uow = uow_factory
        self._auth = auth
        self._clock = clock

    def inbox(self, credentials: Credentials, *, since: datetime | None = None,
              after_id: int | str | None = None, to: str | None = None,
              page: int | None = None, page_size: int | None = None) -> Page[InboundMessage]:
        """One page of the account's inbound messages, oldest first, and how many match:
        received at or after ``since``, with an id above ``after_id`` (0 or more), sent to our
        number ``to`` (with or without ``+``). ``page`` starts at 1; ``page_size`` 1..1000,
        default 100. Raises ValidationError/ConstraintViolation for bad arguments before
        anything is read."""
        offset, limit = paging(page, page_size)
        flt = InboxFilter(since=utc_time(since, "since") if since is not None else None,
                          after_id=_int(after_id, "afterId", 0, INT64_MAX),
                          numbers=number_forms(to, "to") if to and to.strip() else ())
        with self._uow() as uow:
            account = self._auth.admit(uow, credentials, Operation.QUERY)
            return uow.inbox.page(account.stored_id, flt, offset, limit)

    def answers(self, credentials: Credentials, *, hour: int | str | None = None,
                after_id: int | str | None = None, to_phone: str | None = None,
                cnt: int | str | None = None) -> list[InboundMessage]:
        """smsc's ``get_answers``: the account's inbound messages of the last ``hour`` hours
        (1..168, default 168), with an id above ``after_id``, sent to ``to_phone``, at most
        ``cnt`` (1..10000, default 1000), oldest first, so that polling with the last id seen
        as ``after_id`` misses nothing. Raises ValidationError/ConstraintViolation for bad
        arguments before anything is read."""
        hours = _int(hour, "hour", 1, MAX_ANSWER_HOURS) or DEFAULT_ANSWER_HOURS
        limit = _int(cnt, "cnt", 1, MAX_ANSWERS) or DEFAULT_ANSWERS
        flt = InboxFilter(since=self._clock.now() - timedelta(hours=hours),
                          after_id=_int(after_id, "after_id", 0, INT64_MAX),
                          numbers=number_forms(to_phone, "to_phone")
                          if to_phone and to_phone.strip() else ())
        with self._uow() as uow:
            account = self._auth.admit(uow, credentials, Operation.QUERY)
            return uow.inbox.answers(account.stored_id, flt, limit)


__all__ = ["InboxService", "number_forms", "MAX_ANSWER_HOURS", "MAX_ANSWERS"]
