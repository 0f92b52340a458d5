"""Prices per segment by destination prefix, longest prefix first."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .money import MONEY_QUANTUM


@dataclass(frozen=True)
class Tariff:
    """A price per segment for each destination prefix (digits of E.164 without ``+``)."""

    default_price: Decimal
    prefixes: dict[str, Decimal] = field(default_factory=dict)

    def price_for(self, e164: str) -> Decimal:
        digits = e164.lstrip("+")
        for length in range(min(len(digits), 15), 0, -1):
            price = self.prefixes.get(digits[:length])
            if price is not None:
                return price
        return self.default_price

    def cost(self, e164: str, segments: int) -> Decimal:
        return (self.price_for(e164) * segments).quantize(MONEY_QUANTUM)

    @classmethod
    def parse(cls, default_price: str, spec: str = "") -> "Tariff":
        """Build from ``"7=1.50,7495=2.00"`` (prefix=price pairs, commas or semicolons)."""
        prefixes: dict[str, Decimal] = {}
        for pair in spec.replace(";", ",").split(","):
            if not pair.strip():
                continue
            prefix, _, price = pair.partition("=")
            prefix = prefix.strip().lstrip("+")
            if not prefix.isdigit() or not price.strip():
                raise ValueError(f"bad tariff entry {pair.strip()!r}: expected PREFIX=PRICE")
            prefixes[prefix] = Decimal(price.strip())
        return cls(Decimal(default_price), prefixes)
