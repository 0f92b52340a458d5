"""Request parameters from the query string, a form (spaces as ``+``) or a JSON body, with the
native SOAP API's names. Lists may be comma-separated, repeated, or JSON arrays.

Each value is kept as the client sent it (text, or a JSON value) and checked for its type when
a handler reads it: a scalar where a scalar is expected, an object where an object is, and
integers through the one integer reader (ASCII digits, 64 bits). JSON goes through the one
bounded decoder, in the body and in form fields alike.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from ...domain.errors import MissingParameter, ValidationError
from ...domain.values import parse_int
from .. import client_json
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
            body = client_json.loads(request.get_data(cache=False) or b"{}", "body")
            if not isinstance(body, dict):
                raise ValidationError("the JSON body must be an object", field="body")
            for k, v in body.items():
                values.setdefault(k, []).append(v)
        else:
            for k in request.form:
                values.setdefault(k, []).extend(request.form.getlist(k))
        check_values(values)  # NUL or a lone surrogate, anywhere: the field's validation error
        return cls(values)

    @classmethod
    def from_object(cls, obj: dict) -> "Params":
        """One JSON object of a list (a contact card of ``contacts``) read like a request."""
        return cls({k: [v] for k, v in obj.items()})

    def _first(self, name: str):
        vals = self._values.get(name)
        return vals[0] if vals else None

    def get(self, name: str) -> str | None:
        v = self._first(name)
        if v is None or isinstance(v, str):
            return v
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return str(v)  # a number where text is expected: its digits (a phone, say)
        raise ValidationError(f"{name} must be a single text value", field=name)

    def names(self) -> list[str]:
        """Every parameter name the request carries, in order."""
        return list(self._values)

    def present(self, name: str) -> bool:
        """True when the request names the parameter at all, even with an empty value."""
        return bool(self._values.get(name))

    def has(self, name: str) -> bool:
        return self._first(name) not in (None, "", [])

    def prefixed(self, prefix: str) -> dict[str, str]:
        """``prefix.key=value`` parameters as ``{key: value}`` (template defaults, say)."""
        return {k[len(prefix):]: self.get(k) for k in self._values if k.startswith(prefix)}

    def require(self, *names: str) -> None:
        missing = [n for n in names if not self.has(n)]
        if missing:
            raise MissingParameter(missing[0], f"missing: {', '.join(missing)}")

    def list(self, name: str) -> list[str]:
        out: list[str] = []
        for v in self._values.get(name, []):
            if isinstance(v, str) and v.startswith("["):
                v = _json_or_text(v, name)
            items = v if isinstance(v, list) else v.split(",") if isinstance(v, str) else [v]
            if any(isinstance(i, (dict, list, bool)) for i in items):
                raise ValidationError(f"{name} must be a list of values, not of objects, lists "
                                      "or booleans", field=name)
            out += [str(i).strip() for i in items if i is not None and str(i).strip()]
        return out

    def objects(self, name: str) -> list["Params"]:
        """A JSON array of objects (or the array as text in a form field), each as Params."""
        items: list = []
        for v in self._values.get(name, []):
            if isinstance(v, str):
                v = client_json.loads(v, name)
            if not isinstance(v, list):
                raise ValidationError(f"{name} must be a list of objects", field=name)
            items += v
        if not all(isinstance(i, dict) for i in items):
            raise ValidationError(f"{name} must be a list of objects", field=name)
        return [Params.from_object(i) for i in items]

    def mapping(self, name: str) -> dict[str, str] | None:
        """A JSON object of text values (or the object as text in a form field)."""
        v = self._first(name)
        if v is None or v == "":
            return None
        if isinstance(v, str):
            v = client_json.loads(v, name)
        if not isinstance(v, dict) or any(
                isinstance(x, (dict, list, bool)) for x in v.values()):
            raise ValidationError(f"{name} must be an object of text values", field=name)
        return {k: "" if x is None else str(x) for k, x in v.items()}

    def int(self, name: str) -> int | None:
        v = self._first(name)
        if v is None or v == "":
            return None
        return parse_int(v, name)

    def ints(self, name: str) -> list[int]:
        return [parse_int(v, name) for v in self.list(name)]

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


def _json_or_text(text: str, name: str):
    """A JSON array sent as text (``["+7...", "+7..."]`` in a form field), or else the text.
    Text that is JSON but breaks its bounds (nesting, huge numbers) is refused, not kept."""
    try:
        return client_json.loads(text, name)
    except client_json.NotJson:
        return text
