"""XML types of sub-clients and self-service settings. Lists are plain repeated elements."""

from __future__ import annotations

from spyne import ComplexModel
from spyne.model.primitive import Boolean, DateTime, Decimal, Integer32, Integer64, Unicode

from ..ns import TNS

Required = dict(min_occurs=1, nillable=False)
Optional = dict(min_occurs=0)
Many = dict(min_occurs=0, max_occurs="unbounded")


class SubAccount(ComplexModel):
    """A sub-client. balanceMode: own (its balance, funded by TransferFunds) or parent (it
    spends from the parent's balance, within dailyCap and monthlyCap when set). balance is the
    sub-client's own balance."""

    __namespace__ = TNS
    _type_info = [
        ("login", Unicode(**Required)),
        ("balanceMode", Unicode(**Required)),
        ("balance", Decimal(**Required)),
        ("blocked", Boolean(**Required)),
        ("dailyCap", Decimal(**Optional)),
        ("monthlyCap", Decimal(**Optional)),
        ("createdAt", DateTime(**Optional)),
    ]


class TransferResult(ComplexModel):
    """After TransferFunds or WithdrawFunds: the amount moved and both balances."""

    __namespace__ = TNS
    _type_info = [
        ("subAccount", Unicode(**Required)),
        ("amount", Decimal(**Required)),
        ("balance", Decimal(**Required)),
        ("subAccountBalance", Decimal(**Required)),
    ]


class SubAccountStats(ComplexModel):
    """One sub-client's messages in the period asked: how many, their segments and cost."""

    __namespace__ = TNS
    _type_info = [
        ("login", Unicode(**Required)),
        ("messages", Integer64(**Required)),
        ("segments", Integer64(**Required)),
        ("cost", Decimal(**Required)),
    ]


class AccountSettings(ComplexModel):
    """Settings a client sets itself. The callback secret is never shown: callbackSecretSet
    says whether one is set. retentionDays absent: the gateway's default."""

    __namespace__ = TNS
    _type_info = [
        ("login", Unicode(**Required)),
        ("callbackUrl", Unicode(**Optional)),
        ("callbackSecretSet", Boolean(**Required)),
        ("allowedIps", Unicode(**Many)),
        ("retentionDays", Integer32(**Optional)),
        ("defaultSender", Unicode(**Optional)),
        ("senderPolicy", Unicode(**Required)),
    ]
