"""Account: the balance and the money ledger (``Account/GetBalance``, ``Account/Transactions``)."""

from __future__ import annotations

from ....domain.money import shown_amount
from ..params import Params
from .kinds import D, I, S

PARAMETERS = {
    "Account": {"GetBalance": [],
                "Transactions": [("since", D, False), ("until", D, False), ("page", I, False),
                                 ("pageSize", I, False), ("subAccount", S, False)]},
}


def account_balance(uc, p: Params, creds):
    b = uc.accounts.get_balance(creds)
    return 0, {"balance": b.balance, "currency": b.currency}, "OK"


def account_transactions(uc, p: Params, creds):
    s = uc.ledger.transactions(creds, since=p.datetime("since"), until=p.datetime("until"),
                               page=p.int("page"), page_size=p.int("pageSize"),
                               sub_account=p.get("subAccount"))
    cur = s.currency
    return 0, {"total": s.page.total, "currency": cur, "transactions": [
        {"id": e.id, "amount": shown_amount(e.amount, cur),
         "balanceAfter": shown_amount(e.balance_after, cur), "reason": e.reason.value,
         "reference": str(e.reference) if e.reference else None, "createdAt": e.created_at,
         "actor": e.actor, "note": e.note} for e in s.page.items]}, "OK"


ROUTES = {"account": {"getbalance": account_balance, "transactions": account_transactions}}
