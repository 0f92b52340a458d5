"""Opt-out keywords acted on: STOP lists the sender on the account's blacklist, START takes it
off, HELP only answers; each may send the account's configured reply.

``InboundService.process`` calls ``KeywordResponder.respond`` inside the transaction that
stores the messages, so an opt-out is recorded exactly when its message is.

Which text is matched (docs/inbound.md, COMMON rules): the whole text of a message; on a
shared number whose first word is one of the account's routing keywords, the text after it.
An action needs exactly one action word (``domain/keywords.py``).

Decisions:

- STOP adds the sender with source ``inbound`` and a reason naming the word and the number; a
  number the account had listed already keeps its entry (source, reason and time).
- START removes the number WHATEVER its source: the subscriber's own latest word is the
  consent that counts, even over a listing by the account (which can list it again).
- Replies are ORDINARY outbound messages of the account, made with the steps of a send:
  priced by its tariff, screened by its sending limits, stored QUEUED for the workers,
  debited (``pay``: its balance, or a parent-mode sub-client's parent within its caps; ledger
  reason ``send``, actor ``inbound``). They go out from the number the message arrived on:
  the operator assigned that number to the account, so the sender registry is not asked.
- The STOP confirmation is sent although the number is now blacklisted (the one message
  allowed after an opt-out); START and HELP replies respect the blacklist.
- A reply that cannot be sent (no funds, a cap, a blocked account, an invalid sender, a
  limit, a text too long) is logged and skipped; it runs in a savepoint, so it leaves no
  trace (no message, no ledger entry, no counter). Storing the inbound message never fails
  for it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Sequence

from ...domain.account import Account
from ...domain.clock import Clock
from ...domain.contacts import OptOutSource
from ...domain.encoding import analyse
from ...domain.errors import SmsgwError
from ...domain.inbound import InboundMessage, KeywordAction, split_first_word
from ...domain.inbound_numbers import number_forms
from ...domain.keywords import KeywordSettings, action_for, opt_out_reason
from ...domain.message import Message
from ...domain.phones import Recipient, normalise
from ...domain.sender import validate_sender
from ..accounts.ledger import Ledger
from ..errors import SaveConflict
from ..limits.limits import screen as screen_limits
from ..pricing.tariffs import TariffResolver
from ..sending.policy import SendingPolicy
from ..sending.steps import ban_blacklisted, check_text, new_message, pay
from ..uow import UnitOfWork
from .settings import effective

log = logging.getLogger(__name__)

REPLY_ACTOR = "inbound"  # the ledger's actor of auto-replies


class ReplyRefused(Exception):
    """An auto-reply that cannot go out, and why (logged; the reply is skipped)."""


class KeywordResponder:
    """Acts on the opt-out keywords of routed inbound messages (see the module's decisions)."""

    def __init__(self, defaults: KeywordSettings, policy: SendingPolicy, clock: Clock,
                 pricing: TariffResolver | None = None) -> None:
        self._defaults = defaults
        self._policy = policy
        self._pricing = pricing or TariffResolver(policy.tariff)
        self._ledger = Ledger(clock)

    def respond(self, uow: UnitOfWork, drafts: Sequence[InboundMessage],
                now: datetime) -> list[InboundMessage]:
        """Called by process() inside its transaction with routed, threaded messages not stored
        yet (id=0, account_id set). Acts on STOP/START/HELP (blacklist with source inbound and
        a reason; the configured confirmation or HELP text sent as ordinary outbound messages:
        priced, debited, sent from the number the MO arrived on; a reply that cannot be sent is
        logged, never blocks storing). Returns the drafts with ``action`` set, same order
        (None: no action; unmatched messages are returned as they came)."""
        settings: dict[int, KeywordSettings] = {}
        out = []
        for draft in drafts:
            if draft.account_id is None:
                out.append(draft)
                continue
            if draft.account_id not in settings:
                settings[draft.account_id] = effective(uow, self._defaults, draft.account_id)
            found = self._action(uow, draft, settings[draft.account_id])
            if found is not None:
                action, word = found
                self._act(uow, draft, draft.account_id, action, word,
                          settings[draft.account_id], now)
            out.append(replace(draft, action=found[0] if found else None))
        return out

    # -- which action ------------------------------------------------------------------------

    @staticmethod
    def _action(uow: UnitOfWork, draft: InboundMessage, settings: KeywordSettings,
                ) -> tuple[KeywordAction, str] | None:
        """The action and the word that asked for it: the whole text, or on a shared number
        the text after the account's routing keyword."""
        action = action_for(draft.text, settings)
        if action is not None:
            return action, draft.text.strip()
        first, rest = split_first_word(draft.text)
        action = action_for(rest, settings) if rest else None
        if action is None or draft.account_id is None:
            return None  # the common case: no store lookup
        if uow.inbound.keyword_owner(number_forms(draft.destination), first) != draft.account_id:
            return None  # the first word is no keyword of this account on this number
        return action, rest

    # -- acting on it ------------------------------------------------------------------------

    def _act(self, uow: UnitOfWork, draft: InboundMessage, account_id: int,
             action: KeywordAction, word: str, settings: KeywordSettings,
             now: datetime) -> None:
        phone = normalise(draft.source, self._policy.default_region).e164
        if phone is None:
            log.warning("inbound %s to %s: the sender %r is no phone number; nothing to list "
                        "or answer", action.name, draft.destination, draft.source)
            return
        if action is KeywordAction.STOP:
            uow.blacklist.add(account_id, [phone], now, source=OptOutSource.INBOUND,
                              reason=opt_out_reason(word, draft.destination))
        elif action is KeywordAction.START:
            uow.blacklist.remove(account_id, [phone])
        text = settings.reply(action)
        if not text:
            return
        try:
            with uow.savepoint():
                self._reply(uow, account_id, phone, draft.destination, text, action, now)
        except SaveConflict:
            raise  # the whole transaction lost a race: process() runs again
        except (ReplyRefused, SmsgwError) as exc:
            log.warning("inbound %s from %s to %s (account %s): the reply was not sent: %s",
                        action.name, phone, draft.destination, account_id, exc)

    def _reply(self, uow: UnitOfWork, account_id: int, phone: str, number: str, text: str,
               action: KeywordAction, now: datetime) -> Message:
        """Store and pay for one reply, as a send would; raises ReplyRefused or the send's
        own errors (the caller's savepoint then undoes everything this did)."""
        account = self._account(uow, account_id)
        sender = validate_sender(number)
        check_text(text, self._policy.max_text_length)
        info = analyse(text)
        cost = self._pricing.for_account(uow, account).cost(phone, info.segments)
        message = new_message(account_id, Recipient(phone, phone), text, sender, info.encoding,
                              info.segments, cost, now, None,
                              now + timedelta(minutes=self._policy.default_validity_minutes))
        if action is not KeywordAction.STOP:  # the STOP confirmation goes to a listed number
            ban_blacklisted(uow, account_id, [message])
        screen_limits(uow, self._policy.limits, account_id, [message], now)
        if message.status.final:
            raise ReplyRefused(message.error_message or message.status.canonical_name)
        uow.messages.add_many([message])
        pay(uow, self._ledger, account_id, [message], now, account.currency, REPLY_ACTOR,
            f"auto-reply to {action.name} from {phone}")
        return message

    @staticmethod
    def _account(uow: UnitOfWork, account_id: int) -> Account:
        account = uow.accounts.get(account_id)
        if account is None:
            raise ReplyRefused(f"no account {account_id}")
        if account.blocked:
            raise ReplyRefused(f"the account {account.login} is blocked")
        return account
