"""Errors the use cases raise about their ports (the domain's own are in domain/errors.py).

    DuplicateRequest   another request holds the same client reference right now
    LoginTaken         an account with this login exists (a ValidationError, code 1)
    SaveConflict       the store could not save because of concurrent writers (code 10)
"""

from __future__ import annotations

from ..domain.errors import SmsgwError, ValidationError


class DuplicateRequest(Exception):
    """The client reference was claimed by a concurrent request; read its result instead."""


class LoginTaken(ValidationError):
    """An account with this login already exists."""

    def __init__(self, login: str) -> None:
        super().__init__(f"login {login!r} is taken", field="login")


class SaveConflict(SmsgwError):
    """The store gave up on a write because of concurrent writers (a lock wait that timed out,
    a serialization failure or a deadlock). Nothing was saved; the client may simply retry."""

    code = 10

    def __init__(self, detail: str = "") -> None:
        super().__init__("the data could not be saved because of concurrent changes; retry"
                         + (f" ({detail})" if detail else ""))
