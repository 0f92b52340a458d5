"""Sender IDs: the names an account registered, the operator's decision on each, the shared
senders per destination prefix, and which sender a message actually goes out with.

Resolution is pure: given what the send asked for, the account's registered senders, the
shared senders and the account's policy, ``resolve`` answers the sender to use, or why the
message is refused. The rules (docs/senders.md):

1. The wanted sender is the one the send names, else the account's default sender.
2. It is used when the account registered it and the operator approved it for the
   destination (an approval without prefixes covers every destination).
3. Otherwise the policy decides: ``fallback`` uses the shared sender for the destination
   (longest prefix); ``refuse`` refuses the message (BANNED, with the reason).
4. ``fallback`` with no shared sender for the destination refuses the message as well: a
   name the operator never approved must not reach a carrier.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from .errors import ConstraintViolation, ValidationError

MAX_PREFIXES = 50
MAX_REASON = 200
ANY_DESTINATION = "*"


class SenderState(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class SenderPolicy(enum.Enum):
    """What happens to a message whose sender is not approved for its destination."""

    FALLBACK = "fallback"
    REFUSE = "refuse"


def parse_policy(value: str) -> str:
    """The policy's name, or ValidationError naming ``sender_policy``."""
    try:
        return SenderPolicy(value.strip().lower()).value
    except ValueError as exc:
        raise ValidationError(f"sender policy must be fallback or refuse, not {value[:20]!r}",
                              field="sender_policy") from exc


@dataclass(frozen=True)
class SenderId:
    """A name an account registered, and the operator's decision on it.

    ``prefixes``: the destination prefixes (digits of E.164, country or network codes) an
    approval is limited to; empty means every destination. ``reason``: why it was rejected.
    """

    account_id: int
    name: str
    state: SenderState
    created_at: datetime
    prefixes: tuple[str, ...] = ()
    reason: str | None = None
    decided_at: datetime | None = None

    def allows(self, e164: str) -> bool:
        """Whether this sender may be used for a message to ``e164``."""
        if self.state is not SenderState.APPROVED:
            return False
        return not self.prefixes or longest_prefix(self.prefixes, e164) is not None

    def refusal(self, e164: str) -> str:
        """Why this sender may not be used for ``e164`` (only meaningful when it may not)."""
        if self.state is SenderState.PENDING:
            return f"sender {self.name!r} is waiting for the operator's approval"
        if self.state is SenderState.REJECTED:
            why = f": {self.reason}" if self.reason else ""
            return f"sender {self.name!r} was rejected{why}"
        return (f"sender {self.name!r} is approved only for destinations starting "
                f"{', '.join('+' + p for p in self.prefixes)}")


def parse_prefix(text: str, field: str = "prefix", *, allow_any: bool = False) -> str:
    """A destination prefix: 1 to 15 ASCII digits (a leading ``+`` is allowed and dropped).
    With ``allow_any``, ``*`` is every destination (stored as the empty prefix)."""
    value = text.strip()
    if allow_any and value == ANY_DESTINATION:
        return ""
    digits = value[1:] if value.startswith("+") else value
    if not (digits.isascii() and digits.isdigit() and 1 <= len(digits) <= 15):
        raise ValidationError(f"invalid destination prefix {text[:20]!r}: use 1 to 15 digits, "
                              "e.g. 7 or 375", field=field)
    return digits


def parse_prefixes(specs: Iterable[str]) -> tuple[str, ...]:
    """Prefixes from a list (each item may hold a comma-separated list): each once, sorted.
    An empty list means every destination."""
    out: set[str] = set()
    for spec in specs:
        for item in spec.split(","):
            if item.strip():
                out.add(parse_prefix(item, "prefixes"))
            elif spec.strip():
                raise ValidationError(f"empty item in the prefix list {spec[:40]!r}",
                                      field="prefixes")
    if len(out) > MAX_PREFIXES:
        raise ConstraintViolation("prefixes", f"at most {MAX_PREFIXES} prefixes",
                                  limit=MAX_PREFIXES)
    return tuple(sorted(out))


def check_reason(reason: str | None) -> str | None:
    if reason is None or not reason.strip():
        return None
    if len(reason) > MAX_REASON:
        raise ConstraintViolation("reason", f"a reason is at most {MAX_REASON} characters",
                                  limit=MAX_REASON)
    if any(ord(c) < 32 or ord(c) == 127 for c in reason):
        raise ValidationError("reason contains a control character", field="reason")
    return reason.strip()


def longest_prefix(prefixes: Iterable[str], e164: str) -> str | None:
    """The longest of ``prefixes`` that the number's digits start with (``""`` matches all)."""
    digits = e164[1:] if e164.startswith("+") else e164
    best: str | None = None
    for p in prefixes:
        if digits.startswith(p) and (best is None or len(p) > len(best)):
            best = p
    return best


@dataclass(frozen=True)
class Resolution:
    """The sender a message goes out with, or (``sender`` None) why it may not go out."""

    sender: str | None
    refused: str | None = None


def resolve(wanted: str | None, e164: str, registered: Mapping[str, SenderId],
            shared: Mapping[str, str], policy: str) -> Resolution:
    """The sender for one message to ``e164`` (see the module's rules)."""
    if wanted is not None:
        mine = registered.get(wanted)
        if mine is not None and mine.allows(e164):
            return Resolution(wanted)
        reason = (mine.refusal(e164) if mine is not None
                  else f"sender {wanted!r} is not registered for this account")
    else:
        reason = "no sender given and the account has no default sender"
    if policy == SenderPolicy.REFUSE.value:
        return Resolution(None, reason)
    prefix = longest_prefix(shared, e164)
    if prefix is None:
        return Resolution(None, f"{reason}, and no shared sender serves this destination")
    return Resolution(shared[prefix])


__all__ = ["SenderId", "SenderPolicy", "SenderState", "Resolution", "resolve",
           "parse_prefix", "parse_prefixes", "parse_policy", "longest_prefix", "check_reason"]
