"""No credential in any log line: gunicorn's error and access logs, and the app's own lines.

gunicorn writes request lines in its access log, and in its error log when a request cannot
be parsed ("Invalid request from ip=...: Invalid HTTP request line: 'GET /sys/status.php?
login=..&psw=..'") or escapes the app. smsc clients put ``psw`` (or ``apikey``) in the query
string, so every such line would carry a password. ``RedactingLogger`` (service/server/gunicorn_conf.py
``logger_class``) filters every record that reaches gunicorn's handlers, message and traceback
alike, and routes the app's own loggers (``service.*``, and third parties at WARNING and up)
through the same handlers, so nothing is written around the filter.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
_KEYS = (r"psw|password|passwd|pwd|pass|apikey|api_key|api-key|x-api-key|token|access_token"
         r"|secret|authorization")
_PATTERNS = [
    # name=value in a query string or form, with "=" raw or percent-encoded
    (re.compile(rf"(?i)(?<![\w-])((?:{_KEYS})(?:=|%3D))[^&\s\"'<>]*"), rf"\1{REDACTED}"),
    # "name": "value" in JSON, or 'name': 'value' in a Python repr
    (re.compile(rf"""(?i)(["'](?:{_KEYS})["']\s*[:=]\s*)(["'])(?:(?!\2)[^\\]|\\.)*\2"""),
     rf"\1\2{REDACTED}\2"),
    # <psw>value</psw>, <wsse:Password Type="...">value</wsse:Password>, and escaped (OMS)
    (re.compile(rf"(?i)(<(?:[\w.-]+:)?(?:{_KEYS}|userPassword)(?:\s[^>]*)?>)[^<]*"),
     rf"\1{REDACTED}"),
    (re.compile(rf"(?i)(&lt;(?:[\w.-]+:)?(?:{_KEYS})(?:\s(?:(?!&gt;).)*)?&gt;)(?:(?!&lt;).)*"),
     rf"\1{REDACTED}"),
    # Authorization header values, wherever they are quoted
    (re.compile(r"(?i)\b(basic|bearer|digest)(\s+)[\w+/=.~-]+"), rf"\1\2{REDACTED}"),
    # an API key by its shape (domain/api_keys.py), wherever it appears
    (re.compile(r"sgw_[0-9a-f]{8}_[\w-]+"), f"sgw_{REDACTED}"),
]


def redact(text: str) -> str:
    """``text`` with every credential we can recognise replaced by ``[redacted]``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message and traceback before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the line
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactingFilter()


class RedactingLogger(Logger):
    """gunicorn's logger, with every handler filtered and the app's loggers routed through it."""

    _shared: list[logging.Handler] = []

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(_FILTER)
            for handler in log.handlers:
                handler.addFilter(_FILTER)  # a set: adding it again on reload is a no-op
        root = logging.getLogger()
        for handler in self._shared:  # from a previous setup (configuration reload)
            root.removeHandler(handler)
        self._shared = list(self.error_log.handlers)
        for handler in self._shared:
            root.addHandler(handler)
        root.setLevel(max(self.loglevel, logging.WARNING))
        logging.getLogger("service").setLevel(self.loglevel)
