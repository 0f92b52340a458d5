"""Use cases on accounts: the balance for clients, and administration for the CLI."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ...domain.account import Account, AccountSettings, parse_networks
from ...domain.api_keys import ApiKey, new_key
from ...domain.callback_url import parse_callback_url
from ...domain.clock import Clock, SystemClock
from ...domain.errors import ConstraintViolation, MissingParameter, NotFound, ValidationError
from ...domain.ledger import MAX_NOTE, OPERATOR, Reason
from ...domain.logins import validate_login
from ...domain.money import MONEY_MAX, MONEY_QUANTUM, parse_amount, parse_currency
from ...domain.passwords import hash_password, validate_smpp_password
from ...domain.sender import validate_sender
from ...domain.sender_ids import parse_policy
from ...domain.simulator_rules import parse_rules
from ..access.auth import Authenticator, Credentials
from ..errors import LoginTaken
from .ledger import Ledger
from ..access.rate_limits import Operation
from ..senders.senders import approve_default
from ..uow import UnitOfWork, UnitOfWorkFactory
from ...domain.values import MAX_ID


@dataclass(frozen=True)
class Balance:
    balance: Decimal
    currency: str


MAX_RETENTION_DAYS = 36500
MAX_SMPP_BINDS = 1000


def _check_length(field: str, value: str, limit: int) -> None:
    """The column's length, and no control characters (they only ever arrive by mistake)."""
    if len(value) > limit:
        raise ConstraintViolation(field, f"{field} is longer than {limit} characters", limit=limit)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValidationError(f"{field} contains a control character", field=field)


class AccountService:
    def __init__(self, uow_factory: UnitOfWorkFactory, auth: Authenticator,
                 default_currency: str = "RUB", clock: Clock | None = None) -> None:
        self._uow = uow_factory
        self._auth = auth
        self._currency = parse_currency(default_currency, "SMSGW_CURRENCY")
        self._clock = clock or SystemClock()
        self._ledger = Ledger(self._clock)

    def authenticate(self, credentials: Credentials) -> Account:
        """The account these credentials may act for (checked for blocking and IP); counted
        as a query against the account's rate limit."""
        with self._uow() as uow:
            return self._auth.admit(uow, credentials, Operation.QUERY)

    def get_balance(self, credentials: Credentials) -> Balance:
        """The authenticated account's balance and currency."""
        with self._uow() as uow:
            account = self._auth.admit(uow, credentials, Operation.QUERY)
            return Balance(account.balance, account.currency)

    def create(self, login: str, password: str, balance: Decimal = Decimal("0"),
               currency: str | None = None, actor: str = OPERATOR) -> Account:
        """Create an account, with an ``opening_balance`` ledger entry of ``balance`` (0
        included: the ledger then shows when it began). Raises LoginTaken, or
        ValidationError for a login outside the alphabet (domain/logins.py) or an empty
        password."""
        login = validate_login(login)
        if not password:
            raise ValidationError("password must not be empty", field="password")
        if not Decimal(0) <= balance <= MONEY_MAX:
            raise ConstraintViolation("balance", f"balance must be 0..{MONEY_MAX}", limit=MONEY_MAX)
        currency = self._currency if currency is None else parse_currency(currency)
        with self._uow(write=True) as uow:
            account = uow.accounts.add(Account(
                id=None, login=login, password_hash=hash_password(password),
                balance=balance, currency=currency))
            uow.ledger.add([self._ledger.entry(account.stored_id, balance, balance,
                                               Reason.OPENING_BALANCE, actor)])
            uow.commit()
        return account

    def create_first(self, login: str, password: str, balance: Decimal) -> bool:
        """Create this account if no account exists at all (the demo account of a new
        installation, however its schema was made); True when it was created."""
        with self._uow() as uow:
            if uow.accounts.any_exist():
                return False
        try:
            self.create(login, password, balance)
        except LoginTaken:  # another process got there first
            return False
        return True

    def top_up(self, login: str, amount: Decimal, actor: str = OPERATOR,
               note: str | None = None) -> Decimal:
        """Add ``amount`` (more than 0) to the balance; returns the new balance. The balance
        may not grow beyond what the store keeps (``MONEY_MAX``)."""
        if not amount > 0:
            raise ConstraintViolation("amount", "amount must be more than 0")
        with self._uow(write=True) as uow:
            account = self._get(uow, login)
            if account.balance + amount > MONEY_MAX:
                raise ConstraintViolation(
                    "amount", f"the balance would be {account.balance + amount}, more than the "
                    f"largest amount kept ({MONEY_MAX})", limit=MONEY_MAX)
            balance = self._ledger.credit(uow, account.stored_id, amount, Reason.TOPUP,
                                          actor=actor, note=note)
            uow.commit()
        return balance

    def adjust(self, login: str, amount: Decimal, reason: str, actor: str = OPERATOR) -> Decimal:
        """The operator's correction of a balance, positive or negative, with its reason (an
        ``adjustment`` ledger entry); a negative one is guarded like a debit
        (InsufficientFunds beyond the credit limit). Returns the new balance."""
        reason = (reason or "").strip()
        if not reason:
            raise MissingParameter("reason", "an adjustment needs --reason")
        _check_length("reason", reason, MAX_NOTE)
        with self._uow(write=True) as uow:
            account = self._get(uow, login)
            balance = self._ledger.adjust(uow, account.stored_id, amount, actor=actor, note=reason)
            uow.commit()
        return balance

    def set_credit_limit(self, login: str, limit: Decimal) -> Account:
        """Postpaid (operator only): the balance may go down to ``-limit``; 0 is prepaid.
        Lowering it below what the account already owes is allowed: sends then stop until
        the balance is back above ``-limit``."""
        if not Decimal(0) <= limit <= MONEY_MAX or limit != limit.quantize(MONEY_QUANTUM):
            raise ConstraintViolation("credit_limit", f"a credit limit is 0..{MONEY_MAX} with at "
                                      "most 4 decimal places", limit=MONEY_MAX)
        with self._uow(write=True) as uow:
            account = self._get(uow, login)
            account.credit_limit = limit
            uow.accounts.update(account)
            uow.commit()
        return account

    def show(self, login: str) -> Account:
        with self._uow() as uow:
            return self._get(uow, login)

    def configure(self, login: str, *, allowed_ips: list[str] | None = None,
                  retention_days: int | None = None, default_sender: str | None = None,
                  callback_url: str | None = None, callback_secret: str | None = None,
                  blocked: bool | None = None, password: str | None = None,
                  paused: bool | None = None, simulator_rules: str | None = None,
                  callback_url_trusted: bool = True,
                  rates: dict[str, int | None] | None = None,
                  sender_policy: str | None = None,
                  approve_default_sender: bool = False,
                  smpp_password: str | None = None,
                  smpp_max_binds: int | None = None) -> Account:
        """Change the given settings; ``None`` leaves a setting as it is, ``""`` clears it.

        A callback URL the operator sets (the CLI) is trusted and may reach private networks;
        a use case acting for a client passes ``callback_url_trusted=False``, and the URL may
        then reach only public addresses and SMSGW_CALLBACK_ALLOWED_NETWORKS.

        ``sender_policy``: ``fallback`` or ``refuse`` (docs/senders.md). With
        ``approve_default_sender`` (the operator's CLI), a new default sender that the account
        has not registered is registered approved for every destination; a client's own
        setting must not pass it (its default is then resolved like any named sender).

        ``rates`` maps an operation class (send, query, manage) to requests per minute for
        this account: 0 means no limit, -1 (or None) goes back to the gateway's default.

        ``smpp_password``: the password SMPP binds check (1 to 8 printable ASCII characters,
        stored hashed); ``""`` removes it, and the account can no longer bind.
        ``smpp_max_binds``: simultaneous SMPP binds, 1..MAX_SMPP_BINDS; -1 goes back to the
        gateway's default (SMSGW_SMPP_SERVER_MAX_BINDS).
        """
        with self._uow(write=True) as uow:
            account = self._get(uow, login)
            s = account.settings
            changes: dict[str, Any] = {}
            if allowed_ips is not None:
                changes["allowed_ips"] = parse_networks(allowed_ips)
            if retention_days is not None:
                if not 0 <= retention_days <= MAX_RETENTION_DAYS:
                    raise ConstraintViolation("retention_days", "retention must be 0.."
                                              f"{MAX_RETENTION_DAYS} days", limit=MAX_RETENTION_DAYS)
                changes["retention_days"] = retention_days
            if default_sender is not None:
                changes["default_sender"] = validate_sender(default_sender) if default_sender else None
                if approve_default_sender and changes["default_sender"]:
                    approve_default(uow, account.stored_id, changes["default_sender"],
                                    self._clock.now())
            if sender_policy is not None:
                changes["sender_policy"] = parse_policy(sender_policy)
            if callback_url is not None:
                if callback_url:
                    parse_callback_url(callback_url)
                changes["callback_url"] = callback_url or None
                changes["callback_url_trusted"] = bool(callback_url_trusted) or not callback_url
            if callback_secret is not None:
                _check_length("callback_secret", callback_secret, 200)
                changes["callback_secret"] = callback_secret or None
            if simulator_rules is not None:
                _check_length("simulator_rules", simulator_rules, 500)
                try:
                    parse_rules(simulator_rules)
                except ValueError as exc:
                    raise ValidationError(str(exc), field="simulator_rules") from exc
                changes["simulator_rules"] = simulator_rules or None
            for name, value in (rates or {}).items():
                if name not in ("send", "query", "manage"):
                    raise ValidationError(f"unknown operation class {name!r}", field="rates")
                if value is not None and not -1 <= value <= 1_000_000:
                    raise ConstraintViolation(f"rate_{name}", "a rate is -1 (the default), "
                                              "0 (no limit) or up to 1000000 per minute")
                changes[f"rate_{name}"] = None if value is None or value < 0 else value
            if smpp_max_binds is not None:
                if smpp_max_binds != -1 and not 1 <= smpp_max_binds <= MAX_SMPP_BINDS:
                    raise ConstraintViolation(
                        "smpp_max_binds", f"SMPP binds are 1..{MAX_SMPP_BINDS}, or -1 for the "
                        "gateway's default", limit=MAX_SMPP_BINDS)
                changes["smpp_max_binds"] = None if smpp_max_binds == -1 else smpp_max_binds
            account.settings = replace(s, **changes) if changes else s
            if blocked is not None:
                account.blocked = blocked
            if paused is not None:
                account.paused = paused
            if password is not None:
                if not password:
                    raise ValidationError("password must not be empty", field="password")
                account.password_hash = hash_password(password)
            if smpp_password is not None:
                account.smpp_password_hash = (hash_password(validate_smpp_password(smpp_password))
                                              if smpp_password else None)
            uow.accounts.update(account)
            uow.commit()
        return account

    def create_api_key(self, login: str, name: str | None = None) -> tuple[ApiKey, str]:
        """A new key for the account; the key itself is returned once and stored hashed."""
        if name is not None:
            _check_length("name", name, 100)
        key, prefix, digest = new_key()
        with self._uow(write=True) as uow:
            account = self._get(uow, login)
            record = ApiKey(None, account.stored_id, prefix, digest, self._clock.now(), name=name or None)
            record = replace(record, id=uow.api_keys.add(record))
            uow.commit()
        return record, key

    def api_keys(self, login: str) -> list[ApiKey]:
        with self._uow() as uow:
            return uow.api_keys.of_account(self._get(uow, login).stored_id)

    def revoke_api_key(self, login: str, key_id: int) -> None:
        if not 1 <= key_id <= MAX_ID:
            raise NotFound("API key", key_id)
        with self._uow(write=True) as uow:
            if not uow.api_keys.revoke(self._get(uow, login).stored_id, key_id, self._clock.now()):
                raise NotFound("API key", key_id)
            uow.commit()

    @staticmethod
    def _get(uow: UnitOfWork, login: str) -> Account:
        account = uow.accounts.get_by_login(login)
        if account is None:
            raise NotFound("account", login)
        return account


__all__ = ["AccountService", "AccountSettings", "Balance", "Credentials", "parse_amount"]
