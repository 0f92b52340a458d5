"""Password hashing: scrypt (RFC 7914, in the standard library), salted, deliberately slow."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from .errors import ValidationError

_N, _R, _P, _DKLEN = 2**14, 8, 1, 32


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
    return "scrypt${}${}${}${}${}".format(
        _N, _R, _P, base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                                r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Random salt and digest, derived from no password: verifying against it costs a real
    # scrypt with our parameters and never matches. Building it costs nothing.
    return "scrypt${}${}${}${}${}".format(_N, _R, _P, base64.b64encode(os.urandom(16)).decode(),
                                         base64.b64encode(os.urandom(_DKLEN)).decode())


def verify_dummy(password: str) -> bool:
    """Spend what verifying a real password costs, and fail: for logins that do not exist, so
    that an unknown login and a wrong password take the same time."""
    verify_password(password, _dummy_hash())
    return False


MAX_SMPP_PASSWORD = 8  # SMPP 3.4: the bind's password is a C-Octet String of at most 9 octets


def validate_smpp_password(password: str) -> str:
    """The SMPP password unchanged if an SMPP 3.4 client can send it: 1 to 8 printable ASCII
    characters (space to ``~``); else a ValidationError in one line."""
    if not 1 <= len(password) <= MAX_SMPP_PASSWORD or not all(" " <= c <= "~" for c in password):
        raise ValidationError(f"an SMPP password must be 1 to {MAX_SMPP_PASSWORD} printable ASCII "
                              "characters (SMPP 3.4 allows no more)", field="smpp_password")
    return password
