"""Which receipts an SMPP client asked for: the bits of ``registered_delivery`` (SMPP 3.4
section 5.2.17), which a message keeps as ``Message.receipt_request``.

- bits 0-1 (``& 0x03``): 0 no final receipt, 1 a final receipt whatever the outcome, 2 a final
  receipt only for a failure (anything but delivered), 3 reserved (read as none);
- bit 4 (``& 0x10``): intermediate notifications; smsgw sends one when the message is handed
  to the carrier (SUBMITTED, stat ACCEPTD);
- bits 2-3 (SME acknowledgements) have no meaning for an SMS gateway and are ignored.
"""

from __future__ import annotations

import enum

from .status import MessageStatus as S

FINAL_BITS = 0x03
FINAL_ANY = 0x01
FINAL_FAILURE = 0x02
INTERMEDIATE = 0x10
DELIVERED_STATES = frozenset({S.DELIVERED, S.CLICKED})
INTERMEDIATE_STATES = frozenset({S.SUBMITTED})


class ReceiptKind(enum.Enum):
    FINAL = "final"
    INTERMEDIATE = "intermediate"


def receipt_owed(bits: int, status: S) -> ReceiptKind | None:
    """The receipt a message whose client asked ``bits`` is owed on reaching ``status``."""
    if status.final:
        wanted = bits & FINAL_BITS
        if wanted == FINAL_ANY or (wanted == FINAL_FAILURE and status not in DELIVERED_STATES):
            return ReceiptKind.FINAL
        return None
    if bits & INTERMEDIATE and status in INTERMEDIATE_STATES:
        return ReceiptKind.INTERMEDIATE
    return None


def asks_for_receipts(bits: int) -> bool:
    """Whether these bits ask for any receipt at all."""
    return bits & FINAL_BITS in (FINAL_ANY, FINAL_FAILURE) or bool(bits & INTERMEDIATE)
