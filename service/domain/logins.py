"""The login alphabet, decided once: letters, digits and ``. _ - @``, 1 to 64 characters.

New accounts must use it (so every login works in HTTP Basic, URLs and smsc's forms). Accounts
stored before the rule keep working: authentication only refuses, without looking anything
up, a presented login that could never have been stored at all (empty, longer than the
column, or holding control characters such as NUL).
"""

from __future__ import annotations

import re
import unicodedata

from .errors import ValidationError

MAX_LOGIN = 64
_ALPHABET = re.compile(r"[A-Za-z0-9._@-]{1,64}")


def validate_login(login: str | None) -> str:
    """The login unchanged if it is in the alphabet; else a ValidationError in one line."""
    if login is None or not _ALPHABET.fullmatch(login):
        raise ValidationError("login must be 1 to 64 characters: letters, digits and . _ - @",
                              field="login")
    return login


def could_be_stored(login: str) -> bool:
    """False for a login no account can have: authenticate it like an unknown one."""
    if not 1 <= len(login) <= MAX_LOGIN:
        return False
    return not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in login)
