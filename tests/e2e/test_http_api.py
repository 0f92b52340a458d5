"""The HTTP/JSON API with a real HTTP client: every module, the envelope codes and statuses,
form and JSON bodies, urlencoding, API keys, XML, background tasks."""

from __future__ import annotations

import pytest
import requests

AUTH = ("webby", "pw")


@pytest.fixture(scope="module")
def api(server):
    assert server.admin("account", "create", "webby", "--password", "pw", "--balance", "100").returncode == 0

    def call(path, method="POST", auth=AUTH, **kwargs):
        r = requests.request(method, f"{server.base_url}/api/{path}", auth=auth, timeout=30, **kwargs)
        return r, r.json() if "json" in r.headers.get("Content-Type", "") else r.text

    call.server = server
    return call


def test_send_status_cost_and_balance(api):
    r, env = api("Sms/Send", data={"recipients": "+79991234567,89991234568", "text": "Hi there+more"})
    assert r.status_code == 200 and env["code"] == 0 and env["message"] == "OK"
    ids = [m["messageId"] for m in env["data"]["messages"]]
    _r, status = api("Sms/GetStatus", method="GET", params={"messageIds": ",".join(map(str, ids))})
    assert [s["statusName"] for s in status["data"]] == ["QUEUED", "QUEUED"]
    _r, cost = api("Sms/GetCost", json={"recipients": ["+79991234567"], "text": "x" * 161})
    assert cost["data"]["segments"] == 2 and cost["data"]["cost"] == "2.0000"
    _r, balance = api("Account/GetBalance", method="GET")
    assert balance["data"] == {"balance": "98.0000", "currency": "RUB"}
    _r, history = api("Messages/List", method="GET", params={"recipient": "+79991234568"})
    assert history["data"]["messages"][0]["text"] == "Hi there+more"


def test_urlencoding_plus_percent_and_utf8(api):
    body = "recipients=%2B79991234567&text=Привет+мир%21+%2B+100%25".encode()
    r, env = api("Sms/Send", data=body,
                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert env["code"] == 0
    _r, history = api("Messages/List", method="GET", params={"pageSize": 1})
    assert history["data"]["messages"][0]["text"] == "Привет мир! + 100%"


@pytest.mark.parametrize("path,kwargs,code,status", [
    ("Nope/Send", {}, 4, 404),
    ("Sms/Nope", {}, 5, 404),
    ("Sms/Send?format=yaml", {}, 6, 406),
    ("Sms/Send", {"data": {"text": "x"}}, 11, 400),
    ("Sms/Send", {"data": {"recipients": "+79991234567", "text": "x" * 1001}}, 12, 400),
    ("Sms/Send", {"data": {"recipients": "+79991234567", "text": "x", "sender": "!!!"}}, 1, 400),
    ("Sms/Send", {"data": {"recipients": "12", "text": "x"}}, 99, 422),
    ("Sms/GetStatus", {"data": {"messageIds": "a,b"}}, 1, 400),
    ("Sms/Send", {"data": {"recipients": "+79991234567", "text": "x"}, "auth": ("webby", "no")}, 8, 401),
    ("Sms/Send", {"data": {"recipients": "+79991234567", "text": "x"}, "auth": None}, 8, 401),
    ("Contacts/Update", {"data": {"contactId": "999999", "name": "x"}}, 2, 404),
    ("Sms/Send", {"data": "{not json", "headers": {"Content-Type": "application/json"}}, 1, 400),
])
def test_envelope_codes_and_http_statuses(api, path, kwargs, code, status):
    r, env = api(path, **kwargs)
    assert (r.status_code, env["code"]) == (status, code), env
    assert set(env) == {"code", "data", "message"}


def test_missing_parameters_are_named(api):
    _r, env = api("Groups/Rename", data={})
    assert env["code"] == 11 and "groupId" in env["message"] and "name" in env["message"]


def test_insufficient_funds_carries_the_amounts(api):
    recipients = ",".join(f"+7999888{n:04d}" for n in range(10))
    r, env = api("Sms/Send", data={"recipients": recipients, "text": "ж" * 1000})  # 150.00
    assert (r.status_code, env["code"]) == (402, 15)
    assert float(env["data"]["required"]) == 150.0


def test_contacts_groups_blacklist_and_mailings(api):
    _r, g = api("Groups/Create", data={"name": "Web"})
    gid = g["data"]["id"]
    _r, c = api("Contacts/Create", json={"contacts": [
        {"phone": "+79991230201", "name": "Ann", "groupIds": [gid], "fields": {"code": "7"}},
        {"phone": "bad"}]})
    assert c["code"] == 98 and c["data"]["items"][1]["field"] == "phone"
    _r, lst = api("Contacts/List", method="GET", params={"groupId": gid})
    assert lst["data"]["contacts"][0]["fields"] == {"code": "7"}
    cid = lst["data"]["contacts"][0]["id"]
    _r, up = api("Contacts/Update", data={"contactId": cid, "email": "ann@example.com"})
    assert up["data"]["email"] == "ann@example.com"
    assert api("Groups/List", method="GET")[1]["data"][0]["size"] == 1
    assert api("Groups/RemoveContacts", data={"groupId": gid, "contactIds": cid})[1]["code"] == 0
    assert api("Groups/AddContacts", data=[("groupId", gid), ("contactIds", cid)])[1]["code"] == 0
    assert api("Blacklist/Add", data={"phones": "+79991230299"})[1]["code"] == 0
    assert api("Blacklist/List", method="GET")[1]["data"]["phones"] == ["+79991230299"]
    _r, m = api("Mailing/Create", data={"name": "Web", "text": "Hi {name}, {code}",
                                        "groupIds": gid, "phones": "+79991230299",
                                        "defaults.name": "friend", "defaults.code": "0"})
    mid = m["data"]["id"]
    _r, s = api("Mailing/Start", data={"mailingId": mid})
    assert s["code"] == 0 and s["data"]["mailing"]["stats"] == {"QUEUED": 1, "BANNED": 1}
    assert api("Mailing/Pause", data={"mailingId": mid})[1]["data"]["state"] == "PAUSED"
    assert api("Mailing/Resume", data={"mailingId": mid})[1]["data"]["state"] == "RUNNING"
    assert api("Mailing/Cancel", data={"mailingId": mid})[1]["data"]["state"] == "CANCELLED"
    assert api("Mailing/Get", data={"mailingId": mid})[1]["data"]["progress"] == 100.0
    assert api("Mailing/List", method="GET")[1]["data"]["total"] >= 1
    assert api("Blacklist/Remove", data={"phones": "+79991230299"})[1]["code"] == 0
    assert api("Contacts/Delete", data={"contactIds": cid})[1]["code"] == 0
    assert api("Groups/Delete", data={"groupId": gid})[1]["code"] == 0


def test_background_tasks_answer_100_and_are_tracked(api):
    contacts = [{"phone": f"+7999777{n:04d}"} for n in range(1001)]
    r, env = api("Contacts/Create", json={"contacts": contacts})
    assert (r.status_code, env["code"]) == (200, 100) and env["data"]["taskId"]
    _r, task = api("TaskQueue/GetStatus", method="GET", params={"taskId": env["data"]["taskId"]})
    assert task["code"] == 0 and task["data"]["state"] in ("queued", "running", "done")


def test_api_keys_as_bearer_or_parameter_and_xml(api):
    created = api.server.admin("account", "apikey", "create", "webby")
    key = created.stdout.strip().rsplit(" ", 1)[-1]
    r, env = api("Account/GetBalance", method="GET", auth=None,
                 headers={"Authorization": f"Bearer {key}"})
    assert env["code"] == 0
    r, env = api("Account/GetBalance", method="GET", auth=None, params={"apikey": key})
    assert env["code"] == 0
    r, text = api("Account/GetBalance?format=xml", method="GET")
    assert r.headers["Content-Type"].startswith("application/xml") and "<currency>RUB</currency>" in text


@pytest.mark.parametrize("login,setting,code", [
    ("web-fenced", ["--allowed-ips", "10.9.9.9"], 9),  # not on the account's IP allowlist
    ("web-frozen", ["--blocked", "yes"], 14),
])
def test_access_refusals_are_403_with_their_own_code(api, login, setting, code):
    assert api.server.admin("account", "create", login, "--password", "pw").returncode == 0
    assert api.server.admin("account", "set", login, *setting).returncode == 0
    r, env = api("Account/GetBalance", method="GET", auth=(login, "pw"))
    assert (r.status_code, env["code"]) == (403, code), env
    assert set(env) == {"code", "data", "message"}


def test_login_and_password_parameters_and_xml_by_accept(api):
    r, env = api("Account/GetBalance", method="GET", auth=None, params={"login": "webby", "password": "pw"})
    assert (r.status_code, env["code"]) == (200, 0)
    r, text = api("Account/GetBalance", method="GET", auth=None,
                  params={"login": "webby", "password": "wrong"}, headers={"Accept": "application/xml"})
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("application/xml")
    assert "<code>8</code>" in text and "<message>" in text


@pytest.mark.parametrize("body,code", [
    ('[1, 2]', 1),  # not an object
    ('{"recipients": {"a": 1}, "text": "x"}', 1),  # a list parameter given an object
    ('{"recipients": [[["+79991234567"]]], "text": "x"}', 1),  # nested past a repeated list
    ('{"recipients": null, "text": "x"}', 11),
])
def test_json_of_the_wrong_shape_is_a_validation_error(api, body, code):
    r, env = api("Sms/Send", data=body, headers={"Content-Type": "application/json"})
    assert (r.status_code, env["code"]) == (400, code), env


def test_an_oversized_body_is_a_constraint_violation(api):
    r, env = api("Sms/Send", data={"recipients": "+79991234567", "text": "x" * (3 * 1024 * 1024)})
    assert (r.status_code, env["code"]) == (400, 12), env
