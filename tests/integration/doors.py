"""Every front door of one in-process gateway, for tests that throw the same bad input at all
of them: each call returns (HTTP status, body), and ``stored()`` says whether anything was
written (messages, contacts, groups, mailings) or debited."""

from __future__ import annotations

import base64
import io
import json
from decimal import Decimal
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from lxml import etree
from sqlalchemy import func, select

from service.bootstrap import build_container, build_wsgi_app
from service.config import Settings
from service.persistence.migrate import upgrade
from service.persistence.tables import blacklist, contact_groups, contacts, mailings, messages, tasks

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SMSC_NS = "https://smsc.ru/sys/soap.php"
OMS_NS = "http://schemas.microsoft.com/office/Outlook/2006/OMS"
TNS = "urn:smsgw:v1"
LOGIN, PASSWORD, BALANCE = "edge", "pw", Decimal("100")


class Doors:
    def __init__(self, database_url: str, clock=None, **settings) -> None:
        self.container = build_container(Settings(database_url=database_url, **settings),
                                         clock=clock)
        upgrade(self.container.engine)
        self.container.use_cases.accounts.create(LOGIN, PASSWORD, BALANCE)
        self.app = build_wsgi_app(self.container)
        self._calls = 0

    def close(self) -> None:
        self.container.engine.dispose()

    # -- raw WSGI ---------------------------------------------------------------------------

    def request(self, path: str, body: bytes = b"", *, method: str = "POST", query: str = "",
                content_type: str = "text/xml; charset=utf-8",
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        # A new client address each time: smsc's block after repeated errors (error 4) counts
        # per address, and these tests make many errors on purpose.
        self._calls += 1
        address = f"127.{self._calls // 65536 % 256}.{self._calls // 256 % 256}.{self._calls % 256}"
        env = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
               "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": address, "SERVER_NAME": "t",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
        for k, v in (headers or {}).items():
            env["HTTP_" + k.upper().replace("-", "_")] = v
        seen = {}
        out = b"".join(self.app(env, lambda s, h, *_: seen.update(status=s)))
        return int(seen["status"].split()[0]), out

    # -- one helper per door ----------------------------------------------------------------

    def api(self, method: str, params: dict | None = None, *, json_body=None,
            raw: bytes | None = None, query: str = "") -> tuple[int, dict]:
        auth = "Basic " + base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
        if raw is not None or json_body is not None:
            body = raw if raw is not None else json.dumps(json_body).encode()
            ctype = "application/json"
        else:
            body, ctype = urlencode(params or {}, doseq=True).encode(), \
                "application/x-www-form-urlencoded"
        status, out = self.request(f"/api/{method}", body, query=query, content_type=ctype,
                                   headers={"Authorization": auth})
        return status, json.loads(out)

    def soap(self, operation: str, inner: str) -> tuple[int, bytes]:
        auth = "Basic " + base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
        body = (f'<s:Envelope xmlns:s="{SOAP11}" xmlns:t="{TNS}"><s:Body><t:{operation}>{inner}'
                f"</t:{operation}></s:Body></s:Envelope>").encode()
        return self.request("/soap", body, headers={"Authorization": auth})

    def smsc_http(self, path: str, params: dict[str, str], *, post: bool = False,
                  raw_query: str | None = None) -> tuple[int, bytes]:
        qs = raw_query if raw_query is not None else urlencode(
            {"login": LOGIN, "psw": PASSWORD, **params})
        if post:
            return self.request(f"/sys/{path}", qs.encode(),
                                content_type="application/x-www-form-urlencoded")
        return self.request(f"/sys/{path}", method="GET", query=qs)

    def smsc_soap(self, request: str, fields: dict[str, str]) -> tuple[int, bytes]:
        inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in
                        {"login": LOGIN, "psw": PASSWORD, **fields}.items())
        body = (f'<soap:Envelope xmlns:soap="{SOAP11}" xmlns:s="{SMSC_NS}"><soap:Body>'
                f"<s:{request}>{inner}</s:{request}></soap:Body></soap:Envelope>").encode()
        return self.request("/sys/soap.php", body)

    def oms_send(self, recipients: list[str], text: str, scheduled: str = "") -> etree._Element:
        to = "".join(f"<recipient>{escape(r)}</recipient>" for r in recipients)
        when = f"<scheduled>{escape(scheduled)}</scheduled>" if scheduled else ""
        doc = (f'<xmsData xmlns="{OMS_NS}"><user><userId>{LOGIN}</userId><password>{PASSWORD}'
               f"</password></user><xmsHead>{when}<requiredService>SMS_SENDER</requiredService>"
               f'<to>{to}</to></xmsHead><xmsBody format="SMS"><content>{escape(text)}</content>'
               f"</xmsBody></xmsData>")
        body = (f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><DeliverXms xmlns="{OMS_NS}">'
                f"<xmsData>{escape(doc)}</xmsData></DeliverXms></s:Body></s:Envelope>").encode()
        status, out = self.request("/oms", body)
        assert status == 200, out
        inner = etree.fromstring(out).find(f".//{{{OMS_NS}}}*")[0].text
        return etree.fromstring(inner.encode())

    # -- what the store holds ---------------------------------------------------------------

    def footprint(self) -> tuple:
        """Row counts of what clients can create, and the balance: equal before and after a
        refused request."""
        with self.container.engine.connect() as conn:
            counts = tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                           for t in (messages, contacts, contact_groups, blacklist, mailings,
                                     tasks))
        return counts, self.container.use_cases.accounts.show(LOGIN).balance

    def stored(self) -> bool:
        """True when anything was stored or debited since the account was created."""
        counts, balance = self.footprint()
        return any(counts) or balance != BALANCE


def soap_fault(body: bytes) -> tuple[str, int | None] | None:
    """(faultcode, typed detail code) of a native SOAP fault, or None for a plain answer."""
    fault = etree.fromstring(body).find(f".//{{{SOAP11}}}Fault")
    if fault is None:
        return None
    code = fault.findtext(f"detail/{{{TNS}}}SmsgwFault/{{{TNS}}}code")
    return fault.findtext("faultcode"), int(code) if code else None


def smsc_soap_result(body: bytes) -> dict[str, str]:
    """The result fields of an smsc SOAP answer (``fault`` for a SOAP fault)."""
    result = etree.fromstring(body).find(f".//{{{SOAP11}}}Body")[0]
    if etree.QName(result).localname == "Fault":
        return {"fault": result.findtext("faultcode") or ""}
    return {el.tag: el.text or "" for el in result[0]}
