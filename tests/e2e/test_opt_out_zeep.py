"""Opt-out seen through zeep and the committed WSDL: GetBlacklist's entries carry who listed
each number (api or inbound STOP), why and when, and a send to a number whose subscriber
replied STOP comes back BANNED (23), "opted out".

The STOP is accepted and processed in this process, on the server's database (the e2e server
runs no delivery worker)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from service.bootstrap import build_container
from service.config import Settings
from service.domain.inbound import InboundPart
from tests.e2e.conftest import soap_service


@pytest.fixture(scope="module")
def soap(server):
    return soap_service(server, "optout", "20")


def inbound_stop(server, login: str, phone: str) -> None:
    """A carrier's MO "Стоп!" to the account's number 7744, accepted and processed here, on
    the server's database, as the worker would."""
    container = build_container(Settings(database_url=server.env["SMSGW_DATABASE_URL"]))
    container.use_cases.inbound_numbers.assign_number("7744", login)
    inbound = container.use_cases.inbound
    inbound.accept("simulator", [InboundPart(phone, "7744", "Стоп!", datetime.now(timezone.utc))])
    assert inbound.process() == 1
    container.engine.dispose()


def test_get_blacklist_lists_the_source_reason_and_time_of_each_entry(server, soap):
    assert soap.AddToBlacklist(phones=["+79990000011"]).code == 0
    inbound_stop(server, "optout", "+79990000012")
    page = soap.GetBlacklist()
    assert page.total == 2 and page.phones == ["+79990000011", "+79990000012"]
    listed, stopped = page.entries
    assert (listed.phone, listed.source, listed.reason) == ("+79990000011", "api", None)
    assert (stopped.phone, stopped.source, stopped.reason) == (
        "+79990000012", "inbound", 'replied "Стоп!" to 7744')
    for entry in page.entries:
        assert isinstance(entry.addedAt, datetime) and entry.addedAt.tzinfo is not None
    assert soap.GetBlacklist(page=2, pageSize=1).entries[0].phone == "+79990000012"

    sent = soap.SendSms(recipients=["+79990000011", "+79990000012"], text="Sale!")
    assert [m.statusCode for m in sent.messages] == [23, 23]
    assert sent.messages[0].errorMessage == "the number is on the blacklist"
    assert sent.messages[1].errorMessage.startswith("the number opted out by replying STOP on ")
