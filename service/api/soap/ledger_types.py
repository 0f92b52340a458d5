"""XML types of the money ledger's operations (lists are repeated elements)."""

from __future__ import annotations

from spyne import ComplexModel
from spyne.model.primitive import DateTime, Decimal, Integer32, Integer64, Unicode

from ..ns import TNS

Required = dict(min_occurs=1, nillable=False)
Optional = dict(min_occurs=0)
Many = dict(min_occurs=0, max_occurs="unbounded")


class Transaction(ComplexModel):
    """One ledger entry: a change of the balance. amount is signed (negative takes money);
    balanceAfter is the balance right after it. reason: opening_balance, topup, send, mailing,
    refund, mailing_refund, transfer_out, transfer_in or adjustment. reference is kind:id
    (message:42, mailing:7, transfer:...); actor is who made the change (a login, operator,
    worker); note says more (how many messages, why a refund)."""

    __namespace__ = TNS
    _type_info = [
        ("id", Integer64(**Required)),
        ("amount", Decimal(**Required)),
        ("balanceAfter", Decimal(**Required)),
        ("reason", Unicode(**Required)),
        ("reference", Unicode(**Optional)),
        ("createdAt", DateTime(**Required)),
        ("actor", Unicode(**Optional)),
        ("note", Unicode(**Optional)),
    ]


class TransactionPage(ComplexModel):
    """A page of the ledger, newest first; total counts every matching entry; amounts are in
    currency."""

    __namespace__ = TNS
    _type_info = [("total", Integer32(**Required)), ("currency", Unicode(**Required)),
                  ("transactions", Transaction.customize(**Many))]
