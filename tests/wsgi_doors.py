"""Every front door of the real WSGI app (built by bootstrap), called in-process, with each
door's answer read back in its own terms. Shared by the request-reading integration tests."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from lxml import etree
from sqlalchemy import func, select

from service.bootstrap import build_container, build_wsgi_app
from service.config import Settings
from service.persistence.migrate import upgrade
from service.persistence.tables import messages

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
TNS = "urn:smsgw:v1"
OMS = "http://schemas.microsoft.com/office/Outlook/2006/OMS"
SMSC = "https://smsc.ru/sys/soap.php"
MAX_BYTES = 64 * 1024


@dataclass
class Reply:
    status: str
    headers: dict
    body: bytes

    @property
    def code(self) -> int:
        return int(self.status.split()[0])

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> dict:
        return json.loads(self.body)

    def soap_fault(self) -> etree._Element | None:
        """The SOAP 1.1 or 1.2 Fault of the answer (parsed without any DTD), or None."""
        root = etree.fromstring(self.body, etree.XMLParser(resolve_entities=False))
        fault = root.find(f".//{{{SOAP11}}}Fault")
        return fault if fault is not None else root.find(f".//{{{SOAP12}}}Fault")

    def typed_code(self) -> int | None:
        fault = self.soap_fault()
        code = fault.findtext(f"detail/{{{TNS}}}SmsgwFault/{{{TNS}}}code") if fault is not None \
            else None
        return int(code) if code else None

    def typed_field(self) -> str | None:
        fault = self.soap_fault()
        return fault.findtext(f"detail/{{{TNS}}}SmsgwFault/{{{TNS}}}field")


class Gateway:
    """alice/pw with 10.00, and bob whose password is ``" pw "`` (spaces are part of it)."""

    def __init__(self, database_url: str, **settings) -> None:
        # These tests fail logins and send bad parameters by the dozen on purpose: the login
        # guard's locks (smsc's error 4 among them) are not what they are about.
        for lock in ("auth_max_failures", "auth_address_max_failures", "auth_login_max_failures"):
            settings.setdefault(lock, 0)
        self.container = build_container(Settings(database_url=database_url,
                                                  max_request_bytes=MAX_BYTES, **settings))
        upgrade(self.container.engine)
        accounts = self.container.use_cases.accounts
        accounts.create("alice", "pw", Decimal("10"))
        accounts.create("bob", " pw ", Decimal("10"))
        self.app = build_wsgi_app(self.container)

    def close(self) -> None:
        self.container.engine.dispose()

    def call(self, path: str, body: bytes | str = b"", *, method: str = "POST", query: str = "",
             content_type: str | None = "text/xml; charset=utf-8", chunked: bool = False,
             basic: tuple[str, str] | None = None, headers: dict | None = None,
             content_length: int | None = None) -> Reply:
        body = body.encode() if isinstance(body, str) else body
        env = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
               "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "t",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1"}
        if content_type is not None:
            env["CONTENT_TYPE"] = content_type
        if chunked:  # what gunicorn hands the app for Transfer-Encoding: chunked
            env["HTTP_TRANSFER_ENCODING"] = "chunked"
            env["wsgi.input_terminated"] = True
        else:
            env["CONTENT_LENGTH"] = str(len(body) if content_length is None else content_length)
        if basic is not None:
            env["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(
                ":".join(basic).encode()).decode()
        for k, v in (headers or {}).items():
            env["HTTP_" + k.upper().replace("-", "_")] = v
        seen: dict = {}
        out = b"".join(self.app(env, lambda s, h, *exc: seen.update(status=s, headers=dict(h))))
        return Reply(seen["status"], seen["headers"], out)

    def stored_texts(self) -> list[str]:
        with self.container.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(messages.c.text))]

    def untouched(self) -> bool:
        with self.container.engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(messages)).scalar_one()
        accounts = self.container.use_cases.accounts
        return count == 0 and accounts.show("alice").balance == Decimal("10") \
            and accounts.show("bob").balance == Decimal("10")


# --- requests of each door; ``text`` goes in raw (so entity references stay references) ---

def soap_send(text: str = "Hi", prolog: str = "", ns: str = SOAP11) -> str:
    return (f'{prolog}<s:Envelope xmlns:s="{ns}" xmlns:t="{TNS}"><s:Body><t:SendSms>'
            f"<t:recipients>+79991234567</t:recipients><t:text>{text}</t:text></t:SendSms>"
            "</s:Body></s:Envelope>")


def oms_user(user: str, password: str) -> str:
    return (f'<xmsUser xmlns="{OMS}"><userId>{escape(user)}</userId>'
            f"<password>{escape(password)}</password></xmsUser>")


def oms_send(text: str = "Hi", prolog: str = "", ns: str = SOAP11, user: str = "alice",
             password: str = "pw") -> str:
    head = (f'<xmsData xmlns="{OMS}"><user><userId>{escape(user)}</userId><password>'
            f"{escape(password)}</password></user><xmsHead><requiredService>SMS_SENDER"
            "</requiredService><to><recipient>+79991234567</recipient></to></xmsHead>"
            '<xmsBody format="SMS"><content>')
    tail = "</content></xmsBody></xmsData>"
    return (f'{prolog}<s:Envelope xmlns:s="{ns}"><s:Body><DeliverXms xmlns="{OMS}"><xmsData>'
            f"{escape(head)}{text}{escape(tail)}</xmsData></DeliverXms></s:Body></s:Envelope>")


def oms_user_info(user: str, password: str) -> str:
    return (f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><GetUserInfo xmlns="{OMS}"><xmsUser>'
            f"{escape(oms_user(user, password))}</xmsUser></GetUserInfo></s:Body></s:Envelope>")


def oms_error(reply: Reply) -> str | None:
    """The error code of the OMS document an OMS answer carries (``ok`` when there is none)."""
    root = etree.fromstring(reply.body)
    doc = etree.fromstring(root.find(f".//{{{OMS}}}*")[0].text.encode())
    error = doc.find(f"{{{OMS}}}error")
    return error.get("code") if error is not None else "ok"


def smsc_soap(request: str, fields: dict[str, str], prolog: str = "",
              raw: dict[str, str] | None = None) -> str:
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    inner += "".join(f"<{k}>{v}</{k}>" for k, v in (raw or {}).items())
    return (f'{prolog}<soap:Envelope xmlns:soap="{SOAP11}" xmlns:s="{SMSC}"><soap:Body>'
            f"<s:{request}>{inner}</s:{request}></soap:Body></soap:Envelope>")


def smsc_soap_send(text: str = "Hi", prolog: str = "") -> str:
    return smsc_soap("send", {"login": "alice", "psw": "pw", "phones": "+79991234567"},
                     prolog, raw={"mes": text})


def smsc_soap_result(reply: Reply) -> dict[str, str]:
    body = etree.fromstring(reply.body).find(f".//{{{SOAP11}}}Body")[0]
    return {el.tag: el.text or "" for el in body[0]}


def multipart_related(root_part: bytes, content_id: str | None = "<root>",
                      root_type: str = "text/xml") -> tuple[bytes, str]:
    """A SOAP-with-attachments body (and its Content-Type) whose root part is ``root_part``."""
    boundary = "MIMEBoundary42"
    cid = f"Content-ID: {content_id}\r\n" if content_id else ""
    body = (f"--{boundary}\r\nContent-Type: {root_type}; charset=utf-8\r\n{cid}\r\n").encode() \
        + root_part + (f"\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\n"
                       f"\r\nATTACHMENT\r\n--{boundary}--\r\n").encode()
    start = f'; start="{content_id}"' if content_id else ""
    return body, f'multipart/related; type="{root_type}"; boundary={boundary}{start}'
