"""The native SOAP API through zeep, the way a Python integrator would use it."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
import zeep
from zeep.exceptions import Fault
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

NS = "urn:smsgw:v1"


def client(server, login="alice", password="pw-alice", wsse=None):
    session = requests.Session()
    if login:
        session.auth = (login, password)
    return zeep.Client(server.wsdl_url, transport=Transport(session=session), wsse=wsse)


def fault_code(fault: Fault) -> int:
    return int(fault.detail.find(f"{{{NS}}}SmsgwFault/{{{NS}}}code").text)


def test_one_recipient(server):
    result = client(server).service.SendSms(recipients=["+79991234567"], text="Hello")
    assert result.code == 0 and len(result.messages) == 1
    m = result.messages[0]
    assert (m.recipient, m.statusCode, m.statusName, m.segments) == ("+79991234567", -1, "QUEUED", 1)
    assert m.messageId > 0 and m.cost == Decimal("1.0000")


def test_several_recipients_including_an_invalid_one(server):
    result = client(server).service.SendSms(
        recipients=["+79991234567", "8 (999) 123-45-68;79991234569", "42"], text="Hi all")
    assert result.code == 98
    assert [m.recipient for m in result.messages] == [
        "+79991234567", "+79991234568", "+79991234569", "42"]
    assert result.messages[3].statusCode == 22 and result.messages[3].errorCode == 1
    assert result.totalSegments == 3 and result.totalCost == Decimal("3.0000")


def test_cyrillic_multipart_text(server):
    text = "Здравствуйте! Ваш заказ передан в доставку, курьер позвонит за час до приезда."
    result = client(server).service.SendSms(recipients=["+79991234567"], text=text)
    assert len(text) > 70 and result.messages[0].segments == 2
    status = client(server).service.GetStatus(messageIds=[result.messages[0].messageId])
    assert status[0].statusName == "QUEUED"


def test_status_of_known_unknown_and_foreign_ids(server):
    mine = client(server).service.SendSms(recipients=["+79991234567"], text="a").messages[0]
    theirs = client(server, "bob", "pw-bob").service.SendSms(
        recipients=["+79991234567"], text="b").messages[0]
    statuses = client(server).service.GetStatus(
        messageIds=[mine.messageId, 987654321, theirs.messageId])
    assert [s.statusCode for s in statuses] == [-1, -3, -3]
    assert statuses[0].recipient == "+79991234567" and statuses[0].final is False
    assert statuses[0].createdAt is not None and statuses[1].statusName == "NOT_FOUND"


def test_balance_and_cost(server):
    c = client(server, "bob", "pw-bob")
    before = c.service.GetBalance()
    assert before.currency == "RUB"
    quote = c.service.GetSmsCost(recipients=["+79991234567", "+79991234568"], text="x" * 161)
    assert (quote.cost, quote.segments) == (Decimal("4.0000"), 4)
    assert c.service.GetBalance().balance == before.balance


def test_ws_security_username_token(server):
    c = client(server, login=None, wsse=UsernameToken("alice", "pw-alice"))
    assert c.service.GetBalance().currency == "RUB"


def test_ws_security_password_digest_is_refused_with_code_8(server):
    c = client(server, login=None, wsse=UsernameToken("alice", "pw-alice", use_digest=True))
    with pytest.raises(Fault) as exc:
        c.service.GetBalance()
    assert fault_code(exc.value) == 8 and "PasswordDigest" in exc.value.message


def test_basic_and_ws_security_naming_different_accounts_is_refused(server):
    c = client(server, wsse=UsernameToken("bob", "pw-bob"))
    with pytest.raises(Fault) as exc:
        c.service.GetBalance()
    assert fault_code(exc.value) == 8


@pytest.mark.parametrize("login,password", [("alice", "wrong"), ("nobody", "x")])
def test_wrong_credentials_are_an_ordinary_fault_with_code_8(server, login, password):
    with pytest.raises(Fault) as exc:
        client(server, login, password).service.GetBalance()
    assert exc.value.code.endswith("Client.AuthenticationFailed") and fault_code(exc.value) == 8


def test_no_credentials_get_a_basic_challenge_and_a_fault(server):
    body = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="urn:smsgw:v1">'
            '<s:Body><t:GetBalance/></s:Body></s:Envelope>')
    r = requests.post(server.soap_url, data=body, headers={"Content-Type": "text/xml"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    assert "<tns:code>8</tns:code>" in r.text


def test_blocked_account_gets_code_14(server):
    assert server.admin("account", "create", "blocked1", "--password", "pw").returncode == 0
    assert server.admin("account", "set", "blocked1", "--blocked", "true").returncode == 0
    with pytest.raises(Fault) as exc:
        client(server, "blocked1", "pw").service.GetBalance()
    assert fault_code(exc.value) == 14


def test_disallowed_ip_gets_code_8_not_401(server):
    assert server.admin("account", "create", "fenced", "--password", "pw").returncode == 0
    assert server.admin("account", "set", "fenced", "--allowed-ips", "10.1.2.0/24").returncode == 0
    with pytest.raises(Fault) as exc:
        client(server, "fenced", "pw").service.GetBalance()
    assert fault_code(exc.value) == 8 and "not allowed" in exc.value.message


def test_insufficient_funds_is_its_own_typed_fault_and_nothing_is_debited(server):
    c = client(server, "poor", "pw-poor")
    with pytest.raises(Fault) as exc:
        c.service.SendSms(recipients=["+79991234567"], text="Hello")
    detail = exc.value.detail.find(f"{{{NS}}}InsufficientFundsFault")
    assert detail.findtext(f"{{{NS}}}required") == "1.0000"
    assert detail.findtext(f"{{{NS}}}balance") == "0.5000"
    assert detail.findtext(f"{{{NS}}}code") == "15"
    assert c.service.GetBalance().balance == Decimal("0.5000")


@pytest.mark.parametrize("kwargs,field,code", [
    (dict(recipients=["+79991234567"], text=""), "text", 11),
    (dict(recipients=["+79991234567"], text="x" * 1001), "text", 12),
    (dict(recipients=["+79991234567"], text="x", sender="!!bad!!"), "sender", 1),
    (dict(recipients=["+79991234567"], text="x", validityMinutes=0), "validityMinutes", 12),
    (dict(recipients=["+79991234567"] * 1001, text="x"), "recipients", 12),
])
def test_validation_faults_name_the_field(server, kwargs, field, code):
    c = client(server, "bob", "pw-bob")
    before = c.service.GetBalance().balance
    with pytest.raises(Fault) as exc:
        c.service.SendSms(**kwargs)
    detail = exc.value.detail.find(f"{{{NS}}}SmsgwFault")
    assert (detail.findtext(f"{{{NS}}}field"), int(detail.findtext(f"{{{NS}}}code"))) == (field, code)
    assert c.service.GetBalance().balance == before


def test_the_served_wsdl_is_the_committed_contract(server):
    from tests.wsdl_contract import committed_wsdl_for
    served = requests.get(server.wsdl_url).content
    assert served == committed_wsdl_for(server.base_url)


def test_wsdl_address_ignores_the_host_header(server):
    r = requests.get(server.wsdl_url, headers={"Host": "evil.example:666"})
    assert b"evil.example" not in r.content and server.soap_url.encode() in r.content


def test_health_reports_the_database(server):
    r = requests.get(server.base_url + "/health")
    assert r.status_code == 200 and r.json()["database"] == "ok"


def test_an_api_key_from_the_cli_works_in_place_of_the_password(server):
    created = server.admin("account", "apikey", "create", "alice", "--name", "crm")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().rsplit(" ", 1)[-1]
    assert client(server, "alice", key).service.GetBalance().currency == "RUB"
    listed = server.admin("account", "apikey", "list", "alice").stdout
    key_id = listed.split()[0]
    assert "crm" in listed and key not in listed
    assert server.admin("account", "apikey", "revoke", "alice", key_id).returncode == 0
    with pytest.raises(Fault) as exc:
        client(server, "alice", key).service.GetBalance()
    assert fault_code(exc.value) == 8
