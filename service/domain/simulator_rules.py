"""The simulator's rules: which outcome a number gets, by the last digits, and after what delay.

Written ``SUFFIX=OUTCOME`` pairs and ``delay=SECONDS``, comma separated, for example
``0000=UNDELIV,1234=DELIVRD,delay=0.2``. Outcomes are receipt words, or NONE for no receipt.
"""

from __future__ import annotations

DEFAULT_RULES = {"0000": "UNDELIV", "0001": "EXPIRED", "0002": "REJECTD", "0003": "NONE"}
OUTCOMES = {"DELIVRD": "000", "UNDELIV": "005", "EXPIRED": "003", "REJECTD": "008",
            "DELETED": "004", "UNKNOWN": "007", "NONE": None}


def parse_rules(spec: str | None) -> tuple[dict[str, str], float | None]:
    """``"0000=UNDELIV,delay=0.5"`` -> ({"0000": "UNDELIV"}, 0.5). Raises ValueError."""
    rules: dict[str, str] = {}
    delay = None
    for item in (spec or "").replace(";", ",").split(","):
        if not item.strip():
            continue
        key, _, value = item.partition("=")
        key, value = key.strip(), value.strip().upper()
        if key.lower() == "delay":
            delay = float(value)
            if delay < 0:
                raise ValueError("delay must be >= 0")
        elif key.isdigit() and value in OUTCOMES:
            rules[key] = value
        else:
            raise ValueError(f"bad simulator rule {item.strip()!r}: use DIGITS=OUTCOME "
                             f"({'/'.join(OUTCOMES)}) or delay=SECONDS")
    return rules, delay
