"""Money as smsgw keeps it: amounts to 0.0001 that fit NUMERIC(18,4), in ISO 4217 currencies."""

from __future__ import annotations

import re
from decimal import Decimal

from .errors import ConstraintViolation, ValidationError

MONEY_QUANTUM = Decimal("0.0001")
MONEY_PLACES = 4
# NUMERIC(18,4): 14 digits before the point. SQLite keeps ten-thousandths in a 64-bit integer,
# which holds more, so PostgreSQL's column is the bound on every store.
MONEY_MAX = Decimal("99999999999999.9999")

_PLAIN_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)

# ISO 4217 list one (active codes): Debian iso-codes 4.15 with the later amendments applied
# (XCG and ZWG added; ANG, HRK and ZWL withdrawn).
CURRENCIES = frozenset("""
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
    BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN
    ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD
    JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
    MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
    QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS
    TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU
    XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG
""".split())


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def parse_amount(text: str, field: str = "amount", *, positive: bool = False) -> Decimal:
    """A sum of money written as plain decimal digits (``12``, ``12.50``): no sign, exponent,
    separators or non-ASCII digits, at most four decimal places, at most ``MONEY_MAX``.
    ``positive`` refuses zero as well."""
    text = str(text).strip()
    if text.startswith("-") and _PLAIN_DECIMAL.fullmatch(text[1:]):
        raise ConstraintViolation(field, f"{field} must not be negative")
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise ValidationError(f"{field} {_shown(text)!r} is not a number: write digits with an "
                              "optional decimal point, like 12.50", field=field)
    whole, _, fraction = text.partition(".")
    if len(fraction) > MONEY_PLACES:
        raise ConstraintViolation(field, f"{field} {_shown(text)} has more than {MONEY_PLACES} "
                                  f"decimal places (money is kept to {MONEY_QUANTUM})",
                                  limit=MONEY_QUANTUM)
    amount = Decimal(text)
    if amount > MONEY_MAX:
        raise ConstraintViolation(field, f"{field} {_shown(text)} is more than the largest amount "
                                  f"kept, {MONEY_MAX}", limit=MONEY_MAX)
    if positive and not amount:
        raise ConstraintViolation(field, f"{field} must be more than 0")
    return amount


def parse_currency(text: str, field: str = "currency") -> str:
    """An active ISO 4217 code, upper-cased (``rub`` is ``RUB``)."""
    code = str(text).strip().upper()
    if code not in CURRENCIES:
        raise ValidationError(f"{field} {_shown(str(text))!r} is not an active ISO 4217 currency code "
                              "(like RUB, EUR or USD)", field=field)
    return code


# ISO 4217 minor units (digits after the point) where they are not 2. Codes ISO marks "N.A."
# (metals, testing, funds units XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX) keep all
# four places smsgw stores. Every currency's minor unit fits MONEY_PLACES, so none is rounded.
_MINOR_UNITS = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX".split(), 4),
}


def minor_unit(currency: str) -> int:
    """How many decimal places ``currency`` needs (ISO 4217): 2 for most, 0 for JPY, 3 for KWD."""
    return _MINOR_UNITS.get(currency, 2)


def shown_amount(amount: Decimal, currency: str) -> Decimal:
    """``amount`` with at least the currency's decimal places and no more than it has:
    ``12.5`` KWD is ``12.500``, ``100`` JPY is ``100``, a price of ``0.0035`` USD stays
    ``0.0035`` (prices may go below the minor unit; the store keeps 0.0001)."""
    places = max(minor_unit(currency), _places(amount))
    return amount.quantize(Decimal(1).scaleb(-places)) if places else amount.quantize(Decimal(1))


def _places(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return min(MONEY_PLACES, max(0, -exponent)) if isinstance(exponent, int) else 0


def parse_signed_amount(text: str, field: str = "amount") -> Decimal:
    """Like ``parse_amount`` with an optional leading ``-``; zero is refused (an adjustment of
    nothing is a mistake)."""
    text = str(text).strip()
    negative = text.startswith("-")
    if negative and not text[1:2].isdigit():
        raise ValidationError(f"{field} {_shown(text)!r} is not a number: write digits with an "
                              "optional sign and decimal point, like -12.50", field=field)
    amount = parse_amount(text[1:] if negative else text, field, positive=True)
    return -amount if negative else amount
