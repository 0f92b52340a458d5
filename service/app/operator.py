"""What the operator's use cases share: the account an operator names by its login."""

from __future__ import annotations

from ..domain.errors import NotFound
from .uow import UnitOfWork


def account_id_of(uow: UnitOfWork, login: str) -> int:
    """The stored id of the account ``login``; NotFound when there is none."""
    account = uow.accounts.get_by_login(login)
    if account is None:
        raise NotFound("account", login)
    return account.stored_id
