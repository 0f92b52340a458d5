"""Delivery receipts inside deliver_sm: which PDUs are receipts, and what they say.

The carrier's id comes from the receipted_message_id TLV when present, else from the text form
``id:<id> sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD err:000
text:...``. SMSCs bend that form, so the parser takes the keys in any order and any case,
tolerates missing ones, and never lets words inside ``text:`` override a key that came before.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Mapping

from ...app.delivery.carrier import Receipt

ESM_CLASS_RECEIPT = 0x04
TAG_RECEIPTED_MESSAGE_ID = 0x001E
TAG_NETWORK_ERROR_CODE = 0x0423
TAG_MESSAGE_PAYLOAD = 0x0424
TAG_MESSAGE_STATE = 0x0427

# SMPP 3.4 section 5.2.28 message_state values, as the stat words of the text form.
MESSAGE_STATES = {1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV",
                  6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD"}

_KEY = re.compile(r"(?<![a-z0-9_])(submit[ _]?date|done[ _]?date|id|sub|dlvrd|stat|err|text)\s*:",
                  re.IGNORECASE)


class MalformedReceipt(ValueError):
    """A receipt that names no carrier id, so nothing can ever be matched to it."""


def is_receipt(esm_class: int) -> bool:
    return bool(esm_class & ESM_CLASS_RECEIPT)


def parse_receipt_text(text: str) -> dict[str, str]:
    """The fields of a receipt's text form, keys lower case with one space (``done date``)."""
    matches = list(_KEY.finditer(text))
    fields: dict[str, str] = {}
    for i, match in enumerate(matches):
        key = re.sub(r"[ _]?date$", " date", match.group(1).lower())
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = text[match.end():end].strip()
        if key != "text":
            value = value.split()[0] if value else ""
        fields.setdefault(key, value)
    return fields


def parse_receipt_time(value: str | None) -> datetime | None:
    """``YYMMDDhhmm`` or ``YYMMDDhhmmss`` as UTC (SMPP gives no zone); None if unreadable."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) not in (10, 12):
        return None
    try:
        return datetime.strptime(digits, "%y%m%d%H%M%S" if len(digits) == 12 else "%y%m%d%H%M"
                                 ).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _text_of(short_message: bytes, data_coding: int, tlvs: Mapping[int, bytes]) -> str:
    raw = short_message or tlvs.get(TAG_MESSAGE_PAYLOAD, b"")
    if data_coding == 0x08:
        return raw.decode("utf-16-be", errors="replace")
    return raw.decode("latin-1")


def _cstring(value: bytes) -> str:
    # Some SMSCs send TLV strings without their NUL, others pad with several.
    return value.split(b"\0", 1)[0].decode("latin-1").strip()


def receipt_from_pdu(esm_class: int, data_coding: int, short_message: bytes,
                     tlvs: Mapping[int, bytes]) -> Receipt | None:
    """The receipt a deliver_sm carries; None if it is not a receipt (an MO message)."""
    if not is_receipt(esm_class):
        return None
    fields = parse_receipt_text(_text_of(short_message, data_coding, tlvs))
    carrier_id = ""
    if TAG_RECEIPTED_MESSAGE_ID in tlvs:
        carrier_id = _cstring(tlvs[TAG_RECEIPTED_MESSAGE_ID])
    carrier_id = carrier_id or fields.get("id", "")
    if not carrier_id:
        raise MalformedReceipt("receipt without receipted_message_id or id:")
    stat = None
    state = tlvs.get(TAG_MESSAGE_STATE)
    if state:
        stat = MESSAGE_STATES.get(state[0])
    stat = stat or fields.get("stat", "").upper() or "UNKNOWN"
    error = fields.get("err") or None
    network_error = tlvs.get(TAG_NETWORK_ERROR_CODE)
    if error is None and network_error and len(network_error) == 3:
        error = f"{int.from_bytes(network_error[1:], 'big'):03d}"
    return Receipt(carrier_id=carrier_id, stat=stat, error=error,
                   done_at=parse_receipt_time(fields.get("done date")))
