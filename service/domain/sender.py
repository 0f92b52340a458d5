"""Sender IDs: alphanumeric up to 11 characters, or numeric up to 15 digits."""

from __future__ import annotations

import re

from .errors import ValidationError

_NUMERIC = re.compile(r"\+?[0-9]{1,15}")
# GSM-safe Latin letters and digits plus the few punctuation marks carriers accept.
_ALPHANUMERIC = re.compile(r"[A-Za-z0-9 .\-_&]{1,11}")


def validate_sender(sender: str) -> str:
    """Return the sender as it will be sent, or raise ValidationError naming ``sender``."""
    value = sender.strip()
    if _NUMERIC.fullmatch(value):
        return value
    if _ALPHANUMERIC.fullmatch(value) and re.search(r"[A-Za-z]", value):
        return value
    raise ValidationError(
        f"invalid sender {sender!r}: use up to 11 letters/digits, or up to 15 digits",
        field="sender",
    )
