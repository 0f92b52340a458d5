"""A sub-client never sees its parent's or its siblings' data, on any door (native SOAP, HTTP,
smsc /sys/*, OMS): status, history, cost, balance, contacts and groups, mailings. A parent
sees its sub-clients' messages and totals; a sub-client calling a parent's operation gets
each door's Forbidden. Sub-client logins work on smsc's /sys/* like any account."""

from __future__ import annotations

import base64
import io
import json
from decimal import Decimal
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import pytest
from lxml import etree

from service.app.access.auth import Credentials
from service.app.book.address_book import ContactInput
from service.app.mailings.mailings import CreateMailing
from service.app.sending.sending import SendSms
from service.bootstrap import build_container, build_wsgi_app
from service.config import Settings
from service.persistence.migrate import upgrade

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "urn:smsgw:v1"
OMS = "http://schemas.microsoft.com/office/Outlook/2006/OMS"
PHONE = "+79991234567"


class World:
    def __init__(self, url: str) -> None:
        self.c = build_container(Settings(database_url=url, default_price="1.00"))
        upgrade(self.c.engine)
        self.app = build_wsgi_app(self.c)
        uc = self.c.use_cases
        uc.accounts.create("parent", "pw", Decimal("100"))
        uc.accounts.create("other", "pw", Decimal("100"))
        uc.subaccounts.create(self.creds("parent"), "kid", "pw", "own")
        uc.subaccounts.create(self.creds("parent"), "sibling", "pw", "parent")
        uc.subaccounts.create(self.creds("other"), "theirs", "pw", "own")
        uc.subaccounts.transfer(self.creds("parent"), "kid", "20")
        self.ids = {}
        for login in ("parent", "kid", "sibling"):
            result = uc.sending.send(SendSms(self.creds(login), [PHONE], f"from {login}",
                                             external_id=f"x-{login}"))
            self.ids[login] = result.messages[0].message_id
            uc.address_book.create_contacts(self.creds(login), [ContactInput(
                phone="+7999000000" + str(len(self.ids)), name=f"card of {login}")])
            uc.address_book.create_group(self.creds(login), f"group of {login}")
        self.mailing = uc.mailings.create(CreateMailing(
            self.creds("parent"), "parent's mailing", "hello", phones=[PHONE])).mailing.id

    @staticmethod
    def creds(login):
        return Credentials(login, "pw", "127.0.0.1")

    def close(self):
        self.c.engine.dispose()

    def wsgi(self, path, body=b"", *, login=None, query="", ctype="text/xml; charset=utf-8",
             method="POST"):
        env = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
               "CONTENT_TYPE": ctype, "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "t",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
        if login:
            env["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"{login}:pw".encode()).decode()
        seen = {}
        out = b"".join(self.app(env, lambda s, h, *_: seen.update(status=s)))
        return int(seen["status"].split()[0]), out

    def soap(self, login, operation, inner=""):
        body = (f'<s:Envelope xmlns:s="{SOAP11}" xmlns:t="{TNS}"><s:Body><t:{operation}>'
                f"{inner}</t:{operation}></s:Body></s:Envelope>").encode()
        status, out = self.wsgi("/soap", body, login=login)
        return status, etree.fromstring(out)

    def api(self, who, method, **params):
        status, out = self.wsgi(f"/api/{method}", urlencode(params, doseq=True).encode(),
                                login=who, ctype="application/x-www-form-urlencoded")
        return status, json.loads(out)

    def smsc(self, path, login, **params):
        status, out = self.wsgi(path, query=urlencode({"login": login, "psw": "pw", "fmt": 3,
                                                       **params}), method="GET")
        return json.loads(out)


@pytest.fixture
def w(database_url):
    world = World(database_url)
    yield world
    world.close()


def texts(root, name):
    return [x.text for x in root.iter(f"{{{TNS}}}{name}")]


def fault_code(root):
    return root.findtext(".//faultcode")


# -- native SOAP --------------------------------------------------------------------------

def test_native_soap_isolation(w):
    parent_id, sibling_id, kid_id = w.ids["parent"], w.ids["sibling"], w.ids["kid"]
    ids = "".join(f"<t:messageIds>{i}</t:messageIds>" for i in (parent_id, sibling_id, kid_id))
    _s, root = w.soap("kid", "GetStatus", ids)
    assert texts(root, "statusCode")[:2] == ["-3", "-3"] and texts(root, "statusCode")[2] != "-3"
    _s, root = w.soap("kid", "GetMessages")
    assert texts(root, "text") == ["from kid"] and texts(root, "total") == ["1"]
    _s, root = w.soap("kid", "GetBalance")
    assert texts(root, "balance") == ["19.00"] or Decimal(texts(root, "balance")[0]) == 19
    _s, root = w.soap("sibling", "GetBalance")  # spends the parent's 80, but sees only its own 0
    assert Decimal(texts(root, "balance")[0]) == 0
    _s, root = w.soap("kid", "GetContacts")
    assert texts(root, "name") == ["card of kid"]
    _s, root = w.soap("kid", "GetGroups")
    assert texts(root, "name") == ["group of kid"]
    _s, root = w.soap("kid", "GetMailings")
    assert texts(root, "name") == []
    status, root = w.soap("kid", "GetMailing", f"<t:mailingId>{w.mailing}</t:mailingId>")
    assert status == 500 and fault_code(root).endswith("NotFound")
    for operation, inner in [
            ("GetMessages", "<t:subAccount>sibling</t:subAccount>"),
            ("GetSubAccounts", ""), ("GetSubAccountStats", ""),
            ("CreateSubAccount", "<t:login>grandkid</t:login><t:password>pw</t:password>"),
            ("TransferFunds", "<t:subAccount>sibling</t:subAccount><t:amount>1</t:amount>"),
            ("WithdrawFunds", "<t:subAccount>kid</t:subAccount><t:amount>1</t:amount>"),
            ("GetAccountSettings", "<t:subAccount>sibling</t:subAccount>")]:
        status, root = w.soap("kid", operation, inner)
        assert (status, fault_code(root)) == (500, "soap11env:Client.Forbidden") or \
            fault_code(root).endswith("Client.Forbidden"), operation
        assert root.findtext(f".//{{{TNS}}}code") == "9"


def test_a_parent_sees_its_sub_clients_messages_and_totals_on_soap_but_not_anothers(w):
    _s, root = w.soap("parent", "GetMessages", "<t:subAccount>kid</t:subAccount>")
    assert texts(root, "text") == ["from kid"]
    _s, root = w.soap("parent", "GetSubAccountStats")
    assert texts(root, "login") == ["kid", "sibling"] and texts(root, "messages") == ["1", "1"]
    status, root = w.soap("other", "GetMessages", "<t:subAccount>kid</t:subAccount>")
    assert fault_code(root).endswith("NotFound")
    status, root = w.soap("parent", "TransferFunds",
                          "<t:subAccount>theirs</t:subAccount><t:amount>1</t:amount>")
    assert fault_code(root).endswith("NotFound")


# -- HTTP ---------------------------------------------------------------------------------

def test_http_isolation(w):
    status, body = w.api("kid", "Sms/GetStatus",
                         messageIds=f"{w.ids['parent']},{w.ids['sibling']},{w.ids['kid']}")
    assert [x["statusCode"] for x in body["data"]][:2] == [-3, -3]
    _s, body = w.api("kid", "Messages/List")
    assert [m["text"] for m in body["data"]["messages"]] == ["from kid"]
    _s, body = w.api("kid", "Account/GetBalance")
    assert Decimal(body["data"]["balance"]) == 19
    _s, body = w.api("sibling", "Account/GetBalance")
    assert Decimal(body["data"]["balance"]) == 0
    _s, body = w.api("kid", "Contacts/List")
    assert [c["name"] for c in body["data"]["contacts"]] == ["card of kid"]
    _s, body = w.api("kid", "Groups/List")
    assert [g["name"] for g in body["data"]] == ["group of kid"]
    _s, body = w.api("kid", "Mailing/List")
    assert body["data"]["mailings"] == [] or body["data"].get("total") == 0
    status, body = w.api("kid", "Mailing/Get", mailingId=w.mailing)
    assert (status, body["code"]) == (404, 2)
    for method, params in [("Messages/List", {"subAccount": "sibling"}),
                           ("SubAccounts/List", {}), ("SubAccounts/Stats", {}),
                           ("SubAccounts/Create", {"login": "gk", "password": "pw"}),
                           ("SubAccounts/Transfer", {"subAccount": "sibling", "amount": "1"}),
                           ("Account/Settings", {"subAccount": "sibling"})]:
        status, body = w.api("kid", method, **params)
        assert (status, body["code"]) == (403, 9), method
    _s, body = w.api("parent", "Messages/List", subAccount="kid")
    assert [m["text"] for m in body["data"]["messages"]] == ["from kid"]
    status, body = w.api("other", "Messages/List", subAccount="kid")
    assert (status, body["code"]) == (404, 2)


# -- smsc drop-in -------------------------------------------------------------------------

def test_smsc_sys_isolation_and_sub_client_logins_work(w):
    sent = w.smsc("/sys/send.php", "kid", phones=PHONE[1:], mes="hi from smsc", id="k1")
    assert sent["cnt"] == "1" and "error" not in sent
    assert Decimal(w.smsc("/sys/balance.php", "kid")["balance"]) == 18
    assert Decimal(w.smsc("/sys/balance.php", "sibling")["balance"]) == 0
    # the parent's and the sibling's messages, by id and by their client ids: not found
    for key in (w.ids["parent"], w.ids["sibling"], "x-parent", "x-sibling"):
        answer = w.smsc("/sys/status.php", "kid", phone=PHONE[1:], id=key)
        assert answer.get("status") == "-3" or "error" in answer, key
    own = w.smsc("/sys/status.php", "kid", phone=PHONE[1:], id="x-kid")
    assert own["status"] == "-1"
    sibling_sent = w.smsc("/sys/send.php", "sibling", phones=PHONE[1:], mes="x", id="s1")
    assert sibling_sent["cnt"] == "1"  # paid from the parent's balance
    # 100, less 20 moved to kid, 1 for its own send and 2 for the sibling's
    assert w.c.use_cases.accounts.show("parent").balance == Decimal("77")


# -- OMS ----------------------------------------------------------------------------------

def _oms(w, operation, param, document):
    inner = f"<{param}>{escape(document)}</{param}>"
    body = (f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><{operation} xmlns="{OMS}">{inner}'
            f"</{operation}></s:Body></s:Envelope>").encode()
    _status, out = w.wsgi("/oms", body)
    return etree.fromstring(etree.fromstring(out).find(".//{%s}*" % OMS)[0].text.encode())


def _deliver(w, login, contents):
    body = "".join(f"<content>{escape(c)}</content>" for c in contents)
    return _oms(w, "DeliverXms", "xmsData",
                f'<xmsData xmlns="{OMS}"><user><userId>{login}</userId><password>pw</password>'
                "</user><xmsHead><requiredService>SMS_SENDER</requiredService>"
                f"<to><recipient>{PHONE}</recipient></to></xmsHead>"
                f'<xmsBody format="SMS">{body}</xmsBody></xmsData>')


def test_oms_isolation(w):
    info = _oms(w, "GetUserInfo", "xmsUser",
                f'<xmsUser xmlns="{OMS}"><userId>kid</userId><password>pw</password></xmsUser>')
    assert info.find(f"{{{OMS}}}error").get("code") == "ok"
    assert b"parent" not in etree.tostring(info)
    ok = _deliver(w, "kid", ["via outlook"])
    assert ok.find(f"{{{OMS}}}error").get("code") == "ok"
    history = w.c.use_cases.history
    assert [m.text for m in history.get_messages(w.creds("kid")).items] == ["via outlook", "from kid"]
    assert "via outlook" not in [m.text for m in history.get_messages(w.creds("parent")).items]
    # a parent-mode sub-client without enough funds hears of its own balance, not the parent's
    w.c.use_cases.subaccounts.update(w.creds("parent"), "sibling", daily_cap="0.5")
    low = _deliver(w, "sibling", ["x"])
    error = low.find(f"{{{OMS}}}error")
    assert error.get("code") == "lowBalance"
    assert "balance 0" in error.findtext(f"{{{OMS}}}content") and "80" not in \
        error.findtext(f"{{{OMS}}}content")
