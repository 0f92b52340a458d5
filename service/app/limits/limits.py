"""Use cases of sending limits: the screen every send and mailing passes, and the operator's
settings.

The screen runs inside the sending transaction, after the blacklist step:

1. the account's limits are its own over the gateway's defaults (one indexed read; nothing
   else happens when no limit applies);
2. numbers outside the allowed countries, repeats of a text to a number (duplicate) and too
   many messages to a number (flood) become BANNED (23), free, with the reason in
   ``error_code`` (12, as the blacklist) and ``error_message``;
3. the messages still accepted are counted against the day and month limits with a guarded
   update; a request that would pass either is refused whole (QuotaExceeded, code 30).

Steps 2 and 3 run under a per-account lock held to the end of the transaction
(``LimitStore.serialize``), so racing requests on any node see each other's messages and
counts: a limit is never exceeded, not even by one.

Mailings pass the same bans and, in addition, quiet hours (``screen_mailing``); their day and
month counts are taken when they start (``reserve_quota``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ...domain.clock import Clock
from ...domain.errors import QuotaExceeded
from ...domain.limits import (Limits, Sent, country_refusal, day_of, month_of, quiet_until,
                              repeat_refusals, text_digest, zones_of)
from ...domain.message import Message
from ...domain.status import MessageStatus
from ..operator import account_id_of
from ..uow import UnitOfWork, UnitOfWorkFactory

BANNED_ERROR = 12  # as the blacklist's: seed 004's "does not meet the established limitations"


def effective(uow: UnitOfWork, defaults: Limits, account_id: int) -> Limits:
    """The account's own limits over the gateway's ``defaults``."""
    own = uow.sending_limits.get(account_id)
    return own.over(defaults) if own is not None else defaults


def screen(uow: UnitOfWork, defaults: Limits, account_id: int, messages: list[Message],
           now: datetime) -> None:
    """A send's step: ban what the limits forbid, then count the rest against the day and
    month limits; raises QuotaExceeded (nothing is kept) when that would pass one."""
    limits = effective(uow, defaults, account_id)
    if not limits.active:
        return
    _ban(uow, limits, account_id, messages, now)
    _reserve(uow, limits, account_id, sum(1 for m in messages if not m.status.final), now)


def screen_mailing(uow: UnitOfWork, defaults: Limits, account_id: int,
                   messages: list[Message], now: datetime) -> None:
    """A mailing's messages: the same bans as a send, and quiet hours: a message due in its
    recipient's night is scheduled for the end of the night there (its validity moves with
    it)."""
    limits = effective(uow, defaults, account_id)
    if not limits.active:
        return
    _ban(uow, limits, account_id, messages, now)
    quiet = limits.quiet_hours
    if quiet is None or not quiet.on:
        return
    for m in messages:
        if m.status.final:
            continue
        due = m.scheduled_at or now
        later = quiet_until(due, quiet, zones_of(m.recipient))
        if later is not None:
            m.valid_until += later - due
            m.scheduled_at, m.status = later, MessageStatus.SCHEDULED


def reserve_quota(uow: UnitOfWork, defaults: Limits, account_id: int, count: int,
                  now: datetime) -> None:
    """Count ``count`` accepted messages (a mailing's, as it starts) against the day and month
    limits; raises QuotaExceeded when that would pass one."""
    limits = effective(uow, defaults, account_id)
    if limits.per_day or limits.per_month:
        uow.sending_limits.serialize(account_id)
        _reserve(uow, limits, account_id, count, now)


def _ban(uow: UnitOfWork, limits: Limits, account_id: int, messages: list[Message],
         now: datetime) -> None:
    for m in messages:
        if not m.status.final:
            reason = country_refusal(limits, m.recipient)
            if reason:
                _banned(m, reason)
    repeats = bool((limits.flood and limits.flood.on) or limits.duplicate_minutes)
    if repeats or limits.per_day or limits.per_month:
        uow.sending_limits.serialize(account_id)
    if not repeats:
        return
    live = [m for m in messages if not m.status.final]
    if not live:
        return
    minutes = max(limits.flood.minutes if limits.flood else 0, limits.duplicate_minutes or 0)
    since = now - timedelta(minutes=minutes)
    earlier = uow.sending_limits.recent(account_id, sorted({m.recipient for m in live}), since)
    digests = [text_digest(m.text) for m in live]
    reasons = repeat_refusals(limits, earlier, list(zip((m.recipient for m in live), digests)),
                              now)
    accepted = []
    for m, digest, reason in zip(live, digests, reasons):
        if reason:
            _banned(m, reason)
        else:
            accepted.append(Sent(m.recipient, digest, now))
    uow.sending_limits.remember(account_id, accepted, since)


def _banned(m: Message, reason: str) -> None:
    m.status, m.cost = MessageStatus.BANNED, Decimal("0")
    m.error_code, m.error_message = BANNED_ERROR, reason


def _reserve(uow: UnitOfWork, limits: Limits, account_id: int, count: int,
             now: datetime) -> None:
    if count <= 0:
        return
    for name, limit, period in (("day", limits.per_day, day_of(now)),
                                ("month", limits.per_month, month_of(now))):
        if limit and uow.sending_limits.reserve(account_id, period, count, limit) is None:
            raise QuotaExceeded(name, limit, uow.sending_limits.used(account_id, period),
                                retry_after=period.seconds_left(now))


@dataclass(frozen=True)
class LimitsView:
    """An account's limits: its own settings, the gateway's defaults, what applies, and
    today's and this month's counts."""

    login: str
    own: Limits
    defaults: Limits
    effective: Limits
    today: int
    this_month: int


class LimitSettings:
    """The operator's use cases (``smsgw account limits``); clients cannot change limits."""

    def __init__(self, uow_factory: UnitOfWorkFactory, defaults: Limits,
                 clock: Clock) -> None:
        self._uow = uow_factory
        self._defaults = defaults
        self._clock = clock

    def show(self, login: str) -> LimitsView:
        with self._uow() as uow:
            return self._view(uow, login)

    def change(self, login: str, **specs: str | None) -> LimitsView:
        """Apply specs (``--per-day 500``, ``--flood 5/10``, ``default``...); ValidationError
        names a bad one and nothing changes."""
        with self._uow(write=True) as uow:
            account_id = account_id_of(uow, login)
            own = (uow.sending_limits.get(account_id) or Limits()).changed(**specs)
            uow.sending_limits.put(account_id, own)
            view = self._view(uow, login)
            uow.commit()
        return view

    def _view(self, uow: UnitOfWork, login: str) -> LimitsView:
        account_id = account_id_of(uow, login)
        own = uow.sending_limits.get(account_id) or Limits()
        now = self._clock.now()
        return LimitsView(login, own, self._defaults, own.over(self._defaults),
                          uow.sending_limits.used(account_id, day_of(now)),
                          uow.sending_limits.used(account_id, month_of(now)))
