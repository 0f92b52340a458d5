"""Delivery rules: how part receipts make a message's status, and what the end of validity
does (how long to wait before retrying is ``backoff.backoff``)."""

from __future__ import annotations

from .status import MessageStatus as S

SUBMITTABLE = (S.QUEUED, S.SCHEDULED)
IN_CARRIER = (S.SUBMITTED, S.PARTIALLY_DELIVERED)


def aggregate(parts: list[S | None]) -> S:
    """A message's status from its parts' final states (None: no receipt yet).

    A final failure of any part is the message's failure; every part delivered makes
    DELIVERED; some delivered makes PARTIALLY_DELIVERED; otherwise it is still SUBMITTED.
    """
    for status in parts:
        if status is not None and status is not S.DELIVERED:
            return status
    delivered = sum(1 for status in parts if status is S.DELIVERED)
    if delivered == len(parts):
        return S.DELIVERED
    return S.PARTIALLY_DELIVERED if delivered else S.SUBMITTED


def at_validity_end(current: S, parts: list[S | None]) -> S:
    """What a message still with the carrier becomes when its validity ends.

    Seed 004: some operators report only the first segment, so a partially delivered message
    takes the status of its first segment; with no report for it, the message expired.
    """
    if current is S.PARTIALLY_DELIVERED and parts and parts[0] is not None:
        return parts[0]
    return S.EXPIRED

