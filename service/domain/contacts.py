"""The contact book: contact cards (each with a phone number), groups, and the blacklist."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from .errors import ConstraintViolation, MissingParameter, ValidationError
from .phones import normalise

CUSTOM_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
STANDARD_FIELDS = ("name", "phone", "email", "birthday")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_NAME, MAX_EMAIL, MAX_VALUE, MAX_FIELDS, MAX_GROUP_NAME = 200, 254, 500, 50, 100


@dataclass
class Contact:
    """A contact card. ``fields`` are the account's own keys (``{carNumber}`` and so on)."""

    id: int | None
    account_id: int
    phone: str
    name: str | None = None
    email: str | None = None
    birthday: date | None = None
    fields: dict[str, str] = field(default_factory=dict)
    group_ids: tuple[int, ...] = ()

    def placeholders(self) -> dict[str, str]:
        """Every value a template may use: the standard fields and the custom ones."""
        values = {"phone": self.phone, **self.fields}
        if self.name:
            values["name"] = self.name
        if self.email:
            values["email"] = self.email
        if self.birthday:
            values["birthday"] = self.birthday.strftime("%d.%m.%Y")
        return values


class OptOutSource:
    """Who put a number on an account's blacklist."""

    API = "api"          # the account, through a door (AddToBlacklist, Blacklist/Add ...)
    INBOUND = "inbound"  # the subscriber, with a STOP word sent to one of the account's numbers


@dataclass(frozen=True)
class BlacklistEntry:
    """A blacklisted number of an account, with who listed it, why, and when."""

    phone: str
    source: str
    reason: str | None
    created_at: datetime


@dataclass(frozen=True)
class Group:
    id: int | None
    account_id: int
    name: str
    size: int = 0


def contact_phone(raw: str | None, region: str) -> str:
    """The E.164 phone of a contact card; a card without a valid phone is refused."""
    if raw is None or not raw.strip():
        raise MissingParameter("phone")
    recipient = normalise(raw, region)
    if recipient.e164 is None:
        raise ValidationError(f"invalid phone number {raw!r}", field="phone")
    return recipient.e164


def clean_name(name: str | None) -> str | None:
    if name is None or not name.strip():
        return None
    if len(name) > MAX_NAME:
        raise ConstraintViolation("name", f"name longer than {MAX_NAME}", limit=MAX_NAME)
    return name.strip()


def clean_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    email = email.strip()
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email):
        raise ValidationError(f"invalid e-mail address {email!r}", field="email")
    return email


def clean_fields(fields: dict[str, str] | None, *, standard_allowed: bool = False,
                 field_name: str = "fields") -> dict[str, str]:
    """Custom field values (or, with ``standard_allowed``, template defaults)."""
    fields = fields or {}
    if len(fields) > MAX_FIELDS:
        raise ConstraintViolation(field_name, f"at most {MAX_FIELDS} values", limit=MAX_FIELDS)
    out = {}
    for key, value in fields.items():
        if not CUSTOM_KEY.fullmatch(key or "") or (key in STANDARD_FIELDS and not standard_allowed):
            raise ValidationError(f"invalid field name {key!r}: letters, digits and _"
                                  + ("" if standard_allowed else ", not a standard field"),
                                  field=field_name)
        value = "" if value is None else str(value)
        if len(value) > MAX_VALUE:
            raise ConstraintViolation(field_name, f"value of {key} longer than {MAX_VALUE}",
                                      limit=MAX_VALUE)
        out[key] = value
    return out


def clean_group_name(name: str | None) -> str:
    if name is None or not name.strip():
        raise MissingParameter("name")
    if len(name.strip()) > MAX_GROUP_NAME:
        raise ConstraintViolation("name", f"group name longer than {MAX_GROUP_NAME}",
                                  limit=MAX_GROUP_NAME)
    return name.strip()
