"""Property-based tests of the doors' parameter parsing (issue 10, finding 6), on both stores.

Whatever the smsc HTTP and SOAP parameters and the native SOAP strings hold, the door answers
in its own terms: never an HTTP 500 page, a 999, a ``Server`` fault or a traceback; and a
request it refuses leaves the store as it was. The HTTP/JSON API has its own fuzzing from its
OpenAPI description (tests/e2e/test_http_fuzz.py, schemathesis).

Over HTTP any character travels, NUL included (the shared reading layer refuses what no
store can hold, before parameters are parsed); inside XML only what XML can carry.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service.api.smsc.contract import OPERATIONS, field_names
from tests.conftest import PG_URL, PG_REQUIRED
from tests.integration.doors import LOGIN, PASSWORD, SMSC_NS, Doors, smsc_soap_result, soap_fault

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

# Text that XML can carry, so the property exercises parameters rather than the XML parser:
# no surrogates, no C0 controls but tab and newline (NUL among them).
XML_TEXT = st.characters(blacklist_categories=("Cs",),
                         blacklist_characters="".join(map(chr, range(0, 32))).replace("\t\n", "")
                         + "\ufffe\uffff")
DIGITS = "0123456789²³¹٠١٢٣٤٥٦٧٨٩०१२३０１２３"  # ASCII, superscripts, Arabic, Devanagari, fullwidth
EDGES = ["", "0", "-1", "1.5", "1e5", "NaN", "Infinity", "0x10", "+7", " 1 ", "1,2", "1:30",
         "099999999999999999", "0²", "²", "9" * 5000, "-" + "9" * 30, "9223372036854775808",
         "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-13-40T25:61:00",
         "+79991234567", "79991234567,79991234568", "G1", "Gnone", "0-24", "23-1", "3112261200",
         "x" * 2000, "<![CDATA[x]]>", "&amp;", "%00", "utf-8", "koi8-r", "windows-1251"]
VALUE = st.one_of(st.text(XML_TEXT, max_size=40), st.text(DIGITS + "-+.:e ", max_size=25),
                  st.integers().map(str), st.sampled_from(EDGES))
# Over HTTP any character travels (percent-encoded), control characters and NUL included.
ANY_VALUE = st.one_of(VALUE, st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
                      st.sampled_from(["\x00", "a\x00b", "+7999\x001234567"]))
SMSC_PARAMS = ("login", "psw", "phones", "mes", "id", "sender", "time", "phone", "all", "apikey",
               "valid", "tz", "translit", "cost", "fmt", "charset", "query")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def doors(request, tmp_path_factory):
    """One gateway per store for the whole module: hypothesis runs many examples against it."""
    if request.param == "sqlite":
        d = Doors(f"sqlite:///{tmp_path_factory.mktemp('props') / 'p.db'}")
        yield d
        d.close()
        return
    if not PG_URL:
        if PG_REQUIRED:
            pytest.fail("PostgreSQL is required here but SMSGW_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests need SMSGW_TEST_POSTGRES_URL")
    name = f"smsgw_p_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        d = Doors(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
        d.container.use_cases.accounts.top_up(LOGIN, Decimal("100000"))
        yield d
        d.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _smsc_error(body: str, fmt: str) -> str | None:
    """smsc's error code in an HTTP answer, or None."""
    found = re.search({"1": r"^[^,\n]*,-(\d+)$", "2": r"<error_code>(\d+)<",
                       "3": r'"error_code": (\d+)'}.get(fmt, r"^ERROR = (\d+)"), body)
    return found.group(1) if found else None


def assert_unchanged(doors: Doors, before: tuple, error: str | None, answer) -> None:
    """A refused request changed nothing. Errors 7 and 8 (no usable number) keep the refused
    numbers' records, free and final, as the native API's code 99 does: nothing is debited."""
    after = doors.footprint()
    if error in ("7", "8"):
        assert after[1] == before[1], answer
    else:
        assert after == before, answer


@PROPERTY
@given(path=st.sampled_from(["send.php", "status.php", "balance.php"]), post=st.booleans(),
       params=st.dictionaries(st.sampled_from(SMSC_PARAMS), ANY_VALUE, max_size=8),
       own_login=st.booleans())
def test_smsc_http_answers_any_parameters_in_its_own_terms(doors, path, post, params, own_login):
    if own_login:
        params = {"login": LOGIN, "psw": PASSWORD, **params}
    before = doors.footprint()
    status, body = doors.smsc_http(path, params, post=post, raw_query=urlencode(params))
    assert status == 200, body
    fmt = params.get("fmt") if params.get("fmt") in ("1", "2", "3") else "0"
    charset = {"koi8-r": "koi8_r", "windows-1251": "cp1251"}.get(
        (params.get("charset") or "").lower(), "utf-8")
    answer = body.decode(charset, errors="replace")
    assert "Traceback" not in answer and "Internal Server Error" not in answer
    error = _smsc_error(answer, fmt)
    if error or path != "send.php":
        assert_unchanged(doors, before, error, answer)


@PROPERTY
@given(operation=st.sampled_from(sorted(OPERATIONS)),
       values=st.dictionaries(st.sampled_from(SMSC_PARAMS), VALUE, max_size=8),
       own_login=st.booleans())
def test_smsc_soap_answers_any_fields_with_a_result_never_a_server_fault(doors, operation,
                                                                           values, own_login):
    request, fields = OPERATIONS[operation][0], field_names(OPERATIONS[operation][1])
    values = {k: v for k, v in values.items() if k in fields}
    if own_login:
        values = {"login": LOGIN, "psw": PASSWORD, **values}
    before = doors.footprint()
    status, body = doors.smsc_soap(request, values) if own_login else doors.request(
        "/sys/soap.php", _smsc_envelope(request, values))
    result = smsc_soap_result(body)
    assert status == 200 and "fault" not in result, (status, body)
    if "error" in result or not operation.startswith("send"):
        assert_unchanged(doors, before, result.get("error"), result)


def _smsc_envelope(request: str, values: dict[str, str]) -> bytes:
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in values.items())
    return (f'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
            f'xmlns:s="{SMSC_NS}"><soap:Body><s:{request}>{inner}</s:{request}>'
            f"</soap:Body></soap:Envelope>").encode()


NATIVE = {  # operation -> its parameters, in schema order
    "SendSms": ("recipients", "text", "sender", "scheduledAt", "validityMinutes", "clientRef"),
    "GetSmsCost": ("recipients", "text"),
    "GetStatus": ("messageIds",),
    "GetMessages": ("since", "until", "status", "recipient", "page", "pageSize", "mailingId"),
    "CreateGroup": ("name",),
    "AddToBlacklist": ("phones",),
    "GetContacts": ("groupId", "phonePrefix", "page", "pageSize"),
    "GetBlacklist": ("page", "pageSize"),
    "CreateMailing": ("name", "text", "sender", "groupIds", "contactIds", "phones", "scheduledAt",
                      "validityMinutes", "ratePerMinute"),
    "GetMailings": ("page", "pageSize"),
    "GetTaskStatus": ("taskId", "page", "pageSize"),
    "RegisterSender": ("name",),
    "DeleteSender": ("name",),
}


@PROPERTY
@given(operation=st.sampled_from(sorted(NATIVE)), data=st.data())
def test_native_soap_answers_any_strings_with_a_result_or_a_client_fault(doors, operation, data):
    names = NATIVE[operation]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    inner = "".join(f"<t:{n}>{escape(data.draw(VALUE, label=n))}</t:{n}>"
                    for n in names if n in chosen)
    before = doors.footprint()
    status, body = doors.soap(operation, inner)
    fault = soap_fault(body)
    if fault is None:
        assert status == 200, body
        return
    faultcode, code = fault
    assert status in (400, 401, 500) and faultcode.split(":")[-1].startswith("Client"), body
    assert code != 999, body
    assert doors.footprint() == before, body
