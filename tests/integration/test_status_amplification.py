"""Status requests for many ids (issue 10, finding 7): bounded per request, and answered by a
fixed number of SQL statements however many ids are asked, on every door and both stores."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import event

from service.app.access.auth import Credentials
from service.app.sending.sending import SendSms
from tests.integration.doors import LOGIN, PASSWORD, Doors, smsc_soap_result, soap_fault

LIMIT = 300
PHONES = [f"+7999{n:07d}" for n in range(LIMIT)]


@pytest.fixture
def doors(database_url):
    d = Doors(database_url, max_recipients=LIMIT)
    d.container.use_cases.accounts.top_up(LOGIN, Decimal("1000"))
    sending = d.container.use_cases.sending
    me = Credentials(LOGIN, PASSWORD)
    d.numeric = [m.message_id for m in sending.send(SendSms(me, PHONES[:-1], "n")).messages]
    d.external = sending.send(SendSms(me, [PHONES[-1]], "e", external_id="mine")).messages[0]
    yield d
    d.close()


class Statements:
    """Counts the SQL statements the gateway's engine executes inside the block."""

    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def _seen(self, *_args) -> None:
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def statements(doors: Doors, call) -> tuple[int, object]:
    with Statements(doors.container.engine) as seen:
        answer = call()
    return seen.count, answer


def test_smsc_http_status_of_many_ids_costs_the_same_statements_as_of_two(doors):
    def status(ids, phones):
        return lambda: doors.smsc_http("status.php", {"id": ",".join(map(str, ids)),
                                                      "phone": ",".join(phones), "fmt": "3"})
    status(["x", "y"], [])()  # the first call creates the account's counters
    few, (_, body) = statements(doors, status(doors.numeric[:1] + ["mine"],
                                              [PHONES[0], PHONES[-1]]))
    assert [r["status"] for r in json.loads(body)] == ["-1", "-1"]
    ids = doors.numeric + ["mine"]
    many, (_, body) = statements(doors, status(ids, PHONES))
    assert len(json.loads(body)) == LIMIT and all(r["status"] == "-1" for r in json.loads(body))
    assert many == few, (few, many)


def test_smsc_http_status_answers_each_id_with_its_own_phone_and_unknown_ones_minus_3(doors):
    ids = f"{doors.numeric[0]},{doors.numeric[1]},mine,nope,{doors.numeric[2]}"
    phones = f"{PHONES[0]},{PHONES[5]},{PHONES[-1]},{PHONES[0]}"  # one phone short: any number
    status, body = doors.smsc_http("status.php", {"id": ids, "phone": phones, "fmt": "1"})
    assert status == 200
    assert [line.split(",")[0] for line in body.decode().split("\n")] == [
        "-1", "-3", "-1", "-3", "-1"]


def test_more_status_ids_than_max_recipients_is_smsc_error_1_and_code_12_elsewhere(doors):
    ids = ",".join(str(i) for i in range(1, LIMIT + 2))
    assert doors.smsc_http("status.php", {"id": ids, "phone": PHONES[0]}) == (
        200, b"ERROR = 1 (parameters error)")
    assert doors.smsc_http("status.php", {"id": ids, "phone": PHONES[0], "fmt": "3"}) == (
        200, b'{"error": "parameters error", "error_code": 1}')
    status, envelope = doors.api("Sms/GetStatus", {"messageIds": ids})
    assert (status, envelope["code"], envelope["data"]) == (400, 12, {"field": "messageIds"})
    inner = "".join(f"<t:messageIds>{i}</t:messageIds>" for i in range(1, LIMIT + 2))
    assert soap_fault(doors.soap("GetStatus", inner)[1])[1] == 12


def test_native_and_http_status_of_many_ids_costs_the_same_statements_as_of_one(doors):
    def http(ids):
        return lambda: doors.api("Sms/GetStatus", {"messageIds": ",".join(map(str, ids))})

    def soap(ids):
        return lambda: doors.soap("GetStatus", "".join(f"<t:messageIds>{i}</t:messageIds>"
                                                       for i in ids))
    for door in (http, soap):
        door(doors.numeric[:1])()  # the first call of a method creates its rate counter
        few, _ = statements(doors, door(doors.numeric[:1]))
        many, _ = statements(doors, door(doors.numeric + [doors.external.message_id]))
        assert many == few, (door.__name__, few, many)


def test_smsc_soap_status_finds_the_clients_id_then_ours(doors):
    assert smsc_soap_result(doors.smsc_soap("status", {"id": "mine", "phone": PHONES[-1]})[1])[
        "status"] == "-1"
    assert smsc_soap_result(doors.smsc_soap(
        "status", {"id": str(doors.external.message_id), "phone": ""})[1])["status"] == "-1"
    assert smsc_soap_result(doors.smsc_soap("status", {"id": "mine", "phone": PHONES[0]})[1]) \
        == {"status": "-3"}
