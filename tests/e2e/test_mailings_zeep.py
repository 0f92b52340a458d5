"""Mailings through zeep: a template to a group and numbers, with pause, resume and cancel."""

from __future__ import annotations

from decimal import Decimal

import pytest
from zeep.exceptions import Fault

from tests.e2e.conftest import soap_service

NS = "urn:smsgw:v1"


@pytest.fixture(scope="module")
def soap(server):
    return soap_service(server, "mailer", "10")


def stats(mailing):
    return {s.statusName: s.count for s in mailing.stats}


def test_a_template_mailing_from_start_to_cancel(soap):
    group = soap.CreateGroup(name="Clients")
    soap.CreateContacts(contacts=[
        {"phone": "+79991230101", "name": "Ivan", "groupIds": [group.id]},
        {"phone": "+79991230102", "name": "Olga", "groupIds": [group.id]}])
    draft = soap.CreateMailing(name="Autumn", text="Hello, {name}!", groupIds=[group.id],
                               phones=["+79991230101", "+79991230103"],
                               defaults=[{"key": "name", "value": "friend"}])
    assert draft.state == "DRAFT"
    started = soap.StartMailing(mailingId=draft.id)
    assert (started.code, started.accepted, started.balance) == (0, 3, Decimal("7.0000"))
    assert started.mailing.state == "RUNNING" and stats(started.mailing) == {"QUEUED": 3}
    texts = sorted(m.text for m in soap.GetMessages().messages)
    assert texts == ["Hello, Ivan!", "Hello, Olga!", "Hello, friend!"]
    assert stats(soap.PauseMailing(mailingId=draft.id)) == {"STOPPED": 3}
    assert soap.ResumeMailing(mailingId=draft.id).state == "RUNNING"
    cancelled = soap.CancelMailing(mailingId=draft.id)
    assert cancelled.state == "CANCELLED" and stats(cancelled) == {"DELETED": 3}
    assert cancelled.progress == Decimal("100.0")
    assert soap.GetBalance().balance == Decimal("10.0000")
    assert soap.GetMailings().mailings[0].id == draft.id
    with pytest.raises(Fault) as exc:
        soap.StartMailing(mailingId=draft.id)
    assert exc.value.detail.find(f"{{{NS}}}SmsgwFault/{{{NS}}}code").text == "12"


def test_starting_without_the_funds_names_the_shortfall(soap):
    draft = soap.CreateMailing(name="Too big", text="x" * 300,
                               phones=[f"+7999123{n:04d}" for n in range(20)])
    with pytest.raises(Fault) as exc:
        soap.StartMailing(mailingId=draft.id)
    detail = exc.value.detail.find(f"{{{NS}}}InsufficientFundsFault")
    assert detail.findtext(f"{{{NS}}}required") == "40.0000"
    assert soap.GetMailing(mailingId=draft.id).state == "DRAFT"


def test_large_operations_answer_code_100_and_a_worker_finishes_them(soap, server):
    import subprocess
    import sys
    import time
    from tests.e2e.conftest import ROOT
    assert server.admin("account", "topup", "mailer", "2000").returncode == 0
    imported = soap.CreateContacts(contacts=[{"phone": f"+7999555{n:04d}", "name": f"c{n}"}
                                             for n in range(1001)])
    assert imported.code == 100 and imported.taskId
    started_at = time.monotonic()
    draft = soap.CreateMailing(name="Big", text="Hi", phones=[f"+7999444{n:04d}" for n in range(1200)])
    started = soap.StartMailing(mailingId=draft.id)
    assert started.code == 100 and started.mailing.state == "STARTING"
    assert time.monotonic() - started_at < 5          # answered at once, not after the work
    worker = subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], cwd=ROOT,
                              env={**server.env, "SMSGW_CONNECTOR": "simulator"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = [soap.GetTaskStatus(taskId=t).state for t in (imported.taskId, started.taskId)]
            if states == ["done", "done"]:
                break
            time.sleep(0.3)  # a poll: the worker process runs the tasks
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    status = soap.GetTaskStatus(taskId=started.taskId)
    assert (status.state, status.resultCode, status.progress) == ("done", 0, Decimal("100.0"))
    assert soap.GetTaskStatus(taskId=imported.taskId).resultCode == 0
    assert soap.GetContacts(phonePrefix="7999555").total == 1001
    assert soap.GetMailing(mailingId=draft.id).recipients == 1200
