"""SQL implementations of the repository ports, on SQLAlchemy Core.

Core, not the ORM: every path here is either a single guarded statement (the debit) or a
bulk one (messages), and plain rows map to the domain's dataclasses in a few lines.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Iterable

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..app.errors import DuplicateRequest, LoginTaken
from ..domain.account import Account, AccountSettings
from ..domain.encoding import Encoding
from ..domain.message import ConcatPart, Message
from ..domain.status import MessageStatus
from ..domain.values import is_ascii_digits
from ..domain.money import MONEY_MAX
from .tables import accounts, messages, messages_archive, send_requests
from .types import Money


def _account_from_row(row) -> Account:
    return Account(
        id=row.id, login=row.login, password_hash=row.password_hash, balance=row.balance,
        currency=row.currency, blocked=row.blocked, paused=row.paused,
        settings=AccountSettings(
            allowed_ips=tuple(x for x in row.allowed_ips.split(",") if x),
            retention_days=row.retention_days, default_sender=row.default_sender,
            callback_url=row.callback_url, callback_secret=row.callback_secret,
            callback_url_trusted=row.callback_url_trusted, simulator_rules=row.simulator_rules,
            rate_send=row.rate_send, rate_query=row.rate_query, rate_manage=row.rate_manage,
            sender_policy=row.sender_policy, smpp_max_binds=row.smpp_max_binds),
        tariff_id=row.tariff_id, credit_limit=row.credit_limit,
        smpp_password_hash=row.smpp_password_hash)


def _account_values(a: Account) -> dict:
    s = a.settings
    return dict(password_hash=a.password_hash, blocked=a.blocked, paused=a.paused,
                simulator_rules=s.simulator_rules,
                allowed_ips=",".join(s.allowed_ips), retention_days=s.retention_days,
                default_sender=s.default_sender, callback_url=s.callback_url,
                callback_secret=s.callback_secret, callback_url_trusted=s.callback_url_trusted,
                rate_send=s.rate_send, rate_query=s.rate_query, rate_manage=s.rate_manage,
                sender_policy=s.sender_policy, credit_limit=a.credit_limit,
                smpp_password_hash=a.smpp_password_hash, smpp_max_binds=s.smpp_max_binds)


# Statements on the request path are built once: constructing and coercing a new one per call
# cost more than executing it.
_ACCOUNT_BY_LOGIN = select(accounts).where(accounts.c.login == bindparam("login"))
# The guarded debit: down to minus the credit limit (0 for a prepaid account), in the one
# UPDATE that also returns the new balance for the ledger entry (RETURNING, on both stores).
_AMOUNT = bindparam("amount", type_=Money())
_DEBIT = (update(accounts)
          .where(accounts.c.id == bindparam("account_id"),
                 accounts.c.balance + accounts.c.credit_limit >= _AMOUNT)
          .values(balance=accounts.c.balance - _AMOUNT).returning(accounts.c.balance))
_CREDIT = (update(accounts).where(accounts.c.id == bindparam("account_id"),
                                  accounts.c.balance <= bindparam("ceiling", type_=Money()))
           .values(balance=accounts.c.balance + _AMOUNT).returning(accounts.c.balance))
_BALANCE = select(accounts.c.balance).where(accounts.c.id == bindparam("account_id"))
_INSERT_MESSAGES = insert(messages).returning(messages.c.id)
_INSERT_MESSAGES_ORDERED = insert(messages).returning(messages.c.id, sort_by_parameter_order=True)
_SEND_REQUEST = select(send_requests.c.created_at, send_requests.c.result).where(
    send_requests.c.account_id == bindparam("account_id"),
    send_requests.c.client_ref == bindparam("client_ref"))


class SqlAccountRepository:
    def __init__(self, conn: Connection, clock_now) -> None:
        self._conn = conn
        self._now = clock_now

    def get(self, account_id: int) -> Account | None:
        row = self._conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
        return _account_from_row(row) if row else None

    def get_by_login(self, login: str) -> Account | None:
        row = self._conn.execute(_ACCOUNT_BY_LOGIN, {"login": login}).first()
        return _account_from_row(row) if row else None

    def add(self, account: Account) -> Account:
        try:
            with self._conn.begin_nested():
                new_id = self._conn.execute(
                    insert(accounts).values(login=account.login, balance=account.balance,
                                            currency=account.currency, created_at=self._now(),
                                            **_account_values(account))
                    .returning(accounts.c.id)).scalar_one()
        except IntegrityError as exc:
            raise LoginTaken(account.login) from exc
        account.id = new_id
        return account

    def any_exist(self) -> bool:
        return self._conn.execute(select(accounts.c.id).limit(1)).first() is not None

    def debit(self, account_id: int, amount: Decimal) -> Decimal | None:
        return self._conn.execute(_DEBIT, {"account_id": account_id, "amount": amount}
                                  ).scalar_one_or_none()

    def credit(self, account_id: int, amount: Decimal) -> Decimal | None:
        return self._conn.execute(_CREDIT, {"account_id": account_id, "amount": amount,
                                            "ceiling": MONEY_MAX - amount}).scalar_one_or_none()

    def lock(self, account_ids) -> list[Account]:
        rows = self._conn.execute(select(accounts).where(accounts.c.id.in_(sorted(set(account_ids))))
                                  .order_by(accounts.c.id).with_for_update())
        return [_account_from_row(row) for row in rows]

    def balance(self, account_id: int) -> Decimal:
        return self._conn.execute(_BALANCE, {"account_id": account_id}).scalar_one()

    def update(self, account: Account) -> None:
        self._conn.execute(update(accounts).where(accounts.c.id == account.id)
                           .values(**_account_values(account)))


# Ids per IN list: one query answers any request within the per-request bound
# (SMSGW_MAX_RECIPIENTS, 1000 by default), and SQLite's limit of 32766 variables still holds.
_IN_CHUNK = 10_000
_MESSAGE_COLUMNS = ("account_id", "recipient", "text", "sender", "segments", "cost",
                    "error_code", "error_message", "client_ref", "scheduled_at", "valid_until",
                    "created_at", "updated_at", "mailing_id", "external_id",
                    "receipt_request")


class SqlMessageRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_many(self, items: list[Message]) -> list[int]:
        if not items:
            return []
        rows = [{**{c: getattr(m, c) for c in _MESSAGE_COLUMNS}, **_concat_values(m),
                 "encoding": m.encoding.value, "status": m.status.canonical_name,
                 "finished_at": _finished_at(m)} for m in items]
        if self._conn.dialect.name == "sqlite":
            # SQLAlchemy cannot batch an order-preserving RETURNING on SQLite (it falls back to
            # one INSERT per row). One multi-row INSERT under our write lock assigns ascending
            # rowids in VALUES order, so the sorted ids are the rows' ids in order.
            ids = sorted(self._conn.execute(_INSERT_MESSAGES, rows).scalars())
        else:
            ids = list(self._conn.execute(_INSERT_MESSAGES_ORDERED, rows).scalars())
        for m, i in zip(items, ids):
            m.id = i
        return ids

    def insert_bulk(self, items: list[Message], *, held: bool = False) -> None:
        """Insert many messages in one executemany, without reading their ids back.
        ``held`` ones wait (no worker claims them) until their mailing releases them."""
        if items:
            self._conn.execute(insert(messages), [
                {**{c: getattr(m, c) for c in _MESSAGE_COLUMNS}, **_concat_values(m),
                 "encoding": m.encoding.value,
                 "status": m.status.canonical_name, "submit_state": "held" if held else None,
                 "finished_at": _finished_at(m)}
                for m in items])

    def by_client_keys(self, account_id: int, keys: list[str]) -> list[Message]:
        keys = list(dict.fromkeys(keys))
        found: dict[int, Message] = {}
        for start in range(0, len(keys), _IN_CHUNK):
            chunk = keys[start:start + _IN_CHUNK]
            ids = [int(k) for k in chunk if is_ascii_digits(k) and len(k) <= 18]
            for table in (messages, messages_archive):  # archived ones are found as well
                match = table.c.external_id.in_(chunk)
                if ids:
                    match = or_(match, table.c.id.in_(ids))
                rows = self._conn.execute(select(table).where(
                    table.c.account_id == account_id, match))
                found.update((row.id, _message_from_row(row)) for row in rows)
        return [found[i] for i in sorted(found)]

    def get_many(self, account_id: int, ids: Iterable[int]) -> dict[int, Message]:
        wanted = list(dict.fromkeys(ids))
        found: dict[int, Message] = {}
        for start in range(0, len(wanted), _IN_CHUNK):
            rows = self._conn.execute(select(messages).where(
                messages.c.account_id == account_id,
                messages.c.id.in_(wanted[start:start + _IN_CHUNK])))
            found.update((row.id, _message_from_row(row)) for row in rows)
        missing = [i for i in wanted if i not in found]
        for start in range(0, len(missing), _IN_CHUNK):  # the archive, only for what is not hot
            rows = self._conn.execute(select(messages_archive).where(
                messages_archive.c.account_id == account_id,
                messages_archive.c.id.in_(missing[start:start + _IN_CHUNK])))
            found.update((row.id, _message_from_row(row)) for row in rows)
        return found


def _finished_at(m: Message) -> datetime | None:
    """A message stored final (refused at send time) became final when it was stored."""
    return m.updated_at if m.status.final else None


def _concat_values(m: Message) -> dict[str, int | None]:
    part = m.concat
    return {"concat_ref": part.reference if part else None,
            "concat_total": part.total if part else None,
            "concat_seq": part.sequence if part else None}


def _message_from_row(row) -> Message:
    return Message(
        id=row.id, account_id=row.account_id, recipient=row.recipient, text=row.text,
        sender=row.sender, encoding=Encoding(row.encoding), segments=row.segments, cost=row.cost,
        status=MessageStatus.from_name(row.status), created_at=row.created_at,
        updated_at=row.updated_at, valid_until=row.valid_until, scheduled_at=row.scheduled_at,
        client_ref=row.client_ref, error_code=row.error_code, error_message=row.error_message,
        mailing_id=row.mailing_id, external_id=row.external_id,
        receipt_request=row.receipt_request,
        concat=(ConcatPart(row.concat_ref, row.concat_total, row.concat_seq)
                if row.concat_ref is not None else None))


class SqlSendRequestRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def find(self, account_id: int, client_ref: str) -> tuple[datetime, str | None] | None:
        row = self._conn.execute(_SEND_REQUEST, {"account_id": account_id,
                                                 "client_ref": client_ref}).first()
        return (row.created_at, row.result) if row else None

    def claim(self, account_id: int, client_ref: str, now: datetime,
              expired_before: datetime) -> None:
        # Only an expired claim may go: a live one committed by a concurrent request after our
        # last read must make the insert below fail, not be deleted from under it.
        self._conn.execute(delete(send_requests).where(
            send_requests.c.account_id == account_id, send_requests.c.client_ref == client_ref,
            send_requests.c.created_at < expired_before))
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(send_requests).values(
                    account_id=account_id, client_ref=client_ref, created_at=now))
        except IntegrityError as exc:
            raise DuplicateRequest(client_ref) from exc

    def store_result(self, account_id: int, client_ref: str, result: str) -> None:
        self._conn.execute(update(send_requests).where(
            send_requests.c.account_id == account_id, send_requests.c.client_ref == client_ref
        ).values(result=result))
