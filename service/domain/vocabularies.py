"""Every outside vocabulary of the message status, in one place.

One row per canonical state (see docs/statuses.md for the table and its sources):

- ``smsc``: smsc.ru numeric status code (seed 001), -3..25; ``SMSC_STATUS_NAMES`` gives the
  ``status_name`` smsc answers for each code.
- ``seed004``: the ENQUEUD/ACCEPTD/DELIVRD family (seed 004).
- ``seed003``: the channel-neutral names (seed 003), SMS column.
- ``dlr_stat`` / ``send_status`` / ``dlr_error``: the delivery-notification fields (seed 002),
  ``None`` where no notification is sent for that state.
- ``smpp_state``: the SMPP 3.4 ``message_state`` (section 5.2.28) of a message in that state,
  as ``query_sm`` answers and SMPP receipts carry it (``SMPP_MESSAGE_STATES`` names them).

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
    smpp_state: int


_ROWS: dict[S, StatusNames] = {
    S.SCHEDULED: StatusNames(-1, "NEW", "REGISTERED", None, None, None, 1),
    S.QUEUED: StatusNames(-1, "ENQUEUD", "REGISTERED", None, None, None, 1),
    S.STOPPED: StatusNames(-2, "NEW", "REGISTERED", None, None, None, 1),
    S.SUBMITTED: StatusNames(0, "ACCEPTD", "SUBMITTED", None, None, None, 6),
    S.PARTIALLY_DELIVERED: StatusNames(0, "PDLIVRD", "SUBMITTED", None, None, None, 1),
    S.DELIVERED: StatusNames(1, "DELIVRD", "DELIVERED", "DELIVRD", "delivered", "000", 2),
    S.CLICKED: StatusNames(4, "DELIVRD", "DELIVERED", "DELIVRD", "delivered", "000", 2),
    S.EXPIRED: StatusNames(3, "EXPIRED", "EXPIRED", "EXPIRED", "failed", "003", 3),
    S.UNDELIVERABLE: StatusNames(20, "UNDELIV", "UNDELIVERABLE", "UNDELIV", "failed", "005", 5),
    S.REJECTED: StatusNames(20, "REJECTD", "UNDELIVERABLE", "REJECTD", "carrier-reject", "008", 8),
    S.DELETED: StatusNames(20, "DELETED", "FAILED", "DELETED", "failed", "004", 4),
    S.INVALID_NUMBER: StatusNames(22, "REJECTD", "UNDELIVERABLE", "REJECTD", "failed", "008", 8),
    S.BANNED: StatusNames(23, "REJECTD", "FAILED", "REJECTD", "failed", "008", 8),
    S.NO_FUNDS: StatusNames(24, "REJECTD", "FAILED", None, None, None, 8),
    S.UNAVAILABLE: StatusNames(25, "UNDELIV", "UNDELIVERABLE", "UNDELIV", "failed", "005", 5),
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


# SMPP 3.4 message_state values (section 5.2.28), and the receipt ``stat`` word of each: a
# receipt's stat and message_state always name the same state.
SMPP_MESSAGE_STATES = {1: "ENROUTE", 2: "DELIVERED", 3: "EXPIRED", 4: "DELETED",
                       5: "UNDELIVERABLE", 6: "ACCEPTED", 7: "UNKNOWN", 8: "REJECTED"}
SMPP_STATE_OF_STAT = {"ENROUTE": 1, "DELIVRD": 2, "EXPIRED": 3, "DELETED": 4, "UNDELIV": 5,
                      "ACCEPTD": 6, "UNKNOWN": 7, "REJECTD": 8}
# Seed 002's error code of each stat word; the interim words carry no error.
_SEED002_ERRORS = {"DELIVRD": "000", "EXPIRED": "003", "DELETED": "004", "UNDELIV": "005",
                   "UNKNOWN": "007", "REJECTD": "008", "ACCEPTD": "000", "ENROUTE": "000"}


def smpp_message_state(status: S) -> int:
    """The SMPP ``message_state`` of a message in ``status`` (``query_sm``, receipts)."""
    return _ROWS[status].smpp_state


class SmppReceiptNames(NamedTuple):
    stat: str
    err: str
    message_state: int


def smpp_receipt_names(status: S, *, outcome_unknown: bool = False) -> SmppReceiptNames:
    """The ``stat``, ``err`` and ``message_state`` an SMPP receipt carries for ``status``.

    A final state uses its DLR words (seed 002); NO_FUNDS, which has none because no callback
    is sent for it, reads as its seed 004 word (REJECTD). SUBMITTED reads ACCEPTD, the other
    interim states ENROUTE. A failure whose submit outcome is unknown reads UNKNOWN / 007.
    """
    row = _ROWS[status]
    if outcome_unknown and status.final and status not in (S.DELIVERED, S.CLICKED):
        stat = "UNKNOWN"
    elif status.final:
        stat = row.dlr_stat or row.seed004
    else:
        stat = "ACCEPTD" if status is S.SUBMITTED else "ENROUTE"
    err = row.dlr_error if stat == row.dlr_stat and row.dlr_error else _SEED002_ERRORS[stat]
    return SmppReceiptNames(stat, err, SMPP_STATE_OF_STAT[stat])
