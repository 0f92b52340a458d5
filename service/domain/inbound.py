"""Inbound messages (MO): what a carrier hands over, and what the gateway keeps.

A carrier delivers an ``InboundPart``: a whole short message, or one part of a concatenated
one (``concat``: the sender's reference, the part count and this part's number, read from the
UDH or the SAR TLVs). The gateway stores parts before it acknowledges them, joins the parts of
one message, decides which account it belongs to (the number it was sent to, or a keyword on
a shared number), links it to the account's latest outbound message to the sender, and keeps
it as an ``InboundMessage``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from .message import ConcatPart


@dataclass(frozen=True)
class InboundPart:
    """One short message as a carrier delivered it. ``source``: the handset's address as the
    carrier wrote it; ``destination``: our number (a long number or a short code);
    ``concat``: set when it is one part of a longer message; ``carrier_id``: the carrier's own
    id for it, when it gave one."""

    source: str
    destination: str
    text: str
    received_at: datetime
    concat: ConcatPart | None = None
    carrier_id: str | None = None


def fold_word(word: str) -> str:
    """A word as keywords are compared: punctuation and symbols around it stripped, case-folded
    (Latin and Cyrillic alike): ``"Stop!"`` and ``"«СТОП»"`` are ``"stop"`` and ``"стоп"``."""
    start, end = 0, len(word)
    while start < end and unicodedata.category(word[start])[0] in "PSZC":
        start += 1
    while end > start and unicodedata.category(word[end - 1])[0] in "PSZC":
        end -= 1
    return word[start:end].casefold()


def split_first_word(text: str) -> tuple[str, str]:
    """The text's first word, folded, and the rest of the text as it was (stripped)."""
    words = text.strip().split(None, 1)
    if not words:
        return "", ""
    return fold_word(words[0]), words[1].strip() if len(words) > 1 else ""


class KeywordAction(Enum):
    """What an inbound message asked of the account it reached (opt-out keywords)."""

    STOP = "stop"
    START = "start"
    HELP = "help"


@dataclass(frozen=True)
class InboundMessage:
    """An inbound message as stored: joined from ``parts`` parts (``complete`` False: some
    parts never arrived before the reassembly timeout). ``account_id`` None: no number or
    keyword matched (the operator's inbox). ``reply_to_message_id``/``mailing_id``: the
    account's latest outbound message to ``source`` and its mailing. ``action``: the opt-out
    keyword it carried, if any."""

    id: int
    account_id: int | None
    source: str
    destination: str
    text: str
    received_at: datetime
    parts: int = 1
    complete: bool = True
    reply_to_message_id: int | None = None
    mailing_id: int | None = None
    action: KeywordAction | None = None
    connector: str | None = None
