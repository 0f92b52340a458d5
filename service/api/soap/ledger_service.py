"""Native SOAP operations of the money ledger. Docstrings are copied into the WSDL."""

from __future__ import annotations

from types import SimpleNamespace

from spyne import ServiceBase, rpc
from spyne.model.primitive import DateTime, Integer32, Unicode

from ...domain.money import shown_amount
from . import ledger_types as lt
from .service import FAULTS, _credentials, _domain_errors


def transactions(statement):
    """The shape both this door's and the HTTP door's answers share (plain values)."""
    cur = statement.currency
    return [SimpleNamespace(
        id=e.id, amount=shown_amount(e.amount, cur), balanceAfter=shown_amount(e.balance_after, cur),
        reason=e.reason.value, reference=str(e.reference) if e.reference else None,
        createdAt=e.created_at, actor=e.actor, note=e.note) for e in statement.page.items]


class LedgerService(ServiceBase):
    """The money ledger: every change of the balance, with the balance after it."""

    @rpc(DateTime(**lt.Optional), DateTime(**lt.Optional), Integer32(**lt.Optional),
         Integer32(**lt.Optional), Unicode(**lt.Optional),
         _args=("since", "until", "page", "pageSize", "subAccount"),
         _returns=lt.TransactionPage, _throws=FAULTS)
    def GetTransactions(ctx, since, until, page, pageSize, subAccount):
        """The account's ledger entries created in [since, until), newest first: amount
        (signed), balanceAfter, reason, reference, createdAt, actor, note. The balance always
        equals the sum of every entry's amount. page starts at 1; pageSize 1..1000, default
        100. Faults: 8 login, 14 blocked, 1/12 validation (until before since, page out of
        range). subAccount: a parent reads one of its sub-clients' ledgers instead."""
        with _domain_errors(ctx):
            statement = ctx.app.gateway.use_cases.ledger.transactions(
                _credentials(ctx), since=since, until=until, page=page, page_size=pageSize,
                sub_account=subAccount)
        return SimpleNamespace(total=statement.page.total, currency=statement.currency,
                               transactions=transactions(statement))
