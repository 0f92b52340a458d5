"""Sending limits against a live gunicorn, with real clients: the operator sets limits with
``smsgw account limits``; a flood and a duplicate come back BANNED (23) with their reason over
zeep (native SOAP) and requests (HTTP API), and a day's limit is refused as code 30."""

from __future__ import annotations

import pytest
import requests
import zeep
from zeep.exceptions import Fault
from zeep.transports import Transport

from tests.e2e.conftest import start_server, stop_server

A, B = "+79161234567", "+79167654321"


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    srv, proc = start_server(tmp_path_factory.mktemp("sending-limits"),
                             {"SMSGW_LIMIT_DUPLICATE_MINUTES": "30"})
    for login in ("zeep", "http"):
        made = srv.admin("account", "create", login, "--password", "pw", "--balance", "100")
        assert made.returncode == 0, made.stderr
        set_ = srv.admin("account", "limits", login, "--flood", "2/60", "--per-day", "6")
        assert set_.returncode == 0 and "flood              2/60         (own)" in set_.stdout
    yield srv
    stop_server(proc)


def test_zeep_sees_a_duplicate_and_a_flood_banned_with_their_reason(gw):
    session = requests.Session()
    session.auth = ("zeep", "pw")
    service = zeep.Client(gw.wsdl_url, transport=Transport(session=session)).service
    first = service.SendSms(recipients=[A], text="your code is 1234")
    assert first.messages[0].statusName == "QUEUED"
    dup = service.SendSms(recipients=[A, B], text="your code is 1234")
    banned, other = dup.messages
    assert (banned.statusName, banned.statusCode, banned.errorCode) == ("BANNED", 23, 12)
    assert banned.errorMessage.startswith("duplicate") and banned.cost == 0
    assert other.statusName == "QUEUED" and dup.code == 98
    assert service.SendSms(recipients=[A], text="your code is 5678").messages[0].statusName \
        == "QUEUED"
    flood = service.SendSms(recipients=[A], text="your code is 9012")   # A's third in an hour
    assert flood.messages[0].statusName == "BANNED" and flood.code == 99
    assert flood.messages[0].errorMessage.startswith("flood: more than 2 messages")
    status = service.GetStatus(messageIds=[flood.messages[0].messageId])
    assert status[0].statusName == "BANNED" and status[0].errorCode == 12
    service.SendSms(recipients=[B], text="three")   # the day's 4th of 6
    with pytest.raises(Fault) as caught:
        service.SendSms(recipients=["+79160000001", "+79160000002", "+79160000003"],
                        text="over the day")
    assert caught.value.code.endswith("Client.QuotaExceeded")


def test_requests_sees_a_duplicate_and_a_flood_banned_with_their_reason(gw):
    def send(numbers, text):
        r = requests.post(gw.base_url + "/api/Sms/Send", auth=("http", "pw"), timeout=30,
                          json={"recipients": numbers, "text": text})
        return r.status_code, r.json(), r.headers

    _status, out, _headers = send([A], "hello")
    _status, out, _headers = send([A], "hello")
    dup = out["data"]["messages"][0]
    assert (dup["statusName"], dup["statusCode"], dup["errorCode"]) == ("BANNED", 23, 12)
    assert dup["errorMessage"].startswith("duplicate")
    _status, out, _headers = send([A, A], "again")   # the second: a duplicate within the request
    assert [m["statusName"] for m in out["data"]["messages"]] == ["QUEUED", "BANNED"]
    _status, out, _headers = send([A], "and again")  # A's third in an hour
    assert out["data"]["messages"][0]["errorMessage"].startswith("flood")
    status, out, headers = send(["+79160000009", "+79160000001", "+79160000002", "+79160000003",
                                 "+79160000004"], "many")
    assert status == 429 and out["code"] == 30 and int(headers["Retry-After"]) > 0
    assert out["data"]["field"] == "per_day" and out["data"]["limit"] == 6
