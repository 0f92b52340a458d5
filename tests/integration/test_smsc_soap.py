"""The smsc-compatible SOAP front door in-process: smsc's element names, namespace variants,
qualified and unqualified children, parameter formats, per-method error codes, one store."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree

from service.app.book.address_book import ContactInput
from service.app.access.auth import Credentials
from service.app.sending.sending import SendSms
from service.app.sending.status_query import GetStatus
from service.bootstrap import build_container, build_wsgi_app
from service.config import Settings
from service.persistence.migrate import upgrade
from tests.fakes import FixedClock

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
RU, UA = "https://smsc.ru/sys/soap.php", "http://smsc.ua/sys/soap.php"
ME = Credentials("alex", "123")


@pytest.fixture
def smsc(tmp_path):
    clock = FixedClock(datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc))  # 12:00 in Moscow
    c = build_container(Settings(database_url=f"sqlite:///{tmp_path / 's.db'}"), clock=clock)
    upgrade(c.engine)
    c.use_cases.accounts.create("alex", "123", Decimal("100"))
    app = build_wsgi_app(c)

    def call(request: str, fields: dict[str, str], ns: str = RU, qualified: bool = False,
             raw: bytes | None = None, method: str = "POST", query: str = ""):
        if raw is None:
            prefix = "s:" if qualified else ""
            inner = "".join(f"<{prefix}{k}>{escape(v)}</{prefix}{k}>" for k, v in fields.items())
            raw = (f'<soap:Envelope xmlns:soap="{SOAP}" xmlns:s="{ns}"><soap:Body>'
                   f"<s:{request}>{inner}</s:{request}></soap:Body></soap:Envelope>").encode()
        env = {"REQUEST_METHOD": method, "PATH_INFO": "/sys/soap.php", "QUERY_STRING": query,
               "CONTENT_TYPE": "text/xml; charset=utf-8", "CONTENT_LENGTH": str(len(raw)),
               "wsgi.input": io.BytesIO(raw), "REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "t",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http", "HTTP_SOAPACTION": ns}
        seen = {}
        body = b"".join(app(env, lambda s, h: seen.update(status=s)))
        root = etree.fromstring(body)
        result = root.find(f".//{{{SOAP}}}Body")[0]
        call.last_namespace = etree.QName(result).namespace
        if etree.QName(result).localname == "Fault":
            return {"fault": result.findtext("faultstring"), "status": seen["status"]}
        return {el.tag: el.text or "" for el in result[0]}

    call.container, call.clock = c, clock
    return call


def send(smsc, **fields):
    return smsc("send", {"login": "alex", "psw": "123", **fields})


def test_send_returns_id_cnt_cost_and_balance(smsc):
    out = send(smsc, phones="79991234567,89991234568;+442071838750", mes="Hello world!",
               id="", sender="ivan", time="0")
    assert out == {"id": out["id"], "balance": "97.00", "cost": "3.00", "cnt": "3"}
    assert out["id"].isdigit()


@pytest.mark.parametrize("ns,qualified", [(RU, False), (UA, True),
                                          ("http://smsc.ru/sys/soap.php", False)])
def test_every_smsc_namespace_variant_and_both_child_forms_work(smsc, ns, qualified):
    out = smsc("balance", {"login": "alex", "psw": "123"}, ns=ns, qualified=qualified)
    assert out == {"balance": "100.00"} and smsc.last_namespace == ns


def test_status_by_phone_and_client_id_with_all_levels(smsc):
    send(smsc, phones="+79991234567,+79991234568", mes="Привет", id="order-7", sender="ivan")
    base = {"login": "alex", "psw": "123", "phone": "79991234568", "id": "order-7"}
    plain = smsc("status", base)
    assert plain == {"status": "-1", "last_date": "22.11.2026 12:00:00",
                     "last_timestamp": str(int(smsc.clock.now().timestamp())), "err": "0"}
    full = smsc("status", {**base, "all": "1"})
    assert (full["phone"], full["message"], full["sender_id"], full["cost"]) == (
        "+79991234568", "Привет", "ivan", "1.00")
    assert full["status_name"] == "Waiting send" and "operator" not in full
    assert smsc("status", {**base, "all": "2"})["operator"] == ""
    assert smsc("status", {**base, "id": "nope"}) == {"status": "-3"}
    assert smsc("status", {**base, "id": "9" * 30}) == {"status": "-3"}  # no 64-bit overflow


def test_one_store_one_lifecycle_both_ways(smsc):
    assert send(smsc, phones="+79991234567", mes="via smsc", id="x1")["id"] == "x1"
    message = smsc.container.use_cases.statuses.by_client_id(ME, "x1", "+79991234567")
    native = smsc.container.use_cases.statuses.get_status(GetStatus(ME, [message.id]))
    assert native[0].status_name == "QUEUED" and native[0].recipient == "+79991234567"
    result = smsc.container.use_cases.sending.send(SendSms(ME, ["+79991234569"], "native"))
    mid = str(result.messages[0].message_id)
    out = smsc("status", {"login": "alex", "psw": "123", "phone": "+79991234569", "id": mid})
    assert out["status"] == "-1"


def test_g_group_recipients_by_id_or_name(smsc):
    book = smsc.container.use_cases.address_book
    group = book.create_group(ME, "Friends")
    book.create_contacts(ME, [ContactInput(phone="+79991230001", group_ids=(group.id,)),
                              ContactInput(phone="+79991230002", group_ids=(group.id,))])
    assert send(smsc, phones=f"G{group.id}", mes="hi")["cnt"] == "2"
    assert send(smsc, phones="gfriends,+79991230003", mes="hi")["cnt"] == "3"
    assert send(smsc, phones="GNobody", mes="hi") == {"error": "1"}


@pytest.mark.parametrize("time,expected", [
    ("2211261500", datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)),    # 15:00 Moscow
    ("01795348800", datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)),   # 0 + unix time
    ("18-20", datetime(2026, 11, 22, 15, 0, tzinfo=timezone.utc)),         # next 18:00 Moscow
    ("10-14", None),                                                      # inside the window
])
def test_time_formats(smsc, time, expected):
    out = send(smsc, phones="+79991234567", mes="later", time=time, id="t")
    message = smsc.container.use_cases.statuses.by_client_id(ME, "t", None)
    assert out["cnt"] == "1" and message.scheduled_at == expected


def test_query_parameters_cost_translit_valid_and_tz(smsc):
    quote = smsc("send2", {"login": "alex", "psw": "123", "phones": "+79991234567",
                           "mes": "x" * 200, "query": "cost=1"})
    assert quote == {"cost": "2.00", "cnt": "2"}
    assert smsc.container.use_cases.history.get_messages(ME).total == 0
    out = smsc("send2", {"login": "alex", "psw": "123", "phones": "+79991234567", "mes": "Привет мир",
                   "id": "tr", "query": "translit=1&valid=2&tz=1&unknown=5",
                   "time": "2211261500"})
    assert out.get("id") == "tr", out
    message = smsc.container.use_cases.statuses.by_client_id(ME, "tr", None)
    assert message.text == "Privet mir"
    assert message.scheduled_at == datetime(2026, 11, 22, 11, 0, tzinfo=timezone.utc)  # UTC+4
    assert message.valid_until - message.scheduled_at == timedelta(hours=2)


def test_cost_operations(smsc):
    base = {"login": "alex", "psw": "123", "phones": "+79991234567,+79991234568", "mes": "ж" * 71}
    assert smsc("cost", base) == {"cost": "4.00", "cnt": "4"}
    assert smsc("cost2", {**base, "query": "translit=1"}) == {"cost": "2.00", "cnt": "2"}


@pytest.mark.parametrize("fields,code", [
    (dict(phones="+79991234567"), "1"),                               # no mes
    (dict(mes="hi"), "1"),                                            # no phones
    (dict(phones="+79991234567", mes="x" * 1001), "1"),
    (dict(phones="+79991234567", mes="hi", psw="wrong"), "2"),
    (dict(phones="+79991234567", mes="ж" * 1000, id="big"), "3"),     # 15.00 > the 10.00 left
    (dict(phones="+79991234567", mes="hi", time="31.12.2026"), "5"),
    (dict(phones="+79991234567", mes="hi", sender="!!way too long!!"), "6"),
    (dict(phones="123,abc", mes="hi"), "7"),
    (dict(phones="+79990000666", mes="hi"), "8"),                       # blacklisted
])
def test_send_errors_carry_smsc_codes(smsc, fields, code):
    if code == "3":
        smsc.container.use_cases.sending.send(SendSms(ME, ["+79991234567"] * 6, "ж" * 1000))
    if code == "8":
        smsc.container.use_cases.address_book.add_to_blacklist(ME, ["+79990000666"])
    out = send(smsc, **{"login": "alex", "psw": "123", **fields})
    assert out == {"error": code}


def test_balance_and_status_errors(smsc):
    assert smsc("balance", {"login": "alex", "psw": "bad"}) == {"error": "2"}
    assert smsc("status", {"login": "alex", "psw": "123", "phone": "1", "id": ""}) == {"error": "1"}


@pytest.mark.parametrize("raw", [b"<garbage", b"", b"<a/>",
                                 f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><x:send xmlns:x="urn:other"/>'
                                 "</soap:Body></soap:Envelope>".encode(),
                                 b'<!DOCTYPE x [<!ENTITY a "b">]><x/>'])
def test_bad_envelopes_are_soap_faults(smsc, raw):
    assert "fault" in smsc("send", {}, raw=raw)


def test_the_wsdl_is_the_committed_contract(smsc):
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/sys/soap.php", "QUERY_STRING": "wsdl",
           "wsgi.input": io.BytesIO(b"")}
    app = build_wsgi_app(smsc.container)
    body = b"".join(app(env, lambda s, h: None))
    assert body == (Path(__file__).resolve().parents[2] / "wsdl" / "smsc.wsdl").read_bytes()


def test_error_9_limits_hold_across_nodes_and_reset_each_minute(smsc):
    from service.api.smsc.adapter import SmscAdapter
    url = str(smsc.container.engine.url)
    other_node = SmscAdapter(build_container(Settings(database_url=url), clock=smsc.clock).use_cases)
    first = send(smsc, phones="+79991234567", mes="same", sender="ivan")
    assert "id" in first
    fields = {"login": "alex", "psw": "123", "phones": "+79991234567", "mes": "same",
              "sender": "ivan"}
    assert other_node.call("send_sms", fields, "127.0.0.1", smsc.clock.now()) == {"error": "9"}
    assert "id" in send(smsc, phones="+79991234567", mes="different", sender="ivan")
    balance = {"login": "alex", "psw": "123"}
    assert [smsc("balance", balance).get("error") for _ in range(11)][-2:] == [None, "9"]
    status = {"login": "alex", "psw": "123", "phone": "+79991234567", "id": first["id"]}
    assert [smsc("status", status).get("error") for _ in range(6)][-2:] == [None, "9"]
    smsc.clock.advance(seconds=60)
    assert "id" in send(smsc, phones="+79991234567", mes="same", sender="ivan")
    assert smsc("balance", balance) == {"balance": smsc("balance", balance)["balance"]}


def test_error_4_blocks_an_address_after_repeated_errors_for_a_while(tmp_path):
    clock = FixedClock()
    c = build_container(Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}",
                                 auth_max_failures=3, auth_block_seconds=300), clock=clock)
    upgrade(c.engine)
    c.use_cases.accounts.create("alex", "123", Decimal("10"))
    from service.api.smsc.adapter import SmscAdapter
    adapter = SmscAdapter(c.use_cases)
    bad, good = {"login": "alex", "psw": "nope"}, {"login": "alex", "psw": "123"}
    codes = [adapter.call("get_balance", bad, "192.0.2.7", clock.now())["error"] for _ in range(4)]
    assert codes == ["2", "2", "2", "4"]
    assert adapter.call("get_balance", good, "192.0.2.7", clock.now()) == {"error": "4"}
    assert adapter.call("get_balance", good, "192.0.2.8", clock.now()) == {"balance": "10.00"}
    clock.advance(seconds=301)
    assert adapter.call("get_balance", good, "192.0.2.7", clock.now()) == {"balance": "10.00"}


@pytest.mark.parametrize("name", ["send", "balance_wrong_password"])
def test_golden_pairs_from_the_reference(smsc, name):
    data = Path(__file__).resolve().parents[1] / "data" / "smsc"
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": "/sys/soap.php", "QUERY_STRING": "",
           "REMOTE_ADDR": "127.0.0.1"}
    raw = (data / f"{name}.request.xml").read_bytes()
    env |= {"CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw)}
    body = b"".join(build_wsgi_app(smsc.container)(env, lambda s, h: None))

    def c14n(xml: bytes) -> bytes:
        return etree.tostring(etree.fromstring(xml, etree.XMLParser(remove_blank_text=True)),
                              method="c14n")
    assert c14n(body) == c14n((data / f"{name}.response.xml").read_bytes())
