"""The OMS documents carried as strings: xmsUser, xmsData, xmsBatch in; serviceInfo, userInfo,
xmsResponse(s) out. Inner documents are parsed strictly: the OMS namespace is required."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from ..xml import XmlRefused, parse_xml
from ..ns import OMS
from ..ns import OMS_SERVICE_INFO as SERVICE_INFO


class DocumentError(ValueError):
    """An OMS document that cannot be used; answered with error ``other``."""


@dataclass(frozen=True)
class XmsUser:
    user_id: str | None
    password: str | None


@dataclass(frozen=True)
class XmsData:
    user: XmsUser
    recipients: list[str]
    contents: list[str]
    scheduled: datetime | None = None
    required_service: str | None = None
    item_id: str | None = None
    formats: list[str] = field(default_factory=list)


def _root(text: str | None, expected: str):
    if not text or not text.strip():
        raise DocumentError(f"the {expected} document is missing")
    try:
        root = parse_xml(text.strip())
    except XmlRefused as exc:
        raise DocumentError(f"malformed {expected} document: {exc}") from exc
    return _check(root, expected)


def _check(root, expected: str):
    name = etree.QName(root)
    if name.localname != expected or name.namespace != OMS:
        raise DocumentError(f"expected {expected} in namespace {OMS}, got {root.tag}")
    return root


def _text(el, path: str) -> str | None:
    found = el.find(path, {"o": OMS})
    return found.text.strip() if found is not None and found.text else None


def _exact(el, path: str) -> str | None:
    found = el.find(path, {"o": OMS})
    return found.text if found is not None else None


def _user(el) -> XmsUser:
    # Credentials are taken exactly as sent, as on every other door: "alice " is not alice.
    return XmsUser(_exact(el, "o:userId"), _exact(el, "o:password"))


def read_user(text: str | None) -> XmsUser:
    return _user(_root(text, "xmsUser"))


def _data(root) -> XmsData:
    user = root.find("o:user", {"o": OMS})
    head = root.find("o:xmsHead", {"o": OMS})
    body = root.find("o:xmsBody", {"o": OMS})
    if user is None or head is None or body is None:
        raise DocumentError("xmsData needs user, xmsHead and xmsBody")
    scheduled = None
    when = _text(head, "o:scheduled")
    if when:
        try:
            scheduled = datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError as exc:
            raise DocumentError(f"scheduled is not a dateTime: {when!r}") from exc
    recipients = [r.text.strip() for r in head.findall("o:to/o:recipient", {"o": OMS})
                  if r.text and r.text.strip()]
    contents = [c.text or "" for c in body.findall("o:content", {"o": OMS})]
    return XmsData(_user(user), recipients, contents, scheduled,
                   _text(head, "o:requiredService"), root.get("id"),
                   [(body.get("format") or "").upper()])


def read_data(text: str | None) -> XmsData:
    return _data(_root(text, "xmsData"))


def read_batch(text: str | None) -> list[XmsData | DocumentError]:
    """Each xmsData of an xmsBatch, or the error that makes it unusable."""
    root = _root(text, "xmsBatch")
    items: list[XmsData | DocumentError] = []
    for child in root:
        try:
            items.append(_data(_check(child, "xmsData")))
        except DocumentError as exc:
            items.append(exc)
    return items


def _doc(root) -> str:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8").decode()


def service_info(provider: str, uri: str, sign_up: str, locale: str, name: str,
                 limits: dict[str, int], long_sms: bool) -> str:
    root = etree.Element(f"{{{SERVICE_INFO}}}serviceInfo", nsmap={None: SERVICE_INFO})
    for tag, value in (("serviceProvider", provider), ("serviceUri", uri),
                       ("signUpPage", sign_up), ("targetLocale", locale), ("localName", name),
                       ("englishName", name), ("authenticationType", "other")):
        etree.SubElement(root, f"{{{SERVICE_INFO}}}{tag}").text = value
    supported = etree.SubElement(root, f"{{{SERVICE_INFO}}}supportedService")
    sms = etree.SubElement(supported, f"{{{SERVICE_INFO}}}SMS_SENDER",
                           {k: str(v) for k, v in limits.items()})
    if long_sms:
        etree.SubElement(sms, f"{{{SERVICE_INFO}}}LONG_SMS_SENDER")
    return _doc(root)


def user_info(error: str, reply_phone: str | None = None, smtp: str | None = None) -> str:
    root = etree.Element(f"{{{OMS}}}userInfo", nsmap={None: OMS})
    if reply_phone:
        etree.SubElement(root, f"{{{OMS}}}replyPhone").text = reply_phone
    if smtp:
        etree.SubElement(root, f"{{{OMS}}}smtpAddress").text = smtp
    attrs = {"code": error} if error == "ok" else {"code": error, "severity": "failure"}
    etree.SubElement(root, f"{{{OMS}}}error", attrs)
    return _doc(root)


@dataclass(frozen=True)
class OmsError:
    code: str
    content: str | None = None
    recipients: tuple[str, ...] = ()

    @property
    def severity(self) -> str:
        return "neutral" if self.code == "ok" else "failure"


def _response_element(errors: list[OmsError], item_id: str | None = None):
    attrs = {"id": item_id} if item_id is not None else {}
    root = etree.Element(f"{{{OMS}}}xmsResponse", attrs, nsmap={None: OMS})
    for e in errors:
        el = etree.SubElement(root, f"{{{OMS}}}error", {"code": e.code, "severity": e.severity})
        if e.content:
            etree.SubElement(el, f"{{{OMS}}}content").text = e.content
        if e.recipients:
            etree.SubElement(el, f"{{{OMS}}}recipientList").text = ";".join(e.recipients)
    return root


def xms_response(errors: list[OmsError]) -> str:
    return _doc(_response_element(errors))


def xms_responses(items: list[tuple[str | None, list[OmsError]]]) -> str:
    root = etree.Element(f"{{{OMS}}}xmsResponses", nsmap={None: OMS})
    for item_id, errors in items:
        root.append(_response_element(errors, item_id))
    return _doc(root)
