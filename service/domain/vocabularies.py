"""Every outside vocabulary of the message status, in one place.

One row per canonical state (see docs/statuses.md for the table and its sources):

- ``smsc``: smsc.ru numeric status code (seed 001), -3..25; ``SMSC_STATUS_NAMES`` gives the
  ``status_name`` smsc answers for each code.
- ``seed004``: the ENQUEUD/ACCEPTD/DELIVRD family (seed 004).
- ``seed003``: the channel-neutral names (seed 003), SMS column.
- ``dlr_stat`` / ``send_status`` / ``dlr_error``: the delivery-notification fields (seed 002),
  ``None`` where no notification is sent for that state.

Corrections to the starting table, each from a seed: seed 003 says CLICKED is "N/A" for SMS,
so CLICKED reads DELIVERED in that vocabulary; REJECTED (by the operator) is the one
``carrier-reject`` in seed 002, while our own refusals (bad number, banned) read ``failed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .status import MessageStatus as S

NOT_FOUND_SMSC_CODE = -3

# smsc's ``status_name`` for each of its codes (seed 001), as smsc's own API words them.
SMSC_STATUS_NAMES = {
    -3: "Message not found", -2: "Stopped", -1: "Waiting send", 0: "Transferred to the operator",
    1: "Delivered", 2: "Read", 3: "Expired", 4: "Click on link", 20: "Unable to deliver",
    22: "Wrong number", 23: "Banned", 24: "Insufficient funds", 25: "Unavailable number",
}


@dataclass(frozen=True, slots=True)
class StatusNames:
    smsc: int
    seed004: str
    seed003: str
    dlr_stat: str | None
    send_status: str | None
    dlr_error: str | None


_ROWS: dict[S, StatusNames] = {
    S.SCHEDULED: StatusNames(-1, "NEW", "REGISTERED", None, None, None),
    S.QUEUED: StatusNames(-1, "ENQUEUD", "REGISTERED", None, None, None),
    S.STOPPED: StatusNames(-2, "NEW", "REGISTERED", None, None, None),
    S.SUBMITTED: StatusNames(0, "ACCEPTD", "SUBMITTED", None, None, None),
    S.PARTIALLY_DELIVERED: StatusNames(0, "PDLIVRD", "SUBMITTED", None, None, None),
    S.DELIVERED: StatusNames(1, "DELIVRD", "DELIVERED", "DELIVRD", "delivered", "000"),
    S.CLICKED: StatusNames(4, "DELIVRD", "DELIVERED", "DELIVRD", "delivered", "000"),
    S.EXPIRED: StatusNames(3, "EXPIRED", "EXPIRED", "EXPIRED", "failed", "003"),
    S.UNDELIVERABLE: StatusNames(20, "UNDELIV", "UNDELIVERABLE", "UNDELIV", "failed", "005"),
    S.REJECTED: StatusNames(20, "REJECTD", "UNDELIVERABLE", "REJECTD", "carrier-reject", "008"),
    S.DELETED: StatusNames(20, "DELETED", "FAILED", "DELETED", "failed", "004"),
    S.INVALID_NUMBER: StatusNames(22, "REJECTD", "UNDELIVERABLE", "REJECTD", "failed", "008"),
    S.BANNED: StatusNames(23, "REJECTD", "FAILED", "REJECTD", "failed", "008"),
    S.NO_FUNDS: StatusNames(24, "REJECTD", "FAILED", None, None, None),
    S.UNAVAILABLE: StatusNames(25, "UNDELIV", "UNDELIVERABLE", "UNDELIV", "failed", "005"),
}

# The seed 004 family's own finality (seed 004 table); must agree with MessageStatus.final.
SEED004_FINAL = {
    "NEW": False, "ENQUEUD": False, "ACCEPTD": False, "PDLIVRD": False,
    "UNDELIV": True, "REJECTD": True, "DELIVRD": True, "EXPIRED": True, "DELETED": True,
}


def names_of(status: S) -> StatusNames:
    return _ROWS[status]


def smsc_code(status: S) -> int:
    return _ROWS[status].smsc


def smsc_status_name(status: S) -> str:
    """smsc's ``status_name`` of a state."""
    return SMSC_STATUS_NAMES[_ROWS[status].smsc]


def all_rows() -> dict[S, StatusNames]:
    return dict(_ROWS)


# Receipt ``stat`` words (seed 002, SMPP 3.4 Appendix B) to the canonical state they make a
# part final with. ACCEPTD and ENROUTE are interim: they change nothing.
_RECEIPT_STATS: dict[str, S | None] = {
    "DELIVRD": S.DELIVERED, "EXPIRED": S.EXPIRED, "DELETED": S.DELETED,
    "UNDELIV": S.UNDELIVERABLE, "REJECTD": S.REJECTED, "UNKNOWN": S.UNDELIVERABLE,
    "ACCEPTD": None, "ENROUTE": None,
}


def status_from_receipt(stat: str) -> S | None:
    """The final state a receipt's ``stat`` means for its part; None for interim or unknown words."""
    return _RECEIPT_STATS.get(stat.strip().upper())


def is_known_receipt_stat(stat: str) -> bool:
    return stat.strip().upper() in _RECEIPT_STATS


class CallbackNames(NamedTuple):
    send_status: str
    status: str
    error: str


# Notifications for the two non-final changes the client hears about; seed 002 has words only
# for outcomes, so these use the SMPP/seed 004 words for the same states.
_INTERIM_CALLBACKS = {
    S.SUBMITTED: CallbackNames("submitted", "ACCEPTD", "000"),
    S.PARTIALLY_DELIVERED: CallbackNames("partially-delivered", "PDLIVRD", "000"),
}


def callback_names(status: S, *, outcome_unknown: bool = False) -> CallbackNames | None:
    """The ``send_status``/``status``/``error`` a client notification carries; None: not sent."""
    if outcome_unknown and status.final and status not in (S.DELIVERED, S.CLICKED):
        return CallbackNames("failed", "UNKNOWN", "007")
    if status in _INTERIM_CALLBACKS:
        return _INTERIM_CALLBACKS[status]
    row = _ROWS[status]
    if row.dlr_stat is None or row.send_status is None or row.dlr_error is None:
        return None  # the three are set together: a test walks every row
    return CallbackNames(row.send_status, row.dlr_stat, row.dlr_error)
