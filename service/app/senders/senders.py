"""Use cases of the sender registry: an account registers, lists and deletes its sender names;
the operator approves (optionally for some destination prefixes) or rejects them, registers
for an account, and sets the shared senders per destination prefix."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Sequence

from ...domain.clock import Clock
from ...domain.errors import ConstraintViolation, MissingParameter, NotFound, ValidationError
from ...domain.sender import validate_sender
from ...domain.sender_ids import (SenderId, SenderState, check_reason, parse_prefix,
                                  parse_prefixes)
from ..access.auth import Authenticator, Credentials
from ..access.rate_limits import Operation
from ..operator import account_id_of
from ..uow import UnitOfWork, UnitOfWorkFactory

MAX_SENDERS_PER_ACCOUNT = 100


@dataclass(frozen=True)
class OwnedSender:
    """A registered sender and the login of the account it belongs to (for the operator)."""

    login: str
    sender: SenderId


def _name(name: str | None) -> str:
    if name is None or not name.strip():
        raise MissingParameter("name", "a sender name is required")
    try:
        return validate_sender(name)
    except ValidationError as exc:  # the rule's own error, naming this use case's field
        raise ValidationError(exc.message, field="name") from exc


class SenderService:
    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator,
                 clock: Clock) -> None:
        self._uow = uow_factory
        self._auth = auth
        self._clock = clock

    # -- for clients ----------------------------------------------------------------------

    def register(self, credentials: Credentials, name: str | None) -> SenderId:
        """Register a sender name for the authenticated account; it waits for the operator
        (pending). A name already registered is answered as it stands (pending, approved or
        rejected): registering again changes nothing. ValidationError for a bad name."""
        account_id = self._admit(credentials, Operation.MANAGE)
        sender_name = _name(name)
        with self._uow(write=True) as uow:
            sender = self._register(uow, account_id, sender_name)
            uow.commit()
        return sender

    def list(self, credentials: Credentials) -> list[SenderId]:
        """The authenticated account's registered senders, by name."""
        with self._uow() as uow:
            account = self._auth.admit(uow, credentials, Operation.QUERY)
            return uow.senders.of_account(account.stored_id)

    def delete(self, credentials: Credentials, name: str | None) -> None:
        """Remove a registered sender of the authenticated account (NotFound if none)."""
        account_id = self._admit(credentials, Operation.MANAGE)
        sender_name = _name(name)
        with self._uow(write=True) as uow:
            if not uow.senders.delete(account_id, sender_name):
                raise NotFound("sender", sender_name)
            uow.commit()

    # -- for the operator -----------------------------------------------------------------

    def register_for(self, login: str, name: str) -> SenderId:
        """Register a name for an account as the account would (pending)."""
        with self._uow(write=True) as uow:
            sender = self._register(uow, account_id_of(uow, login), _name(name))
            uow.commit()
        return sender

    def approve(self, login: str, name: str, prefixes: Sequence[str] = ()) -> SenderId:
        """Approve the account's sender, for every destination or only for ``prefixes``. A name
        not yet registered is registered and approved at once. Approving again with the same
        prefixes is refused (ConstraintViolation: nothing would change); with other prefixes
        it changes them."""
        limited = parse_prefixes(prefixes)
        sender_name = _name(name)
        now = self._clock.now()
        with self._uow(write=True) as uow:
            account_id = account_id_of(uow, login)
            sender = uow.senders.get(account_id, sender_name) or SenderId(
                account_id, sender_name, SenderState.PENDING, now)
            if sender.state is SenderState.APPROVED and sender.prefixes == limited:
                where = ", ".join(limited) if limited else "every destination"
                raise ConstraintViolation("name", f"sender {sender_name!r} of {login} is "
                                          f"already approved for {where}")
            sender = replace(sender, state=SenderState.APPROVED, prefixes=limited,
                             reason=None, decided_at=now)
            uow.senders.save(sender)
            uow.commit()
        return sender

    def reject(self, login: str, name: str, reason: str | None = None) -> SenderId:
        """Reject the account's registered sender, with an optional reason the client sees."""
        why = check_reason(reason)
        sender_name = _name(name)
        with self._uow(write=True) as uow:
            account_id = account_id_of(uow, login)
            sender = uow.senders.get(account_id, sender_name)
            if sender is None:
                raise NotFound("sender", f"{sender_name!r} of {login}")
            sender = replace(sender, state=SenderState.REJECTED, prefixes=(), reason=why,
                             decided_at=self._clock.now())
            uow.senders.save(sender)
            uow.commit()
        return sender

    def remove_for(self, login: str, name: str) -> None:
        """Remove an account's registered sender (NotFound if none)."""
        sender_name = _name(name)
        with self._uow(write=True) as uow:
            if not uow.senders.delete(account_id_of(uow, login), sender_name):
                raise NotFound("sender", f"{sender_name!r} of {login}")
            uow.commit()

    def list_all(self, login: str | None = None) -> builtins.list[OwnedSender]:
        """Every registered sender, or one account's, with the owning login."""
        with self._uow() as uow:
            account_id = account_id_of(uow, login) if login is not None else None
            senders = uow.senders.list(account_id)
            logins: dict[int, str] = {}
            for s in senders:
                if s.account_id not in logins:
                    account = uow.accounts.get(s.account_id)
                    logins[s.account_id] = account.login if account else str(s.account_id)
        return [OwnedSender(logins[s.account_id], s) for s in senders]

    def adopt_in_use(self) -> int:
        """Approve every sender accounts already use and have not registered (what the
        migration did on upgrade; run it again before turning SMSGW_SENDER_CHECK on)."""
        with self._uow(write=True) as uow:
            added = uow.senders.adopt_in_use(self._clock.now())
            uow.commit()
        return added

    def shared(self) -> dict[str, str]:
        """The shared senders: prefix (``""`` is every destination) to name."""
        with self._uow() as uow:
            return uow.senders.shared()

    def set_shared(self, prefix: str, name: str) -> tuple[str, str]:
        """Make ``name`` the shared sender for destinations starting with ``prefix`` (``*``:
        every destination); returns (prefix, name) as stored."""
        digits = parse_prefix(prefix, "prefix", allow_any=True)
        sender_name = _name(name)
        with self._uow(write=True) as uow:
            uow.senders.set_shared(digits, sender_name, self._clock.now())
            uow.commit()
        return digits, sender_name

    def remove_shared(self, prefix: str) -> None:
        """Remove the shared sender of ``prefix`` (NotFound if there is none)."""
        digits = parse_prefix(prefix, "prefix", allow_any=True)
        with self._uow(write=True) as uow:
            if not uow.senders.remove_shared(digits):
                raise NotFound("shared sender for prefix", prefix.strip())
            uow.commit()

    # -- steps -----------------------------------------------------------------------------

    def _admit(self, credentials: Credentials, operation: Operation) -> int:
        """The account acting, admitted in a read unit of work: the rate limiter takes the
        write lock itself, so it must not be called inside a write unit of work."""
        with self._uow() as uow:
            return self._auth.admit(uow, credentials, operation).stored_id

    def _register(self, uow: UnitOfWork, account_id: int, name: str) -> SenderId:
        existing = uow.senders.get(account_id, name)
        if existing is not None:
            return existing
        if len(uow.senders.of_account(account_id)) >= MAX_SENDERS_PER_ACCOUNT:
            raise ConstraintViolation("name", f"at most {MAX_SENDERS_PER_ACCOUNT} senders per "
                                      "account", limit=MAX_SENDERS_PER_ACCOUNT)
        sender = SenderId(account_id, name, SenderState.PENDING, self._clock.now())
        uow.senders.save(sender)
        return sender


def approve_default(uow: UnitOfWork, account_id: int, name: str, now: datetime) -> None:
    """The operator set ``name`` as the account's default sender: unless the account
    registered it already (then its state stays as decided), it is approved for every
    destination. Runs inside the caller's unit of work."""
    if uow.senders.get(account_id, name) is None:
        uow.senders.save(SenderId(account_id, name, SenderState.APPROVED, now, decided_at=now))


__all__ = ["SenderService", "OwnedSender", "MAX_SENDERS_PER_ACCOUNT", "approve_default"]
