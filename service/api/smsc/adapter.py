"""The smsc operations over the shared use cases, and their one error table.

smsc answers request errors in the result's ``error`` field, per method, never as faults.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from ...app.access.auth import Credentials
from ...app.results import ResultCode
from ...app.sending.sending import QuoteSms, SendSms
from ...app.use_cases import UseCases
from ...domain import errors as e
from ...domain.status import MessageStatus
from ...domain.vocabularies import smsc_code, smsc_status_name
from ..errors import Entry, translate
from .params import DateFormatError, parse_query, send_time, transliterate, validity_minutes, zone

CENTS = Decimal("0.01")


# smsc's errors 5 and 6 are about one parameter, whatever the rule it broke.
BY_FIELD = {"scheduledAt": 5, "time": 5, "sender": 6}

# smsc's one translation table: domain errors to smsc request error codes.
SMSC_ERRORS: dict[type[e.SmsgwError], Entry[int]] = {
    e.TooManyAttempts: 4,            # before AuthenticationFailed (2), which it is
    e.AuthenticationFailed: 2,
    e.AccountBlocked: 2,
    e.InsufficientFunds: 3,
    DateFormatError: 5,
    e.RateLimited: 9,
    e.SmsgwError: lambda error: BY_FIELD.get(error.field, 1),
}


def smsc_error(error: e.SmsgwError) -> int:
    """smsc's request error code for a domain error."""
    return translate(SMSC_ERRORS, error)


def money(value: Decimal) -> str:
    return str(value.quantize(CENTS, ROUND_HALF_UP))


class SmscAdapter:
    def __init__(self, use_cases: UseCases) -> None:
        self._uc = use_cases

    def call(self, operation: str, f: dict[str, str | None], ip: str | None,
             now: datetime, *, many: bool = False) -> dict[str, str] | list[dict[str, str]]:
        """The operation's result fields, or ``{"error": code}``. With ``many``, a status
        request names several messages (``id`` and ``phone`` comma-separated, as smsc's HTTP
        API allows) and the answer is one result per id, or one error for the request."""
        creds = Credentials(f.get("login") or None, f.get("psw"), ip, f.get("apikey") or None)
        try:
            self._uc.guard.check_address(ip)
        except e.TooManyAttempts:
            return {"error": "4"}
        result = self._call(operation, f, creds, now, many)
        if isinstance(result, dict) and result.get("error") not in (None, "2", "4", "9"):
            self._uc.guard.request_failed(ip)  # logins count themselves (2, 4)
        return result

    def _call(self, operation: str, f: dict[str, str | None], creds: Credentials,
              now: datetime, many: bool) -> dict[str, str] | list[dict[str, str]]:
        try:
            if operation == "get_answers":  # no error-9 rule of its own: the query rate only
                return self._answers(creds, f, now)
            self._limit(creds, operation, f)
            if operation in ("send_sms", "send_sms2"):
                return self._send(creds, f, now)
            if operation in ("get_sms_cost", "get_sms_cost2"):
                return self._cost(creds, f)
            if operation in ("get_status", "get_status2"):
                results = self._status(creds, f, many)
                return results if many else results[0]
            balance = self._uc.accounts.get_balance(creds)
            return {"balance": money(balance.balance)}
        except e.SmsgwError as exc:
            return {"error": str(smsc_error(exc))}

    def _limit(self, creds: Credentials, operation: str, f: dict[str, str | None]) -> None:
        """smsc's error 9: an identical send twice in a minute, more than 5 identical cost
        requests or status requests for one message, more than 10 balance requests."""
        if operation.startswith("send") and "cost=1" not in (f.get("query") or ""):
            what, limit = f"send|{f.get('phones')}|{f.get('mes')}|{f.get('sender')}", 1
        elif operation.startswith("get_sms_cost") or operation.startswith("send"):
            what, limit = f"cost|{f.get('phones')}|{f.get('mes')}", 5
        elif operation.startswith("get_status"):
            what, limit = f"status|{f.get('phone')}|{f.get('id')}", 5
        else:
            what, limit = "balance", 10
        self._uc.limits.check(creds, what, limit)

    def _phones(self, creds: Credentials, phones: str | None) -> list[str]:
        """The numbers, with each ``G<group id or name>`` expanded to its contacts."""
        items = [p.strip() for p in (phones or "").replace(";", ",").split(",") if p.strip()]
        if not items:
            raise e.MissingParameter("phones")
        refs = [item[1:] for item in items if _is_group(item)]
        members = self._uc.address_book.group_phones(creds, refs) if refs else {}
        out: list[str] = []
        for item in items:
            out += members[item[1:]] if _is_group(item) else [item]
        return out

    def _text(self, f: dict[str, str | None], query: dict[str, str]) -> str:
        text = f.get("mes") or ""
        if not text:
            raise e.MissingParameter("mes")
        return transliterate(text) if query.get("translit", "0") not in ("", "0") else text

    def _send(self, creds: Credentials, f: dict[str, str | None], now: datetime) -> dict[str, str]:
        query = parse_query(f.get("query"))
        text = self._text(f, query)
        phones = self._phones(creds, f.get("phones"))
        when = send_time(f.get("time"), zone(query), now)
        mode = query.get("cost", "0")
        if mode == "1":  # only the price, nothing is sent
            quote = self._uc.sending.quote(QuoteSms(creds, phones, text))
            return {"cost": money(quote.cost), "cnt": str(quote.segments)}
        result = self._uc.sending.send(SendSms(
            creds, phones, text, sender=f.get("sender") or None, scheduled_at=when,
            validity_minutes=validity_minutes(query), external_id=f.get("id") or None))
        if result.code == ResultCode.NONE:  # no number was usable: badly written (7) or refused (8)
            banned = any(m.status == MessageStatus.BANNED.canonical_name for m in result.messages)
            return {"error": "8" if banned else "7"}
        first = result.messages[0].message_id
        return {"id": f.get("id") or str(first), "cnt": str(result.total_segments),
                "cost": money(result.total_cost), "balance": money(result.balance)}

    def _cost(self, creds: Credentials, f: dict[str, str | None]) -> dict[str, str]:
        query = parse_query(f.get("query"))
        quote = self._uc.sending.quote(QuoteSms(creds, self._phones(creds, f.get("phones")),
                                                self._text(f, query)))
        if not quote.accepted:
            return {"error": "7"}
        return {"cost": money(quote.cost), "cnt": str(quote.segments)}

    def _status(self, creds: Credentials, f: dict[str, str | None],
                many: bool) -> list[dict[str, str]]:
        ids = (f.get("id") or "").split(",") if many else [f.get("id") or ""]
        phones = (f.get("phone") or "").split(",") if many else [f.get("phone") or ""]
        pairs = [(key.strip(), (phones[n] if n < len(phones) else "").strip() or None)
                 for n, key in enumerate(ids) if key.strip()]
        if not pairs:
            raise e.MissingParameter("id")
        query = parse_query(f.get("query"))
        tz = zone(query)
        detail = (f.get("all") or "0").strip()
        found = self._uc.statuses.by_client_ids(creds, pairs)
        return [_status_fields(message, tz, detail) for message in found]


    def _answers(self, creds: Credentials, f: dict[str, str | None],
                 now: datetime) -> list[dict[str, str]]:
        """``get_answers``: the inbound messages, in smsc's fields and Moscow time (``tz``).
        get.php's other actions (history, statistics, tariffs) are not offered: error 1."""
        if f.get("get_answers") != "1":
            raise e.ValidationError("get.php offers get_answers=1 only", field="get_answers")
        tz = zone(parse_query(f.get("query")))
        found = self._uc.inbox.answers(creds, hour=f.get("hour"), after_id=f.get("after_id"),
                                       to_phone=f.get("to_phone"), cnt=f.get("cnt"))
        return [_answer_fields(m, tz) for m in found]


def _answer_fields(m, tz: timezone) -> dict[str, str]:
    """One answer in smsc's fields, in smsc's order (reference: docs of get_answers; the
    numbers without '+', as smsc writes them). We know one time, when the carrier handed the
    message over: it is both ``received`` and ``sent`` (the handset's own time is not kept)."""
    when = _date(m.received_at, tz)
    return {"id": str(m.id), "received": when, "phone": _bare(m.source), "message": m.text,
            "to_phone": _bare(m.destination), "sent": when}


def _bare(address: str) -> str:
    """A number as smsc writes it (``79991234567``); an alphanumeric sender as it came."""
    return address[1:] if address.startswith("+") and address[1:].isdigit() else address


def _is_group(item: str) -> bool:
    return item[0] in "Gg" and len(item) > 1  # no phone number starts with a letter


def _status_fields(message, tz: timezone, detail: str) -> dict[str, str]:
    if message is None:
        return {"status": "-3"}
    code = smsc_code(message.status)
    out = {"status": str(code), "last_date": _date(message.updated_at, tz),
           "last_timestamp": str(int(message.updated_at.timestamp())),
           "err": _err(message)}
    if detail in ("1", "2"):
        out |= {"send_date": _date(message.created_at, tz),
                "send_timestamp": str(int(message.created_at.timestamp())),
                "phone": message.recipient, "cost": money(message.cost),
                "sender_id": message.sender or "",
                "status_name": smsc_status_name(message.status),
                "message": message.text}
    if detail == "2":
        out |= {"operator": "", "region": ""}
    return out


def _date(when: datetime, tz: timezone) -> str:
    return when.astimezone(tz).strftime("%d.%m.%Y %H:%M:%S")


def _err(message) -> str:
    """smsc's delivery error code (reference B.6): the carrier's, or ours for our refusals."""
    if message.status is MessageStatus.INVALID_NUMBER:
        return "249"
    if message.status is MessageStatus.BANNED:
        return "252"
    delivered = (MessageStatus.DELIVERED, MessageStatus.CLICKED)
    if message.status.final and message.status not in delivered and message.error_code:
        return str(message.error_code)
    return "0"


__all__ = ["SmscAdapter", "smsc_error"]
