"""The published WSDL through three independent stub clients: suds, PHP SoapClient and node-soap.

Each client imports the live WSDL from the ``server`` fixture and calls the service the way an
integrator in that language would: HTTP Basic auth, lists as plain arrays, faults as the client's
own fault type. PHP and node-soap run the scripts in ``tests/e2e/interop/`` as subprocesses,
which print JSON.

suds is a test dependency (pyproject's ``test`` extra). PHP (``php-cli`` + ``php-soap``) and
node-soap (``npm ci --prefix tests/e2e/interop``) are system installs: their tests skip when
the tool is missing, and fail instead when ``SMSGW_REQUIRE_INTEROP=1`` (as in CI, whose
``.ci/run`` installs them).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
import zeep
from zeep.transports import Transport

INTEROP = Path(__file__).resolve().parent / "interop"
def _committed_operations() -> set[str]:
    from lxml import etree
    from tests.wsdl_contract import WSDL_FILE
    root = etree.parse(str(WSDL_FILE)).getroot()
    port_type = root.find("{http://schemas.xmlsoap.org/wsdl/}portType")
    return {op.get("name") for op in port_type}


OPERATIONS = _committed_operations()
TWO_RECIPIENTS = ["+79991234567", "+79991234568"]
LOGIN, PASSWORD = "alice", "pw-alice"


def unavailable(reason: str):
    """Skip, or fail when the environment says the interop clients are required (CI)."""
    if os.environ.get("SMSGW_REQUIRE_INTEROP") == "1":
        pytest.fail(f"{reason}; SMSGW_REQUIRE_INTEROP=1 makes this a failure", pytrace=False)
    pytest.skip(reason)


@dataclass
class Outcome:
    """What one call gave: the client's result as plain JSON-like data, or its SOAP fault."""
    result: Any = None
    fault: dict | None = None


class SudsClient:
    name = "suds"

    def check(self):
        try:
            import suds.client  # noqa: F401
        except ImportError as e:  # a declared test dependency, so never a skip
            pytest.fail(f"suds-community is missing ({e}): pip install -e '.[test]'", pytrace=False)

    def _client(self, wsdl_url, login, password):
        self.check()
        from suds.client import Client
        # username/password give suds its default HttpAuthenticated transport, which sends
        # the credentials only after a 401 + WWW-Authenticate: Basic challenge.
        return Client(wsdl_url, cache=None, username=login, password=password, timeout=30)

    def describe(self, wsdl_url) -> list[str]:
        client = self._client(wsdl_url, LOGIN, PASSWORD)
        return [name for service in client.wsdl.services for port in service.ports
                for name in port.methods]

    def call(self, wsdl_url, login, password, operation, **params) -> Outcome:
        from suds import WebFault
        client = self._client(wsdl_url, login, password)
        try:
            return Outcome(result=suds_plain(getattr(client.service, operation)(**params)))
        except WebFault as e:
            f = e.fault
            return Outcome(fault={"faultcode": f.faultcode, "faultstring": f.faultstring,
                                  "detail": suds_plain(getattr(f, "detail", None))})


def suds_plain(value):
    from suds.sudsobject import Object
    if isinstance(value, Object):
        return {key: suds_plain(item) for key, item in value}
    if isinstance(value, list):
        return [suds_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


class ScriptClient:
    """A client in another language: ``argv + [script, wsdl, login, password, op, json]``."""

    def __init__(self, name: str, argv: list[str], script: str):
        self.name, self.argv, self.script = name, argv, INTEROP / script

    def check(self):
        reason = _missing(self.name)
        if reason:
            unavailable(reason)

    def run(self, *args: str) -> tuple[dict, str]:
        self.check()
        proc = subprocess.run([*self.argv, str(self.script), *args], cwd=INTEROP,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, (
            f"{self.name} failed (exit {proc.returncode}):\n{proc.stderr}{proc.stdout}")
        return json.loads(proc.stdout), proc.stderr

    def describe(self, wsdl_url) -> list[str]:
        out, stderr = self.run(wsdl_url, LOGIN, PASSWORD, "describe")
        assert stderr == "", f"{self.name} warned while importing the WSDL:\n{stderr}"
        return out["operations"]

    def call(self, wsdl_url, login, password, operation, **params) -> Outcome:
        out, _ = self.run(wsdl_url, login, password, operation, json.dumps(params))
        return Outcome(result=out.get("result"), fault=out.get("fault"))


@functools.lru_cache(maxsize=None)
def _missing(name: str) -> str | None:
    if name == "php":
        if shutil.which("php") is None:
            return "php is not installed (apt-get install php-cli php-soap)"
        modules = subprocess.run(["php", "-m"], capture_output=True, text=True, timeout=60)
        if "soap" not in modules.stdout.split():
            return "php has no soap extension (apt-get install php-soap)"
    elif name == "node-soap":
        if shutil.which("node") is None:
            return "node is not installed"
        if not (INTEROP / "node_modules" / "soap").is_dir():
            return "node-soap is not installed (npm ci --prefix tests/e2e/interop)"
    return None


CLIENTS = {
    "suds": SudsClient(),
    "php": ScriptClient("php", ["php"], "client.php"),
    "node-soap": ScriptClient("node-soap", ["node"], "client.js"),
}


@pytest.fixture(params=list(CLIENTS))
def stub(request):
    """One stub client; it skips (or fails, see unavailable()) on first use if not installed."""
    return CLIENTS[request.param]


def unwrapped(result: dict) -> dict:
    """SendSmsResponse has a single child: suds unwraps it, PHP and node-soap keep it."""
    return result["SendSmsResult"] if set(result) == {"SendSmsResult"} else result


def fault_code(outcome: Outcome) -> int:
    assert outcome.fault is not None, f"expected a SOAP fault, got result {outcome.result!r}"
    detail = outcome.fault["detail"]
    assert detail and "SmsgwFault" in detail, f"fault without SmsgwFault detail: {outcome.fault}"
    return int(detail["SmsgwFault"]["code"])


def zeep_statuses(server, ids: list[int]):
    session = requests.Session()
    session.auth = (LOGIN, PASSWORD)
    client = zeep.Client(server.wsdl_url, transport=Transport(session=session))
    return client.service.GetStatus(messageIds=ids)


def test_wsdl_imports_with_every_operation(server, stub, caplog):
    with caplog.at_level(logging.WARNING, logger="suds"):
        operations = stub.describe(server.wsdl_url)
    assert sorted(operations) == sorted(OPERATIONS)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("suds")] == []


def test_get_balance_answers_in_rub(server, stub):
    outcome = stub.call(server.wsdl_url, LOGIN, PASSWORD, "GetBalance")
    assert outcome.fault is None, outcome.fault
    assert outcome.result["currency"] == "RUB"
    assert Decimal(str(outcome.result["balance"])) >= 0


def test_send_sms_to_two_recipients_sends_both_and_stores_two_messages(server, stub):
    outcome = stub.call(server.wsdl_url, LOGIN, PASSWORD, "SendSms",
                        recipients=TWO_RECIPIENTS, text="Hi")
    assert outcome.fault is None, outcome.fault
    result = unwrapped(outcome.result)
    messages = result["messages"]
    assert [m["recipient"] for m in messages] == TWO_RECIPIENTS
    assert result["code"] == 0 and result["totalSegments"] == 2
    ids = [int(m["messageId"]) for m in messages]
    assert len(set(ids)) == 2
    statuses = zeep_statuses(server, ids)
    assert [(s.messageId, s.recipient, s.statusName) for s in statuses] == [
        (ids[0], TWO_RECIPIENTS[0], "QUEUED"), (ids[1], TWO_RECIPIENTS[1], "QUEUED")]


def test_send_sms_to_one_recipient_still_returns_a_list_of_messages(server, stub):
    outcome = stub.call(server.wsdl_url, LOGIN, PASSWORD, "SendSms",
                        recipients=["+79991234567"], text="Hi")
    assert outcome.fault is None, outcome.fault
    messages = unwrapped(outcome.result)["messages"]
    assert isinstance(messages, list) and len(messages) == 1
    assert messages[0]["recipient"] == "+79991234567"


def test_wrong_password_is_a_soap_fault_with_detail_code_8(server, stub):
    outcome = stub.call(server.wsdl_url, LOGIN, "wrong", "GetBalance")
    assert fault_code(outcome) == 8
    assert outcome.fault["faultcode"].endswith("Client.AuthenticationFailed")


def test_get_inbox_items_carry_from_and_every_callback_field(server, stub):
    from datetime import datetime, timezone

    from sqlalchemy import create_engine, select

    from service.persistence.tables import accounts
    from tests.inbound_rows import inbound, store_inbound
    engine = create_engine(server.env["SMSGW_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            alice = conn.execute(select(accounts.c.id).where(accounts.c.login == LOGIN)).scalar_one()
        reply = store_inbound(engine, inbound(alice, source="+79991239999", destination="4242",
                                              text="Да", received_at=datetime.now(timezone.utc),
                                              reply_to_message_id=5))
    finally:
        engine.dispose()
    outcome = stub.call(server.wsdl_url, LOGIN, PASSWORD, "GetInbox", afterId=reply - 1,
                        to="4242")
    assert outcome.fault is None, outcome.fault
    result = outcome.result
    page = result["GetInboxResult"] if set(result) == {"GetInboxResult"} else result
    assert int(page["total"]) == 1
    item = page["messages"][0]
    assert (int(item["id"]), item["from"], item["to"], item["text"], int(item["replyToMessageId"]),
            int(item["parts"]), item["complete"] in (True, "true")) == (
                reply, "+79991239999", "4242", "Да", 5, 1, True)
    assert "receivedAt" in item
