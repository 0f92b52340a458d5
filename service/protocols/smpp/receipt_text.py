"""The conventional delivery receipt text (SMPP 3.4 Appendix B), as Kannel and smpplib read it.

``id:IIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD err:EEE
text:...`` on one line, dates in UTC, ``text`` the first 20 characters of the message.
"""

from __future__ import annotations

from datetime import datetime, timezone

DELIVERED = "DELIVRD"
TEXT_CHARS = 20
_CONTROLS = {i: " " for i in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]}


def receipt_text(message_id: str, submitted: datetime, done: datetime, stat: str, err: str,
                 text: str, sub: int = 1, dlvrd: int | None = None) -> str:
    """The receipt's short_message text. ``dlvrd`` defaults to ``sub`` when ``stat`` is DELIVRD,
    else 0; counts are written in three digits (at most 999); line breaks and other controls in ``text`` become
    spaces so the receipt stays one line for the regular expressions clients parse it with."""
    if dlvrd is None:
        dlvrd = sub if stat == DELIVERED else 0
    excerpt = text[:TEXT_CHARS]
    if not excerpt.isprintable():
        excerpt = excerpt.translate(_CONTROLS)
    return (f"id:{message_id} sub:{_count(sub)} dlvrd:{_count(dlvrd)} "
            f"submit date:{_minute(submitted)} done date:{_minute(done)} "
            f"stat:{stat} err:{err.zfill(3)} text:{excerpt}")


def _count(n: int) -> str:
    return f"{max(0, min(n, 999)):03d}"


def _minute(when: datetime) -> str:
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return f"{when.year % 100:02d}{when.month:02d}{when.day:02d}{when.hour:02d}{when.minute:02d}"
