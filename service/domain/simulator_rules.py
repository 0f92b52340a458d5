"""The simulator's rules: which outcome a number gets, by the last digits, and after what delay;
and which simulated subscribers reply to a message delivered to them.

Written as comma-separated items, for example
``0000=UNDELIV,1234=DELIVRD,delay=0.2,reply:0009=STOP,reply:0008=ECHO,replydelay=1``:

- ``SUFFIX=OUTCOME``: a number ending in SUFFIX gets that receipt word (or NONE: no receipt);
- ``delay=SECONDS``: the receipt comes that long after the submit;
- ``reply:SUFFIX=TEXT``: a number ending in SUFFIX, once a message to it is delivered, answers
  TEXT to the message's sender; the text ``ECHO`` (any case) answers with the text it received.
  A reply text cannot hold a comma or a semicolon (they separate items);
- ``replydelay=SECONDS``: how long after the delivery the reply comes (default 1).
"""

from __future__ import annotations

from collections.abc import Iterator

DEFAULT_RULES = {"0000": "UNDELIV", "0001": "EXPIRED", "0002": "REJECTD", "0003": "NONE"}
# A number ending in 0009 answers STOP to what it was sent, one ending in 0008 echoes it.
DEFAULT_REPLIES = {"0009": "STOP", "0008": "ECHO"}
DEFAULT_REPLY_DELAY = 1.0
ECHO = "ECHO"
OUTCOMES = {"DELIVRD": "000", "UNDELIV": "005", "EXPIRED": "003", "REJECTD": "008",
            "DELETED": "004", "UNKNOWN": "007", "NONE": None}
_REPLY = "reply:"
_REPLY_DELAY = "replydelay"


def parse_rules(spec: str | None) -> tuple[dict[str, str], float | None]:
    """``"0000=UNDELIV,delay=0.5"`` -> ({"0000": "UNDELIV"}, 0.5). Raises ValueError for any
    bad item, reply items included (they are read by ``parse_replies``)."""
    rules: dict[str, str] = {}
    delay = None
    for key, value, item in _items(spec):
        if key.lower() == "delay":
            delay = _seconds(value)
        elif key.lower().startswith(_REPLY) or key.lower() == _REPLY_DELAY:
            continue
        elif key.isdigit() and value.upper() in OUTCOMES:
            rules[key] = value.upper()
        else:
            raise ValueError(f"bad simulator rule {item!r}: use DIGITS=OUTCOME "
                             f"({'/'.join(OUTCOMES)}), delay=SECONDS, reply:DIGITS=TEXT "
                             "or replydelay=SECONDS")
    parse_replies(spec)
    return rules, delay


def parse_replies(spec: str | None) -> tuple[dict[str, str], float | None]:
    """``"reply:0009=STOP,reply:77=ECHO,replydelay=2"`` -> ({"0009": "STOP", "77": "ECHO"}, 2.0).
    Raises ValueError for a bad reply item; other items are ``parse_rules``'s."""
    replies: dict[str, str] = {}
    delay = None
    for key, value, item in _items(spec):
        if key.lower() == _REPLY_DELAY:
            delay = _seconds(value)
        elif key.lower().startswith(_REPLY):
            suffix = key[len(_REPLY):].strip()
            if not (suffix.isascii() and suffix.isdigit()) or not value:
                raise ValueError(f"bad simulator reply rule {item!r}: use reply:DIGITS=TEXT")
            replies[suffix] = ECHO if value.upper() == ECHO else value
    return replies, delay


def reply_for(number: str, replies: dict[str, str]) -> str | None:
    """The reply rule (a text, or ECHO) of the longest suffix ``number`` ends in, if any."""
    digits = "".join(ch for ch in number if ch.isdigit())
    for suffix in sorted(replies, key=len, reverse=True):
        if digits.endswith(suffix):
            return replies[suffix]
    return None


def _items(spec: str | None) -> Iterator[tuple[str, str, str]]:
    for item in (spec or "").replace(";", ",").split(","):
        if item.strip():
            key, _, value = item.partition("=")
            yield key.strip(), value.strip(), item.strip()


def _seconds(value: str) -> float:
    delay = float(value)
    if not delay >= 0 or delay == float("inf"):
        raise ValueError("a delay must be a number of seconds >= 0")
    return delay
