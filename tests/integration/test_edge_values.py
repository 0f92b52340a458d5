"""Edge values at every front door (issue 10, finding 6): each is the door's own validation
error, never a 500, a 999, a server fault or a dropped connection, and nothing is stored.

Times without a UTC equivalent, offsets past the databases' 64-bit OFFSET, Unix times past
year 9999, digits of other scripts, JSON nested 100,000 deep, integers of 5,000 digits, and
values of the wrong JSON type. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

import pytest

from tests.integration.doors import Doors, smsc_soap_result, soap_fault

EARLY, LATE = "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"
PHONE = "+79991234567"
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def doors(database_url):
    d = Doors(database_url)
    yield d
    d.close()


def assert_api_refused(answer, codes=(1, 11, 12)):
    status, envelope = answer
    assert status == 400 and envelope["code"] in codes, answer


def assert_healthy(doors: Doors) -> None:
    status, envelope = doors.api("Account/GetBalance")
    assert (status, envelope["code"]) == (200, 0)
    assert doors.request("/health", method="GET")[0] == 200


@pytest.mark.parametrize("when", [EARLY, LATE])
def test_a_time_without_a_utc_equivalent_is_a_validation_error_on_every_door(doors, when):
    assert_api_refused(doors.api("Sms/Send", {"recipients": PHONE, "text": "t",
                                              "scheduledAt": when}))
    assert_api_refused(doors.api("Mailing/Create", {"name": "m", "text": "t", "phones": PHONE,
                                                    "scheduledAt": when}))
    for field in ("since", "until"):
        assert_api_refused(doors.api("Messages/List", {field: when}))
    status, body = doors.soap("SendSms", f"<t:recipients>{PHONE}</t:recipients><t:text>t</t:text>"
                                         f"<t:scheduledAt>{when}</t:scheduledAt>")
    assert status == 500 and soap_fault(body) == ("soap11env:Client.ValidationError", 1), body
    status, body = doors.soap("GetMessages", f"<t:since>{when}</t:since>")
    assert soap_fault(body) == ("soap11env:Client.ValidationError", 1), body
    [error] = doors.oms_send([PHONE], "t", when).findall("{*}error")
    assert error.get("code") == "other" and "scheduledAt" in error.findtext("{*}content")
    assert not doors.stored()
    assert_healthy(doors)


def test_a_mailing_is_scheduled_no_further_ahead_than_a_send(doors):
    assert_api_refused(doors.api("Mailing/Create", {"name": "m", "text": "t", "phones": PHONE,
                                                    "scheduledAt": "9999-12-31T23:00:00Z"}))
    assert not doors.stored()


def test_a_page_whose_offset_overflows_64_bits_is_a_constraint_error(doors):
    for listing in ("Messages/List", "Contacts/List", "Blacklist/List", "Mailing/List",
                    "TaskQueue/GetStatus"):
        for page in ("1000000000000000000", "92233720368547759", "9" * 5000, "-1", "0", "1.5",
                     "1e3", "²"):
            assert_api_refused(doors.api(listing, {"page": page, "taskId": "1"}))
        for size in ("0", "-5", "1001", "99999999999999999999", "NaN"):
            assert_api_refused(doors.api(listing, {"pageSize": size, "taskId": "1"}))
    assert_healthy(doors)


def test_the_largest_pages_soap_allows_are_answered_not_faulted(doors):
    big = "<t:page>2147483647</t:page><t:pageSize>1000</t:pageSize>"
    for operation in ("GetMessages", "GetContacts", "GetBlacklist", "GetMailings"):
        status, body = doors.soap(operation, big)
        assert status == 200 and soap_fault(body) is None, (operation, body)
    status, body = doors.soap("GetMessages", "<t:page>2147483648</t:page>")
    assert soap_fault(body)[1] == 1, body


def test_smsc_times_past_year_9999_and_foreign_digits_are_smsc_errors(doors):
    send = {"phones": PHONE}
    cases = [  # (field, value, the smsc error expected)
        ("time", "099999999999999999", "5"), ("time", "0" + "9" * 5000, "5"),
        ("time", "0²", "5"), ("time", "²-³", "5"), ("time", "٣١١٢٢٦١٢٠٠", "5"),
        ("time", "1-99999999999999999999", "5"), ("tz", "²", "1"), ("tz", "9" * 5000, "1"),
        ("valid", "²", "1"), ("valid", "1:²", "1"), ("valid", "9" * 5000, "1"),
        ("valid", "99999999999", "1"), ("valid", "0", "1"),
    ]
    for n, (field, value, code) in enumerate(cases):
        params = {**send, "mes": f"http {n}", field: value}
        assert doors.smsc_http("send.php", params, post=n % 2 == 0) == (
            200, f"ERROR = {code} ({'invalid date format' if code == '5' else 'parameters error'})"
            .encode()), (field, value)
        query = {"tz": "tz", "valid": "valid"}.get(field)
        fields = {**send, "mes": f"soap {n}"}
        fields |= {"query": f"{query}={value}"} if query else {field: value}
        assert smsc_soap_result(doors.smsc_soap("send2", fields)[1]) == {"error": code}, \
            (field, value)
    assert not doors.stored()
    assert_healthy(doors)


def test_smsc_status_ids_in_foreign_digits_or_huge_are_not_found_not_crashes(doors):
    for n, ident in enumerate(["²", "0²", "٣", "9" * 5000, "99999999999999999999", "-1"]):
        assert doors.smsc_http("status.php", {"phone": PHONE, "id": ident, "fmt": "3"}) == (
            200, b'{"status": "-3"}'), ident
        assert smsc_soap_result(doors.smsc_soap("status", {"phone": PHONE, "id": ident})[1]) == \
            {"status": "-3"}, ident
    assert doors.smsc_http("status.php", {"phone": PHONE, "id": "1,²,٣", "fmt": "1"}) == (
        200, b"-3,0,0\n-3,0,0\n-3,0,0")
    assert doors.smsc_http("status.php", {"phone": PHONE, "id": "1", "tz": "²"}) == (
        200, b"ERROR = 1 (parameters error)")


def test_json_nested_100000_deep_is_a_validation_error(doors):
    assert_api_refused(doors.api("Sms/Send", raw=DEEP.encode()))
    assert_api_refused(doors.api("Sms/Send", raw=b'{"recipients": ' + DEEP.encode() + b"}"))
    assert_api_refused(doors.api("Sms/Send", {"recipients": DEEP, "text": "t"}))
    assert_api_refused(doors.api("Contacts/Create", {"contacts": DEEP}))
    assert_api_refused(doors.api("Contacts/Create", {"phone": PHONE, "fields": "{" * 50_000}))
    assert not doors.stored()
    assert_healthy(doors)


def test_an_integer_of_5000_digits_is_a_validation_error_everywhere(doors):
    huge = "9" * 5000
    assert_api_refused(doors.api("Sms/Send", raw=(
        '{"recipients": ["%s"], "text": "t", "validityMinutes": %s}' % (PHONE, huge)).encode()))
    assert_api_refused(doors.api("Sms/Send", raw=(
        '{"recipients": [%s], "text": "t"}' % huge).encode()))
    assert_api_refused(doors.api("Sms/GetStatus", {"messageIds": huge}))
    assert_api_refused(doors.api("Sms/GetStatus", {"messageIds": "9223372036854775808"}))
    assert_api_refused(doors.api("Messages/List", query=f"mailingId={huge}"))
    assert_api_refused(doors.api("Sms/Send", {"recipients": PHONE, "text": "t",
                                              "validityMinutes": huge}))
    for operation, inner in [("GetStatus", f"<t:messageIds>{huge}</t:messageIds>"),
                             ("GetStatus", "<t:messageIds>9223372036854775808</t:messageIds>"),
                             ("SendSms", f"<t:recipients>{PHONE}</t:recipients><t:text>t</t:text>"
                                         f"<t:validityMinutes>{huge}</t:validityMinutes>")]:
        status, body = doors.soap(operation, inner)
        assert soap_fault(body)[1] == 1, body
    assert not doors.stored()
    assert_healthy(doors)


CARDS = [
    {"phone": {"a": 1}}, {"phone": [PHONE]}, {"phone": True},
    {"phone": PHONE, "groupIds": ["x"]}, {"phone": PHONE, "groupIds": [1.5]},
    {"phone": PHONE, "groupIds": [[1]]}, {"phone": PHONE, "groupIds": [True]},
    {"phone": PHONE, "groupIds": ["²"]}, {"phone": PHONE, "groupIds": [2 ** 63]},
    {"phone": PHONE, "fields": ["a"]}, {"phone": PHONE, "fields": "a"},
    {"phone": PHONE, "fields": {"a": {"b": 1}}}, {"phone": PHONE, "fields": {"a": [1]}},
    {"phone": PHONE, "name": {"a": 1}}, {"phone": PHONE, "birthday": {"y": 2026}},
]


def test_a_contact_card_with_values_of_the_wrong_type_is_a_validation_error(doors):
    for card in CARDS:
        assert_api_refused(doors.api("Contacts/Create", json_body=card))
        assert_api_refused(doors.api("Contacts/Create", json_body={"contacts": [card]}))
        assert_api_refused(doors.api("Contacts/Create", {"contacts": json.dumps([card])}))
    for body in ({"contacts": "x"}, {"contacts": [1]}, {"contacts": [[{"phone": PHONE}]]},
                 {"contacts": {"phone": PHONE}}):
        assert_api_refused(doors.api("Contacts/Create", json_body=body))
    assert not doors.stored()


BAD_SENDS = [
    b'{"recipients": ["+79991234567"], "text": "t", "validityMinutes": NaN}',
    b'{"recipients": ["+79991234567"], "text": "t", "validityMinutes": Infinity}',
    b'{"recipients": ["+79991234567"], "text": "t", "validityMinutes": -Infinity}',
    b'{"recipients": ["+79991234567"], "text": "t", "validityMinutes": 1e999}',
    b'{"recipients": ["+79991234567"], "text": "t", "validityMinutes": 1.5}',
    b'{"recipients": ["+79991234567"], "text": "t", "validityMinutes": 1e2}',
    b'{"recipients": ["+79991234567"], "text": "t", "validityMinutes": true}',
    b'{"recipients": ["+79991234567"], "text": "t", "validityMinutes": "60.0"}',
    b'{"recipients": ["+79991234567"], "text": "t", "validityMinutes": 0}',
    b'{"recipients": ["+79991234567"], "text": "t", "validityMinutes": -1}',
    b'{"recipients": ["+79991234567"], "text": "t", "validityMinutes": [60]}',
    b'{"recipients": ["+79991234567"], "text": "t", "validityMinutes": {"m": 60}}',
    b'{"recipients": ["+79991234567"], "text": "t", "text": "u"}',
    b'{"recipients": ["+79991234567"], "text": ["t"]}',
    b'{"recipients": ["+79991234567"], "text": {"t": 1}}',
    b'{"recipients": ["+79991234567"], "text": false}',
    b'{"recipients": [{"n": "+79991234567"}], "text": "t"}',
    b'{"recipients": [true], "text": "t"}',
    b'{"recipients": [], "text": "t"}',
    b'{"recipients": ["+79991234567"], "text": "t", "scheduledAt": 1700000000}',
    b'{"recipients": ["+79991234567"], "text": "t", "scheduledAt": ["2030-01-01"]}',
    b'{"recipients": ["+79991234567"], "text": "t", "clientRef": {"a": 1}}',
    b'{"recipients": ["+79991234567"], "text": "' + b"x" * 100_000 + b'"}',
    b'{"recipients": "' + b"+79991234567," * 2000 + b'", "text": "t"}',
    b"[]", b'"text"', b"1", b"null", b"{", b'{"a": 1} x', b"\xff\xfe",
]


def test_wrong_json_for_a_send_is_a_validation_error(doors):
    for raw in BAD_SENDS:
        assert_api_refused(doors.api("Sms/Send", raw=raw))
    assert not doors.stored()
    assert_healthy(doors)


def test_message_ids_beyond_64_bits_or_not_integers_are_refused(doors):
    for ids in ("9223372036854775808", "-9223372036854775809", "1.0", "1e3", "0x10", "²", " ",
                "[[1]]", '[{"id": 1}]', "[true]", ",".join(["1"] * 1001), "NaN"):
        assert_api_refused(doors.api("Sms/GetStatus", {"messageIds": ids}))


def test_zero_and_negative_ids_are_simply_not_found(doors):
    status, envelope = doors.api("Sms/GetStatus", {"messageIds": "0,-1,-9223372036854775808"})
    assert status == 200 and [v["statusCode"] for v in envelope["data"]] == [-3, -3, -3]
