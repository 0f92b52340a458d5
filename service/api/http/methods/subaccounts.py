"""SubAccounts (a parent's sub-clients) and Account/Settings (what clients set themselves)."""

from __future__ import annotations

from ....app.subaccounts.settings import OPERATOR_ONLY, SettingsChange, refuse_operator_only
from ....app.subaccounts.subaccounts import KEEP
from ....domain.errors import ValidationError
from ..params import Params
from .kinds import D, I, L, S

PARAMETERS = {
    "SubAccounts": {
        "Create": [("login", S, True), ("password", S, True), ("balanceMode", S, False),
                   ("dailyCap", S, False), ("monthlyCap", S, False)],
        "List": [],
        "Update": [("subAccount", S, True), ("password", S, False), ("blocked", S, False),
                   ("dailyCap", S, False), ("monthlyCap", S, False)],
        "Delete": [("subAccount", S, True)],
        "Transfer": [("subAccount", S, True), ("amount", S, True)],
        "Withdraw": [("subAccount", S, True), ("amount", S, True)],
        "Stats": [("since", D, False), ("until", D, False)],
    },
    "Account": {
        "Settings": [("callbackUrl", S, False), ("callbackSecret", S, False),
                     ("allowedIps", L, False), ("retentionDays", I, False),
                     ("defaultSender", S, False), ("senderPolicy", S, False),
                     ("subAccount", S, False)],
    },
}

_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


def _flag(p: Params, name: str) -> bool | None:
    value = p.get(name)
    if value is None or value == "":
        return None
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ValidationError(f"{name} must be true or false", field=name)


def _cap(p: Params, name: str) -> object:
    """Absent: unchanged; empty or ``none``: no cap; otherwise the amount."""
    if not p.present(name):
        return KEEP
    value = p.get(name)
    return None if value is None or value.strip().lower() in ("", "none") else value


def _sub(s) -> dict:
    return {"login": s.login, "balanceMode": s.balance_mode.value, "balance": s.balance,
            "blocked": s.blocked, "dailyCap": s.daily_cap, "monthlyCap": s.monthly_cap,
            "createdAt": s.created_at}


def _transfer(t) -> dict:
    return {"subAccount": t.sub_account, "amount": t.amount, "balance": t.parent_balance,
            "subAccountBalance": t.sub_balance}


def create(uc, p: Params, creds):
    p.require("login", "password")
    return 0, _sub(uc.subaccounts.create(creds, p.get("login"), p.get("password"),
                                         p.get("balanceMode"), p.get("dailyCap"),
                                         p.get("monthlyCap"))), "OK"


def list_(uc, p: Params, creds):
    return 0, [_sub(s) for s in uc.subaccounts.list(creds)], "OK"


def update(uc, p: Params, creds):
    p.require("subAccount")
    refuse_operator_only([n for n in p.names() if n != "blocked"])
    return 0, _sub(uc.subaccounts.update(
        creds, p.get("subAccount"), password=p.get("password"), blocked=_flag(p, "blocked"),
        daily_cap=_cap(p, "dailyCap"), monthly_cap=_cap(p, "monthlyCap"))), "OK"


def delete(uc, p: Params, creds):
    p.require("subAccount")
    uc.subaccounts.delete(creds, p.get("subAccount"))
    return 0, None, "OK"


def transfer(uc, p: Params, creds):
    p.require("subAccount", "amount")
    return 0, _transfer(uc.subaccounts.transfer(creds, p.get("subAccount"), p.get("amount"))), "OK"


def withdraw(uc, p: Params, creds):
    p.require("subAccount", "amount")
    return 0, _transfer(uc.subaccounts.withdraw(creds, p.get("subAccount"), p.get("amount"))), "OK"


def stats(uc, p: Params, creds):
    totals = uc.subaccounts.totals(creds, p.datetime("since"), p.datetime("until"))
    return 0, [{"login": t.login, "messages": t.messages, "segments": t.segments,
                "cost": t.cost} for t in totals], "OK"


_SETTINGS = ("callbackUrl", "callbackSecret", "allowedIps", "retentionDays", "defaultSender",
             "senderPolicy")


def settings(uc, p: Params, creds):
    """Without any setting named: read them. Otherwise change those named (empty clears)."""
    refuse_operator_only([n for n in p.names() if n in OPERATOR_ONLY])
    sub = p.get("subAccount") or None
    if not any(p.present(n) for n in _SETTINGS):
        view = uc.settings.get(creds, sub)
    else:
        ips = p.list("allowedIps") if p.present("allowedIps") else None
        view = uc.settings.set(creds, SettingsChange(
            callback_url=p.get("callbackUrl"), callback_secret=p.get("callbackSecret"),
            allowed_ips=ips, retention_days=p.int("retentionDays"),
            default_sender=p.get("defaultSender"), sender_policy=p.get("senderPolicy")), sub)
    return 0, {"login": view.login, "callbackUrl": view.callback_url,
               "callbackSecretSet": view.callback_secret_set,
               "allowedIps": list(view.allowed_ips), "retentionDays": view.retention_days,
               "defaultSender": view.default_sender, "senderPolicy": view.sender_policy}, "OK"


ROUTES = {
    "subaccounts": {"create": create, "list": list_, "update": update, "delete": delete,
                    "transfer": transfer, "withdraw": withdraw, "stats": stats},
    "account": {"settings": settings},
}
