"""Request parameters from the query string, a form (spaces as ``+``) or a JSON body, with the
native SOAP API's names. Lists may be comma-separated, repeated, or JSON arrays."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation

from ...domain.errors import MissingParameter, ValidationError
from ..reading import check_values


class Params:
    def __init__(self, values: dict[str, list]) -> None:
        self._values = values

    @classmethod
    def from_request(cls, request) -> "Params":
        values: dict[str, list] = {}
        for k in request.args:
            values.setdefault(k, []).extend(request.args.getlist(k))
        if request.mimetype == "application/json":  # a chunked body has no content_length
            try:
                body = json.loads(request.get_data(cache=False) or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise ValidationError(f"the JSON body is not valid: {exc}", field="body") from exc
            if not isinstance(body, dict):
                raise ValidationError("the JSON body must be an object", field="body")
            for k, v in body.items():
                values.setdefault(k, []).extend(v if isinstance(v, list) else [v])
        else:
            for k in request.form:
                values.setdefault(k, []).extend(request.form.getlist(k))
        check_values(values)  # NUL or a lone surrogate, anywhere: the field's validation error
        return cls(values)

    def get(self, name: str) -> str | None:
        vals = self._values.get(name)
        if not vals or vals[0] is None:
            return None
        v = vals[0]
        return v if isinstance(v, str) else json.dumps(v) if isinstance(v, (dict, bool)) else str(v)

    def prefixed(self, prefix: str) -> dict[str, str]:
        """``prefix.key=value`` parameters as ``{key: value}`` (template defaults, say)."""
        return {k[len(prefix):]: self.get(k) for k in self._values if k.startswith(prefix)}

    def require(self, *names: str) -> None:
        missing = [n for n in names if self.get(n) in (None, "")]
        if missing:
            raise MissingParameter(missing[0], f"missing: {', '.join(missing)}")

    def list(self, name: str) -> list[str]:
        out: list[str] = []
        for v in self._values.get(name, []):
            if isinstance(v, str) and v.startswith("["):
                v = _json_or_text(v)
            items = v if isinstance(v, list) else v.split(",") if isinstance(v, str) else [v]
            if any(isinstance(i, (dict, list)) for i in items):
                raise ValidationError(f"{name} must be a list of values, not of objects or lists",
                                      field=name)
            out += [str(i).strip() for i in items if i is not None and str(i).strip()]
        return out

    def int(self, name: str) -> int | None:
        v = self.get(name)
        if v in (None, ""):
            return None
        return _bounded(v, name)

    def ints(self, name: str) -> list[int]:
        return [_bounded(v, name) for v in self.list(name)]

    def datetime(self, name: str) -> datetime | None:
        v = self.get(name)
        if not v:
            return None
        try:
            return datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValidationError(f"{name} must be an ISO 8601 date-time", field=name) from exc

    def decimal(self, name: str) -> Decimal | None:
        v = self.get(name)
        try:
            return Decimal(v) if v not in (None, "") else None
        except InvalidOperation as exc:
            raise ValidationError(f"{name} must be a number", field=name) from exc


_INT64 = 2 ** 63 - 1


def _json_or_text(text: str):
    """A JSON array sent as text (``["+7...", "+7..."]`` in a form field), or else the text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _bounded(text: str, name: str) -> int:
    """An integer that fits the database's 64 bits (a bigger one is bad input, not a crash)."""
    try:
        value = int(text)
    except ValueError as exc:
        raise ValidationError(f"{name} must be an integer", field=name) from exc
    if not -_INT64 <= value <= _INT64:
        raise ValidationError(f"{name} is out of range", field=name)
    return value
