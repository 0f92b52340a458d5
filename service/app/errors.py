"""Errors the use cases raise about their ports (the domain's own are in domain/errors.py).

    DuplicateRequest   another request holds the same client reference right now
    LoginTaken         an account with this login exists (a ValidationError, code 1)
"""

from __future__ import annotations

from ..domain.errors import ValidationError


class DuplicateRequest(Exception):
    """The client reference was claimed by a concurrent request; read its result instead."""


class LoginTaken(ValidationError):
    """An account with this login already exists."""

    def __init__(self, login: str) -> None:
        super().__init__(f"login {login!r} is taken", field="login")
