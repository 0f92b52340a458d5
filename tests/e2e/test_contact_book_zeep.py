"""The contact book, blacklist and history operations through zeep."""

from __future__ import annotations

from datetime import date

import pytest
from zeep.exceptions import Fault

from tests.e2e.conftest import soap_service

NS = "urn:smsgw:v1"


@pytest.fixture(scope="module")
def soap(server):
    return soap_service(server, "book", "20")


def test_contacts_groups_and_their_faults(soap):
    vip = soap.CreateGroup(name="VIP")
    created = soap.CreateContacts(contacts=[
        {"phone": "+79991234567", "name": "Ivan", "birthday": date(1990, 5, 17),
         "fields": [{"key": "carNumber", "value": "AA 4444"}], "groupIds": [vip.id]},
        {"phone": "+79991234568", "name": "Olga"},
        {"phone": "oops"},
    ])
    assert created.code == 98 and [i.code for i in created.items] == [0, 0, 1]
    assert created.items[2].field == "phone"
    page = soap.GetContacts(groupId=vip.id)
    assert page.total == 1 and page.contacts[0].fields[0].key == "carNumber"
    assert page.contacts[0].birthday == date(1990, 5, 17)
    ivan, olga = created.items[0].id, created.items[1].id
    assert soap.UpdateContact(contactId=olga, contact={"email": "olga@example.com"}).email == \
        "olga@example.com"
    assert soap.AddToGroup(groupId=vip.id, contactIds=[olga]).code == 0
    assert [g.size for g in soap.GetGroups()] == [2]
    assert soap.RenameGroup(groupId=vip.id, name="Gold").name == "Gold"
    assert soap.RemoveFromGroup(groupId=vip.id, contactIds=[ivan, 999999]).code == 98
    with pytest.raises(Fault) as exc:
        soap.CreateGroup(name="Gold")
    assert exc.value.detail.find(f"{{{NS}}}SmsgwFault/{{{NS}}}code").text == "12"
    assert soap.DeleteGroup(groupId=vip.id) == 0
    assert soap.GetContacts().total == 2
    assert soap.DeleteContacts(contactIds=[ivan, olga]).code == 0


def test_blacklist_bans_and_history_shows_it(soap):
    assert soap.AddToBlacklist(phones=["+79990000001"]).code == 0
    assert soap.GetBlacklist().phones == ["+79990000001"]
    sent = soap.SendSms(recipients=["+79990000001", "+79990000002"], text="Sale!")
    assert [m.statusCode for m in sent.messages] == [23, -1] and sent.code == 98
    history = soap.GetMessages(status="BANNED")
    assert history.total == 1 and history.messages[0].text == "Sale!"
    assert history.messages[0].cost == 0 and history.messages[0].final is True
    assert soap.GetMessages(recipient="+79990000002").messages[0].statusName == "QUEUED"
    assert soap.RemoveFromBlacklist(phones=["+79990000001"]).code == 0
