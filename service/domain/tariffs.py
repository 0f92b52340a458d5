"""Stored tariffs: named price lists in one currency, and the CSV file an operator imports.

A tariff's prices are per segment, by destination prefix (the digits of E.164 without ``+``),
longest prefix first, with a default price for every other destination; ``pricing.Tariff``
does the matching. This module holds what is true of a stored tariff: its name, its currency,
how many decimals a price in that currency may have, and the pure CSV parser.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .errors import ValidationError
from .money import MONEY_MAX, MONEY_PLACES, parse_currency

TARIFF_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", re.ASCII)
MAX_PREFIX_DIGITS = 15  # E.164 numbers have at most 15 digits
MAX_PRICES = 200_000

def price_places(currency: str) -> int:
    """The decimals a price per segment may have: the four the store keeps, in every currency.
    Wholesale SMS prices go below the minor unit (0.0035 USD); the ledger keeps them exactly
    and shows amounts with the currency's places or more (domain/money.py shown_amount)."""
    return MONEY_PLACES


def validate_tariff_name(name: str) -> str:
    """A tariff name: 1..64 ASCII letters, digits, ``_ . -``, starting with a letter or digit."""
    if not TARIFF_NAME.fullmatch(name or ""):
        raise ValidationError(f"tariff name {name[:70]!r} must be 1..64 ASCII letters, digits, "
                              "'_', '.' or '-', starting with a letter or digit", field="tariff")
    return name


@dataclass(frozen=True)
class StoredTariff:
    """A named price list as stored. ``version`` grows on every re-import (caches key on it)."""

    id: int | None
    name: str
    currency: str
    default_price: Decimal
    version: int = 1
    updated_at: datetime | None = None
    price_count: int = 0


@dataclass(frozen=True)
class LineProblem:
    line: int  # 1-based; 0 for the file as a whole
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason


class TariffFileInvalid(ValidationError):
    """A tariff file was refused as a whole; ``problems`` names every bad line."""

    def __init__(self, problems: list[LineProblem]) -> None:
        self.problems = problems
        super().__init__("tariff file refused: " + "; ".join(str(p) for p in problems),
                         field="file")


def parse_price(text: str, places: int, what: str = "price") -> tuple[Decimal | None, str | None]:
    """(price, None) for plain decimal digits with at most ``places`` decimals and at most
    MONEY_MAX; (None, why) otherwise."""
    text = text.strip()
    shown = text if len(text) <= 30 else text[:30] + "…"
    if not text:
        return None, f"{what} is empty"
    if text.startswith("-"):
        return None, f"{what} {shown!r} is negative"
    if not re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", text, re.ASCII):
        return None, f"{what} {shown!r} is not a number (write digits and a decimal point, like 1.50)"
    whole, _, fraction = text.partition(".")
    if len(fraction) > places:
        return None, f"{what} {shown} has {len(fraction)} decimals, at most {places} are kept"
    price = Decimal(text)
    if price > MONEY_MAX:
        return None, f"{what} {shown} is more than the largest amount kept ({MONEY_MAX})"
    return price, None


def _is_header(fields: list[str]) -> bool:
    return (len(fields) == 2 and not fields[0].strip().lstrip("+").isdigit()
            and not re.fullmatch(r"-?[0-9.]+", fields[1].strip()))


def parse_price_list(data: bytes, currency: str) -> dict[str, Decimal]:
    """The prices of a tariff CSV file: ``prefix,price`` per line (``;`` also separates), an
    optional header line first, blank lines ignored, UTF-8 (a BOM is allowed).

    Raises TariffFileInvalid naming every bad line: not UTF-8, a wrong number of columns, a
    prefix that is not 1..15 digits (a leading ``+`` is allowed), a price that is not a
    non-negative number with at most four decimals, a prefix given twice; or a file
    with no prices at all.
    """
    places = price_places(parse_currency(currency))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    problems: list[LineProblem] = []
    prices: dict[str, Decimal] = {}
    first_line: dict[str, int] = {}
    seen_content = False
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(LineProblem(number, "not UTF-8 text"))
            seen_content = True
            continue
        if not line.strip():
            continue
        delimiter = ";" if ";" in line and "," not in line else ","
        fields = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
        if not seen_content and _is_header(fields):
            seen_content = True
            continue
        seen_content = True
        if len(fields) != 2:
            problems.append(LineProblem(number, f"expected 2 columns (prefix, price), got {len(fields)}"))
            continue
        prefix = fields[0].strip()
        digits = prefix[1:] if prefix.startswith("+") else prefix
        bad = None
        if not (digits.isascii() and digits.isdigit() and 1 <= len(digits) <= MAX_PREFIX_DIGITS):
            shown = prefix if len(prefix) <= 20 else prefix[:20] + "…"
            bad = f"prefix {shown!r} is not 1..{MAX_PREFIX_DIGITS} digits"
        price, why = parse_price(fields[1], places)
        reasons = [r for r in (bad, why) if r]
        if not bad and digits in first_line:
            reasons.append(f"prefix {digits} is already on line {first_line[digits]}")
        if reasons:
            problems.append(LineProblem(number, ", and ".join(reasons)))
            continue
        assert price is not None
        first_line[digits] = number
        prices[digits] = price
    if not prices and not problems:
        problems.append(LineProblem(0, "the file has no prices (expected lines of prefix,price)"))
    elif len(prices) > MAX_PRICES:
        problems.append(LineProblem(0, f"{len(prices)} prices; at most {MAX_PRICES} per tariff"))
    if problems:
        raise TariffFileInvalid(problems)
    return prices


def render_price_list(prices: dict[str, Decimal]) -> str:
    """The CSV text ``parse_price_list`` reads back as ``prices`` (header, sorted by prefix)."""
    return "prefix,price\n" + "".join(f"{p},{prices[p]}\n" for p in sorted(prices))
