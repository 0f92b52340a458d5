"""The money ledger: every change of a balance is one entry, and the balance is their sum.

An entry holds the signed amount, the balance after it, why (``Reason``), what it refers to
(``Reference``: a message, a mailing, a transfer...), who did it and when. Entries are only
ever added; a mistake is corrected by another entry (an adjustment), never by an edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Sequence


class Reason(str, Enum):
    """Why a balance changed. The values are stored and shown to clients."""

    OPENING_BALANCE = "opening_balance"   # the balance an account was created (or upgraded) with
    TOPUP = "topup"                        # the operator added money
    SEND = "send"                          # a send request, debited once for all its messages
    MAILING = "mailing"                    # a mailing, debited once when it starts
    REFUND = "refund"                      # one message that will not be sent (expired, rejected)
    MAILING_REFUND = "mailing_refund"      # one message of a mailing (cancelled, expired, ...)
    TRANSFER_OUT = "transfer_out"          # to another account (a sub-client, a parent)
    TRANSFER_IN = "transfer_in"            # from another account
    ADJUSTMENT = "adjustment"              # the operator corrected the balance, with a note


class RefKind(str, Enum):
    MESSAGE = "message"
    MAILING = "mailing"
    REQUEST = "request"
    TRANSFER = "transfer"


@dataclass(frozen=True)
class Reference:
    """What an entry is about, written ``kind:id`` (``message:42``, ``transfer:9f1c...``)."""

    kind: RefKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"


OPERATOR = "operator"   # the actor of the CLI's changes
WORKER = "worker"       # the actor of refunds the delivery worker makes
MAX_ACTOR = 64
MAX_NOTE = 200


@dataclass(frozen=True)
class LedgerEntry:
    account_id: int
    amount: Decimal              # signed: negative takes money, positive gives it
    balance_after: Decimal
    reason: Reason
    actor: str
    created_at: datetime
    reference: Reference | None = None
    note: str | None = None
    id: int | None = None


def running_balances(final: Decimal, amounts: Sequence[Decimal]) -> list[Decimal]:
    """The balance after each of ``amounts``, applied in order, when ``final`` is the
    balance after the last: one guarded UPDATE applies the sum, and each entry still gets its
    own balance after (``final - the amounts after it``)."""
    out: list[Decimal] = []
    after = final
    for amount in reversed(amounts):
        out.append(after)
        after -= amount
    out.reverse()
    return out


def clip(text: str | None, limit: int) -> str | None:
    """A note or actor cut to its column (with an ellipsis), None when empty."""
    if not text:
        return None
    return text if len(text) <= limit else text[:limit - 1] + "…"
