"""Native SOAP operations of sub-clients and of the settings clients set themselves.
Docstrings are copied into the WSDL."""

from __future__ import annotations

from types import SimpleNamespace

from spyne import ServiceBase, rpc
from spyne.model.primitive import Boolean, DateTime, Decimal, Integer32, Unicode

from ...app.subaccounts.settings import SettingsChange
from ...app.subaccounts.subaccounts import KEEP
from . import subaccount_types as st
from .service import FAULTS, _credentials, _domain_errors


def _uc(ctx):
    return ctx.app.gateway.use_cases


def _sub(s):
    return SimpleNamespace(login=s.login, balanceMode=s.balance_mode.value, balance=s.balance,
                           blocked=s.blocked, dailyCap=s.daily_cap, monthlyCap=s.monthly_cap,
                           createdAt=s.created_at)


def _transfer(t):
    return SimpleNamespace(subAccount=t.sub_account, amount=t.amount, balance=t.parent_balance,
                           subAccountBalance=t.sub_balance)


def _settings(v):
    return SimpleNamespace(login=v.login, callbackUrl=v.callback_url,
                           callbackSecretSet=v.callback_secret_set,
                           allowedIps=list(v.allowed_ips), retentionDays=v.retention_days,
                           defaultSender=v.default_sender, senderPolicy=v.sender_policy)


class SubAccountService(ServiceBase):
    """Sub-clients (one level): a parent creates and manages them, funds them and reads their
    totals. A sub-client calling these gets fault code 9 (Client.Forbidden)."""

    @rpc(Unicode(**st.Required), Unicode(**st.Required), Unicode(**st.Optional),
         Decimal(**st.Optional), Decimal(**st.Optional),
         _args=("login", "password", "balanceMode", "dailyCap", "monthlyCap"),
         _returns=st.SubAccount, _throws=FAULTS)
    def CreateSubAccount(ctx, login, password, balanceMode, dailyCap, monthlyCap):
        """Create a sub-client of the calling account, with its own login and password.
        balanceMode: own (default; fund it with TransferFunds) or parent (it spends from your
        balance; dailyCap and monthlyCap, in your currency, bound what it spends per UTC day and
        month). Faults: 1 login taken or invalid, 9 a sub-client cannot create sub-clients."""
        with _domain_errors(ctx):
            return _sub(_uc(ctx).subaccounts.create(_credentials(ctx), login, password,
                                                    balanceMode, dailyCap, monthlyCap))

    @rpc(_returns=st.SubAccount.customize(**st.Many), _out_variable_name="subAccounts",
         _throws=FAULTS)
    def GetSubAccounts(ctx):
        """The calling account's sub-clients (deleted ones are not listed), by login."""
        with _domain_errors(ctx):
            return [_sub(s) for s in _uc(ctx).subaccounts.list(_credentials(ctx))]

    @rpc(Unicode(**st.Required), Unicode(**st.Optional), Boolean(**st.Optional),
         Decimal(**st.Optional), Decimal(**st.Optional), Boolean(**st.Optional),
         Boolean(**st.Optional),
         _args=("subAccount", "password", "blocked", "dailyCap", "monthlyCap", "removeDailyCap",
                "removeMonthlyCap"),
         _returns=st.SubAccount, _throws=FAULTS)
    def UpdateSubAccount(ctx, subAccount, password, blocked, dailyCap, monthlyCap,
                         removeDailyCap, removeMonthlyCap):
        """Change a sub-client: its password, blocked flag, caps (balance mode parent only;
        removeDailyCap / removeMonthlyCap lift a cap). The balance mode is fixed at creation.
        Another account's sub-client is not found (2)."""
        daily = None if removeDailyCap else KEEP if dailyCap is None else dailyCap
        monthly = None if removeMonthlyCap else KEEP if monthlyCap is None else monthlyCap
        with _domain_errors(ctx):
            return _sub(_uc(ctx).subaccounts.update(
                _credentials(ctx), subAccount, password=password, blocked=blocked,
                daily_cap=daily, monthly_cap=monthly))

    @rpc(Unicode(**st.Required), _returns=Integer32, _out_variable_name="code", _throws=FAULTS)
    def DeleteSubAccount(ctx, subAccount):
        """Delete a sub-client: refused (12) while it has a balance (withdraw it first).
        It is then blocked and no longer listed; its login stays taken and its messages are
        kept. Returns code 0."""
        with _domain_errors(ctx):
            _uc(ctx).subaccounts.delete(_credentials(ctx), subAccount)
        return 0

    @rpc(Unicode(**st.Required), Decimal(**st.Required), _args=("subAccount", "amount"),
         _returns=st.TransferResult, _throws=FAULTS)
    def TransferFunds(ctx, subAccount, amount):
        """Move amount (more than 0, at most 4 decimal places) from your balance to a
        sub-client with its own balance. InsufficientFundsFault when yours does not cover it."""
        with _domain_errors(ctx):
            return _transfer(_uc(ctx).subaccounts.transfer(_credentials(ctx), subAccount, amount))

    @rpc(Unicode(**st.Required), Decimal(**st.Required), _args=("subAccount", "amount"),
         _returns=st.TransferResult, _throws=FAULTS)
    def WithdrawFunds(ctx, subAccount, amount):
        """Move amount (more than 0) from a sub-client's own balance back to yours.
        InsufficientFundsFault when the sub-client's balance does not cover it."""
        with _domain_errors(ctx):
            return _transfer(_uc(ctx).subaccounts.withdraw(_credentials(ctx), subAccount, amount))

    @rpc(DateTime(**st.Optional), DateTime(**st.Optional), _args=("since", "until"),
         _returns=st.SubAccountStats.customize(**st.Many), _out_variable_name="stats",
         _throws=FAULTS)
    def GetSubAccountStats(ctx, since, until):
        """Per sub-client, the messages created in [since, until): how many, their segments
        and their cost. Every sub-client is listed, with zeros when it sent nothing."""
        with _domain_errors(ctx):
            totals = _uc(ctx).subaccounts.totals(_credentials(ctx), since, until)
        return [SimpleNamespace(login=t.login, messages=t.messages, segments=t.segments,
                                cost=t.cost) for t in totals]


class AccountSettingsService(ServiceBase):
    """Settings clients set themselves: callback URL and secret, IP allowlist, retention,
    default sender, sender policy. Blocking, tariff, limits and credit limit are the operator's (CLI)."""

    @rpc(Unicode(**st.Optional), _args=("subAccount",), _returns=st.AccountSettings,
         _throws=FAULTS)
    def GetAccountSettings(ctx, subAccount):
        """Your settings, or (subAccount) those of one of your sub-clients."""
        with _domain_errors(ctx):
            return _settings(_uc(ctx).settings.get(_credentials(ctx), subAccount))

    @rpc(Unicode(**st.Optional), Unicode(**st.Optional), Unicode(**st.Many),
         Integer32(**st.Optional), Unicode(**st.Optional), Unicode(**st.Optional),
         Unicode(**st.Optional), Boolean(**st.Optional),
         _args=("callbackUrl", "callbackSecret", "allowedIps", "retentionDays", "defaultSender",
                "senderPolicy", "subAccount", "clearAllowedIps"),
         _returns=st.AccountSettings, _throws=FAULTS)
    def SetAccountSettings(ctx, callbackUrl, callbackSecret, allowedIps, retentionDays,
                           defaultSender, senderPolicy, subAccount, clearAllowedIps):
        """Change the settings given; absent ones stay. An empty callbackUrl, callbackSecret or
        defaultSender clears it; clearAllowedIps=true allows any address again. A callback URL
        you set may reach public addresses only (plus networks the operator allows); the
        allowlist must include the address you call from. retentionDays: 0 or more.
        senderPolicy: fallback (a sender not approved for a destination goes out as the shared
        sender) or refuse (the message is BANNED, 23).
        subAccount: change one of your sub-clients' settings instead."""
        ips = [] if clearAllowedIps else (list(allowedIps) if allowedIps else None)
        with _domain_errors(ctx):
            return _settings(_uc(ctx).settings.set(_credentials(ctx), SettingsChange(
                callback_url=callbackUrl, callback_secret=callbackSecret, allowed_ips=ips,
                retention_days=retentionDays, default_sender=defaultSender,
                sender_policy=senderPolicy), subAccount))
