"""Carrier message ids, matched after normalisation.

SMSCs disagree with themselves: the id in ``submit_sm_resp`` may be hex while the receipt
says decimal (or the reverse), with other case or leading zeros. Each id is stored in its
normal form (trimmed, lower case, no leading zeros); a receipt's id is looked up under its
own normal form first, then under its other-base readings.
"""

from __future__ import annotations

import string

_HEX = frozenset(string.hexdigits)


def normalise_carrier_id(raw: str) -> str:
    text = raw.strip().lower()
    stripped = text.lstrip("0")
    return stripped if stripped or not text else "0"


def receipt_lookup_keys(raw: str) -> list[str]:
    """Normal forms a stored submit id may have for this receipt id, most likely first."""
    key = normalise_carrier_id(raw)
    keys = [key]
    if key.isdigit():                       # a decimal receipt for a hex submit id
        keys.append(format(int(key), "x"))
    if key and all(c in _HEX for c in key) and len(key) <= 32:
        keys.append(str(int(key, 16)))      # a hex receipt for a decimal submit id
    return list(dict.fromkeys(keys))
