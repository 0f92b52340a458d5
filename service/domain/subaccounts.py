"""Sub-clients: one level of accounts under a parent, each spending its own balance or its
parent's (with optional daily and monthly caps on what it spends).

Pure rules only; the use cases are in app/subaccounts/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from .errors import ConstraintViolation, ValidationError
from .money import MONEY_MAX, parse_amount


class BalanceMode(str, Enum):
    OWN = "own"        # its own balance, funded by the parent's transfers
    PARENT = "parent"  # sends debit the parent's balance, within the sub-client's caps

    @classmethod
    def parse(cls, text: str | None) -> "BalanceMode":
        if text is None or str(text).strip() == "":
            return cls.OWN
        try:
            return cls(str(text).strip().lower())
        except ValueError as exc:
            raise ValidationError(f"balanceMode {str(text)[:20]!r} is not 'own' or 'parent'",
                                  field="balanceMode") from exc


@dataclass(frozen=True)
class SubAccount:
    """A sub-client's link to its parent. ``deleted_at``: deleted by the parent (blocked and
    hidden; its login stays taken and its messages stay with it)."""

    account_id: int
    parent_id: int
    login: str
    balance_mode: BalanceMode
    daily_cap: Decimal | None = None
    monthly_cap: Decimal | None = None
    created_at: datetime | None = None
    deleted_at: datetime | None = None
    # filled in by listings: the sub-client's own account state
    blocked: bool = False
    balance: Decimal = Decimal("0")


@dataclass(frozen=True)
class SpendWindow:
    """One cap's window: ``period`` is "daily" or "monthly", ``start`` its first day (UTC)."""

    period: str
    start: date
    cap: Decimal


def spend_windows(now: datetime, daily_cap: Decimal | None,
                  monthly_cap: Decimal | None) -> list[SpendWindow]:
    """The windows a spend at ``now`` counts against: the UTC day and the UTC month, for each
    cap that is set."""
    out = []
    if daily_cap is not None:
        out.append(SpendWindow("daily", now.date(), daily_cap))
    if monthly_cap is not None:
        out.append(SpendWindow("monthly", now.date().replace(day=1), monthly_cap))
    return out


def parse_cap(value: object, field: str) -> Decimal | None:
    """A cap from a client: empty or absent is None (no cap), otherwise an amount; 0 is a cap
    of nothing (the sub-client cannot spend)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, Decimal):
        value = format(value, "f")
    return parse_amount(str(value), field)


def parse_transfer_amount(value: object) -> Decimal:
    """A transfer amount: more than 0, four decimal places at most, at most ``MONEY_MAX``."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        raise ValidationError("amount is required", field="amount")
    if isinstance(value, Decimal):
        if value.is_nan() or value.is_infinite():
            raise ValidationError("amount must be a number", field="amount")
        if value < 0:
            raise ConstraintViolation("amount", "amount must be more than 0")
        value = format(value, "f")
    amount = parse_amount(str(value), "amount", positive=True)
    if amount > MONEY_MAX:  # pragma: no cover - parse_amount already bounds it
        raise ConstraintViolation("amount", f"amount is more than {MONEY_MAX}", limit=MONEY_MAX)
    return amount
