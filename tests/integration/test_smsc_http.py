"""The smsc HTTP API: send.php, status.php, balance.php in fmt 0..3, charsets, error shapes."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from urllib.parse import quote_from_bytes, urlencode

import pytest
from lxml import etree

from service.app.access.auth import Credentials
from service.bootstrap import build_container, build_wsgi_app
from service.config import Settings
from service.persistence.migrate import upgrade


@pytest.fixture
def http(tmp_path):
    c = build_container(Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}"))
    upgrade(c.engine)
    c.use_cases.accounts.create("alex", "123", Decimal("100"))
    app = build_wsgi_app(c)

    def call(path: str, params: dict | str, post: bool = False, charset: str = "utf-8"):
        qs = params if isinstance(params, str) else urlencode(
            {"login": "alex", "psw": "123", **params})
        body = qs.encode() if post else b""
        env = {"REQUEST_METHOD": "POST" if post else "GET", "PATH_INFO": path,
               "QUERY_STRING": "" if post else qs, "CONTENT_LENGTH": str(len(body)),
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "wsgi.input": io.BytesIO(body),
               "REMOTE_ADDR": "127.0.0.1"}
        seen = {}
        out = b"".join(app(env, lambda s, h: seen.update(status=s, headers=dict(h))))
        return out.decode(charset)

    call.container = c
    return call


def test_send_in_every_format(http):
    assert http("/sys/send.php", {"phones": "79991234567", "mes": "a", "id": "s0"}) == \
        "OK - 1 SMS, ID - s0"
    assert http("/sys/send.php", {"phones": "79991234567", "mes": "b", "id": "s1", "fmt": 1}) == "s1,1"
    xml = etree.fromstring(http("/sys/send.php", {"phones": "79991234567", "mes": "c", "id": "s2",
                                                   "fmt": 2, "cost": 3}).encode())
    assert (xml.findtext("id"), xml.findtext("cnt"), xml.findtext("cost"), xml.findtext("balance")) == (
        "s2", "1", "1.00", "97.00")
    assert json.loads(http("/sys/send.php", {"phones": "79991234567", "mes": "d", "id": "s3",
                                             "fmt": 3, "cost": 2})) == {"id": "s3", "cnt": "1",
                                                                         "cost": "1.00"}


def test_cost_1_prices_without_sending(http):
    assert http("/sys/send.php", {"phones": "79991234567,79991234568", "mes": "x" * 161,
                                  "cost": 1, "fmt": 1}) == "4.00,4"
    assert http("/sys/balance.php", {"fmt": 1}) == "100.00"


@pytest.mark.parametrize("fmt,expected", [
    ("0", "ERROR = 2 (invalid login or password)"),
    ("1", "0,-2"),
    ("2", "<result><error>invalid login or password</error><error_code>2</error_code></result>"),
    ("3", '{"error": "invalid login or password", "error_code": 2}'),
])
def test_error_shapes_per_format(http, fmt, expected):
    assert http("/sys/send.php", {"phones": "79991234567", "mes": "x", "psw": "bad", "fmt": fmt}) \
        == expected


@pytest.mark.parametrize("fmt,expected", [
    ("0", "ERROR = 7 (invalid phone number format), ID - a7"),
    ("1", "a7,-7"),
    ("2", "<result><error>invalid phone number format</error><error_code>7</error_code><id>a7</id></result>"),
    ("3", '{"error": "invalid phone number format", "error_code": 7, "id": "a7"}'),
])
def test_errors_3_6_7_8_carry_the_id(http, fmt, expected):
    assert http("/sys/send.php", {"phones": "123", "mes": "x", "id": "a7", "fmt": fmt}) == expected


def test_status_one_and_many_in_every_format(http):
    http("/sys/send.php", {"phones": "79991234567,79991234568", "mes": "hi", "id": "m1"})
    one = json.loads(http("/sys/status.php", {"phone": "79991234567", "id": "m1", "fmt": 3}))
    assert one["status"] == "-1" and one["err"] == "0"
    many = json.loads(http("/sys/status.php", {"phone": "79991234567,79991234568,79990000000",
                                               "id": "m1,m1,m1", "fmt": 3}))
    assert [r["status"] for r in many] == ["-1", "-1", "-3"]
    assert http("/sys/status.php", {"phone": "79991234567", "id": "m1", "fmt": 1}).startswith("-1,")
    assert http("/sys/status.php", {"phone": "79991234567", "id": "m1"}).startswith("Status = -1, check_time = ")
    assert etree.fromstring(http("/sys/status.php", {"phone": "79991234567", "id": "m1",
                                                     "fmt": 2}).encode()).findtext("status") == "-1"


def test_balance_formats(http):
    assert http("/sys/balance.php", {}) == "100.00"
    assert json.loads(http("/sys/balance.php", {"fmt": 3})) == {"balance": "100.00"}
    assert etree.fromstring(http("/sys/balance.php", {"fmt": 2}).encode()).findtext("balance") == "100.00"


@pytest.mark.parametrize("charset,codec", [("windows-1251", "cp1251"), ("koi8-r", "koi8_r")])
def test_charsets_in_and_out(http, charset, codec):
    text = "Привет".encode(codec)
    qs = (f"login=alex&psw=123&phones=79991234567&id=c1&charset={charset}&fmt=3&mes="
          + quote_from_bytes(text))
    assert json.loads(http("/sys/send.php", qs, charset=codec))["id"] == "c1"
    out = http("/sys/status.php", f"login=alex&psw=123&phone=79991234567&id=c1&all=1&fmt=3"
                                  f"&charset={charset}", charset=codec)
    assert json.loads(out)["message"] == "Привет"


def test_a_form_post_works_like_a_get(http):
    assert http("/sys/send.php", {"phones": "79991234567", "mes": "posted a+b", "id": "p1",
                                  "fmt": 1}, post=True) == "p1,1"
    message = http.container.use_cases.history.get_messages(Credentials("alex", "123")).items[0]
    assert message.text == "posted a+b"
