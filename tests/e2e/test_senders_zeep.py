"""Sender IDs against a live gateway with SMSGW_SENDER_CHECK=on: a zeep client registers a
sender and sends with it while it is pending (the shared sender goes out), the operator
approves it with the CLI, and the next send goes out under the client's own name; history,
the HTTP status and smsc's status show the sender used."""

from __future__ import annotations

import pytest
import requests
import zeep
from zeep.exceptions import Fault
from zeep.transports import Transport

from tests.e2e.conftest import start_server, stop_server

RU = "+79991234567"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    srv, proc = start_server(tmp_path_factory.mktemp("senders"),
                             {"SMSGW_SENDER_CHECK": "on", "SMSGW_EMBEDDED_WORKER": "0"})
    try:
        assert srv.admin("account", "create", "shop", "--password", "pw",
                       "--balance", "10").returncode == 0
        shared = srv.admin("sender", "shared", "set", "7", "SharedRU")
        assert shared.returncode == 0, shared.stderr
        yield srv
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def soap(gateway):
    session = requests.Session()
    session.auth = ("shop", "pw")
    return zeep.Client(gateway.wsdl_url, transport=Transport(session=session)).service


def test_pending_then_approved_sender(gateway, soap):
    registered = soap.RegisterSender(name="ShopCo")
    assert (registered.name, registered.state, registered.prefixes) == ("ShopCo", "pending", [])
    pending = soap.SendSms(recipients=[RU], text="Your code is 1234", sender="ShopCo")
    assert pending.code == 0 and pending.messages[0].statusCode == -1

    approved = gateway.admin("sender", "approve", "shop", "ShopCo", "--prefixes", "7")
    assert approved.returncode == 0, approved.stderr
    assert [(s.name, s.state, s.prefixes) for s in soap.GetSenders()] == [
        ("ShopCo", "approved", ["7"])]
    own = soap.SendSms(recipients=[RU], text="Your code is 5678", sender="ShopCo")
    assert own.code == 0

    history = soap.GetMessages().messages  # newest first
    assert [(m.messageId, m.sender) for m in history] == [
        (own.messages[0].messageId, "ShopCo"), (pending.messages[0].messageId, "SharedRU")]
    status = requests.post(gateway.base_url + "/api/Sms/GetStatus", auth=("shop", "pw"),
                           json={"messageIds": [pending.messages[0].messageId,
                                                own.messages[0].messageId]}).json()
    assert [s["sender"] for s in status["data"]] == ["SharedRU", "ShopCo"]
    smsc = requests.get(gateway.base_url + "/sys/status.php", params={
        "login": "shop", "psw": "pw", "phone": RU, "id": str(own.messages[0].messageId),
        "all": "1", "fmt": "3"}).json()
    assert smsc["sender_id"] == "ShopCo"


def test_bad_sender_names_are_typed_faults(soap):
    for name, code in (("TwelveChars1", "1"), ("a<b>", "1")):
        with pytest.raises(Fault) as exc:
            soap.RegisterSender(name=name)
        assert exc.value.detail.findtext("{urn:smsgw:v1}SmsgwFault/{urn:smsgw:v1}code") == code


def test_the_cli_refuses_bad_operator_input_in_one_line(gateway):
    for argv, expected in ((("sender", "approve", "nobody", "ShopCo"), "account nobody not found"),
                           (("sender", "approve", "shop", "X", "--prefixes", "7;375"),
                            "invalid destination prefix")):
        result = gateway.admin(*argv)
        assert result.returncode == 1 and expected in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
