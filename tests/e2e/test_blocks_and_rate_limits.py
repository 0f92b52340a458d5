"""Each door, served by gunicorn, answers a brute-force lock and a rate limit in its own
terms: SOAP faults 8 and 30, OMS invalidUser and perDayMsgLimit, smsc errors 4 and 9, HTTP
code 8 / 401 and code 30 / 429, both with Retry-After."""

from __future__ import annotations


import pytest
import requests
import zeep
from lxml import etree
from zeep.exceptions import Fault
from zeep.transports import Transport

from tests.e2e.conftest import start_server, stop_server

NS = "urn:smsgw:v1"
OMS = "http://schemas.microsoft.com/office/Outlook/2006/OMS"
ENV = {"SMSGW_AUTH_MAX_FAILURES": "3", "SMSGW_AUTH_ADDRESS_MAX_FAILURES": "0",
       "SMSGW_AUTH_LOGIN_MAX_FAILURES": "0", "SMSGW_AUTH_BLOCK_SECONDS": "300",
       "SMSGW_RATE_SEND_PER_MINUTE": "2", "SMSGW_RATE_QUERY_PER_MINUTE": "1000"}
LOGINS = ("soap", "oms", "api", "smsc", "smscsoap")


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    srv, proc = start_server(tmp_path_factory.mktemp("limits"), ENV)
    for door in LOGINS:
        for kind in ("b", "r"):  # one account to lock, one to rate-limit, per door
            made = srv.admin("account", "create", f"{door}-{kind}", "--password", "pw",
                           "--balance", "100")
            assert made.returncode == 0, made.stderr
    yield srv
    stop_server(proc)


def until_refused(call, tries=8):
    """Results of ``call`` until the first refusal (a minute may turn once in between)."""
    results = []
    for _ in range(tries):
        results.append(call())
        if results[-1] != "ok":
            return results
    return results


def soap(gw, login, password="pw"):
    session = requests.Session()
    session.auth = (login, password)
    return zeep.Client(gw.wsdl_url, transport=Transport(session=session)).service


def soap_code(call) -> str | int:
    try:
        call()
        return "ok"
    except Fault as fault:
        return int(fault.detail.find(f"{{{NS}}}SmsgwFault/{{{NS}}}code").text)


def test_native_soap_answers_a_lock_with_code_8_and_a_rate_limit_with_code_30(gw):
    wrong = soap(gw, "soap-b", "guess")
    assert [soap_code(wrong.GetBalance) for _ in range(3)] == [8, 8, 8]
    with pytest.raises(Fault) as locked:
        soap(gw, "soap-b").GetBalance()
    assert "too many" in locked.value.message
    assert int(locked.value.detail.find(f"{{{NS}}}SmsgwFault/{{{NS}}}code").text) == 8
    good = soap(gw, "soap-r")
    results = until_refused(lambda: soap_code(
        lambda: good.SendSms(recipients=["+79991234567"], text="hi")))
    assert results[-1] == 30 and set(results[:-1]) == {"ok"}


def oms_user(login, password):
    return f'<xmsUser xmlns="{OMS}"><userId>{login}</userId><password>{password}</password></xmsUser>'


def oms_data(login):
    return (f'<xmsData xmlns="{OMS}"><user><userId>{login}</userId><password>pw</password>'
            f"</user><xmsHead><to><recipient>+79991234567</recipient></to></xmsHead>"
            f'<xmsBody format="SMS"><content>From Outlook</content></xmsBody></xmsData>')


def test_oms_answers_a_lock_with_invalid_user_and_a_rate_limit_with_per_day_msg_limit(gw):
    oms = zeep.Client(gw.base_url + "/oms?wsdl").service

    def user_info(password):
        return etree.fromstring(oms.GetUserInfo(xmsUser=oms_user("oms-b", password)).encode()
                                ).find(f"{{{OMS}}}error").get("code")
    assert [user_info("guess") for _ in range(3)] == ["invalidUser"] * 3
    assert user_info("pw") == "invalidUser"

    def deliver():
        response = etree.fromstring(oms.DeliverXms(xmsData=oms_data("oms-r")).encode())
        return response[0].get("code")
    results = until_refused(deliver)
    assert results[-1] == "perDayMsgLimit" and set(results[:-1]) == {"ok"}


def test_the_http_api_answers_401_code_8_and_429_code_30_with_retry_after(gw):
    url = gw.base_url + "/api/Account/GetBalance"
    assert [requests.get(url, auth=("api-b", "guess")).json()["code"] for _ in range(3)] == [8] * 3
    locked = requests.get(url, auth=("api-b", "pw"))
    assert (locked.status_code, locked.json()["code"]) == (401, 8)
    assert 0 < int(locked.headers["Retry-After"]) <= 300

    def send():
        r = requests.post(gw.base_url + "/api/Sms/Send", auth=("api-r", "pw"),
                          data={"recipients": "+79991234567", "text": "hi"})
        return "ok" if r.json()["code"] == 0 else r
    results = until_refused(send)
    refused = results[-1]
    assert (refused.status_code, refused.json()["code"]) == (429, 30)
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_smsc_answers_a_lock_with_error_4_and_a_rate_limit_with_error_9(gw):
    def balance(password):
        return requests.get(gw.base_url + "/sys/balance.php",
                            params={"login": "smsc-b", "psw": password, "fmt": "3"}).json()
    assert [balance("guess")["error_code"] for _ in range(3)] == [2, 2, 2]
    assert balance("pw")["error_code"] == 4

    texts = iter(f"text {n}" for n in range(100))  # different texts: not smsc's own error 9

    def send():
        r = requests.get(gw.base_url + "/sys/send.php", params={
            "login": "smsc-r", "psw": "pw", "phones": "79991234567", "mes": next(texts),
            "fmt": "3"}).json()
        return "ok" if "id" in r else r.get("error_code")
    results = until_refused(send)
    assert results[-1] == 9 and set(results[:-1]) == {"ok"}


def test_smsc_soap_answers_a_lock_with_error_4(gw):
    service = zeep.Client(gw.base_url + "/sys/soap.php?wsdl").service
    assert [service.get_balance(login="smscsoap-b", psw="guess").error for _ in range(3)] == ["2"] * 3
    assert service.get_balance(login="smscsoap-b", psw="pw").error == "4"


def test_the_cli_lists_and_lifts_the_locks_the_doors_made(gw):
    url = gw.base_url + "/api/Account/GetBalance"
    for _ in range(3):
        requests.get(url, auth=("api-r", "guess"))
    listed = gw.admin("blocks", "list")
    assert listed.returncode == 0
    assert "login api-r\taddress 127.0.0.1" in listed.stdout
    lifted = gw.admin("blocks", "lift", "api-r")
    assert lifted.returncode == 0 and lifted.stdout.startswith("lifted: api-r")
    assert requests.get(url, auth=("api-r", "pw")).json()["code"] == 0
    missing = gw.admin("blocks", "lift", "nobody")
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
