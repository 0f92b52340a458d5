"""Opt-out seen through zeep and the committed WSDL: GetBlacklist's entries carry who listed
each number (api or inbound STOP), why and when, and a send to a number whose subscriber
replied STOP comes back BANNED (23), "opted out".

The STOP is acted on in this process, on the server's database, as InboundService.process
does it (the responder inside one write transaction)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from service.bootstrap import build_container
from service.config import Settings
from service.domain.inbound import InboundMessage, KeywordAction
from tests.e2e.conftest import soap_service


@pytest.fixture(scope="module")
def soap(server):
    return soap_service(server, "optout", "20")


def inbound_stop(server, login: str, phone: str) -> None:
    container = build_container(Settings(database_url=server.env["SMSGW_DATABASE_URL"]))
    account_id = container.use_cases.accounts.show(login).stored_id
    now = datetime.now(timezone.utc)
    draft = InboundMessage(id=0, account_id=account_id, source=phone, destination="7744",
                           text="Стоп!", received_at=now)
    with container.uow_factory(write=True) as uow:
        [out] = container.use_cases.keywords.respond(uow, [draft], now)
        uow.commit()
    container.engine.dispose()
    assert out.action is KeywordAction.STOP


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
