"""Retention and the archive on a real store (both), driven with a held clock: retention 0
disappears once its final notification is out (and not before), retention N purges, the
archive moves rows that every status door and the history still find, and expired counters
and idempotency keys go. Then senders, workers and the job all at once."""

from __future__ import annotations

import base64
import json
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from werkzeug.test import Client

from service.app.access.auth import Credentials
from service.app.retention.retention import RetentionPolicy, RetentionService
from service.app.sending.sending import SendSms
from service.app.sending.status_query import GetStatus
from service.bootstrap import build_wsgi_app
from service.delivery.simulator import SimulatorConnector
from service.persistence.simulator_ledger import SqlSimulatorLedger
from service.persistence.tables import (message_parts, messages, messages_archive,
                                        request_counters, send_requests,
                                        simulator_submissions)
from tests.conftest import STORES, store_url
from tests.integration.test_delivery import CREDS, World


@pytest.fixture(params=STORES)
def world(request):
    w = World(store_url(request, request.param), receipt_retry_seconds=1)
    w.retention = RetentionService(w.container.uow_factory, w.clock,
                                   RetentionPolicy(archive_after_hours=24, batch_size=3))
    yield w
    w.engine.dispose()


def where(w, message_id) -> tuple[int, int]:
    """(hot rows, archived rows) with this id."""
    with w.engine.connect() as conn:
        hot = conn.execute(select(func.count()).where(messages.c.id == message_id)).scalar_one()
        cold = conn.execute(select(func.count()).where(
            messages_archive.c.id == message_id)).scalar_one()
    return hot, cold


def doors_find(w, message_id, phone="+79991234567") -> dict[str, object]:
    """What each door answers for this message: native GetStatus, smsc's lookup (its SOAP and
    HTTP status), the HTTP door's status, and the history."""
    uc = w.container.use_cases
    [view] = uc.statuses.get_status(GetStatus(CREDS, [message_id]))
    smsc = uc.statuses.by_client_id(CREDS, str(message_id), phone)
    history = uc.history.get_messages(CREDS)
    client = Client(build_wsgi_app(w.container))
    smsc_http = json.loads(client.get(
        f"/sys/status.php?login=alice&psw=pw&phone={phone[1:]}&id={message_id}&fmt=3").text)
    basic = {"Authorization": "Basic " + base64.b64encode(b"alice:pw").decode()}
    [http] = client.get(f"/api/Sms/GetStatus?messageIds={message_id}",
                        headers=basic).json["data"]
    listed = client.get("/api/Messages/List", headers=basic).json["data"]
    return {"native": view.status_name if view.found else view.status_code,
            "smsc": smsc.status.canonical_name if smsc else None,
            "smsc_http": int(smsc_http["status"]),
            "http": http["statusName"] if http["statusCode"] != -3 else -3,
            "history": [m.id for m in history.items],
            "http_history": [m["messageId"] for m in listed["messages"]]}


def test_retention_zero_goes_once_its_final_notification_is_out_and_not_before(world):
    w = world
    w.container.use_cases.accounts.configure("alice", retention_days=0)
    [mid] = [m.message_id for m in w.send(["+79991234567"]).messages]
    w.transport.fail_first = 10 ** 6          # the client's endpoint is down for now
    w.cycle()                                 # submitted, notification of SUBMITTED failing
    assert w.retention.purge_immediate() == 0
    w.cycle(seconds=1.5)                      # delivered, its notification failing too
    assert w.statuses([mid]) == {mid: "DELIVERED"}
    assert w.retention.purge_immediate() == 0 and where(w, mid) == (1, 0)
    w.transport.fail_first = 0
    for _ in range(5):
        w.cycle(seconds=5)                    # the retries get through
    assert json.loads(w.transport.calls[-1][2])["status"] == "DELIVRD"
    assert w.retention.purge_immediate() == 1
    assert where(w, mid) == (0, 0)
    assert doors_find(w, mid) == {"native": -3, "smsc": None, "smsc_http": -3, "http": -3,
                                  "history": [], "http_history": []}
    with w.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(message_parts)).scalar_one() == 0


def test_retention_n_purges_n_days_after_the_final_status(world):
    w = world
    w.container.use_cases.accounts.configure("alice", retention_days=2)
    [mid] = [m.message_id for m in w.send(["+79991234567"]).messages]
    w.cycle()
    w.cycle(seconds=1.5)
    assert w.statuses([mid]) == {mid: "DELIVERED"}
    w.clock.advance(days=1)
    report = w.retention.run()
    assert report.purged == 0 and report.archived == 1 and where(w, mid) == (0, 1)
    w.clock.advance(days=1)
    assert w.retention.run().purged == 1 and where(w, mid) == (0, 0)
    assert doors_find(w, mid)["native"] == -3


def test_archived_messages_are_found_by_every_status_door_and_the_history(world):
    w = world
    ids = [m.message_id for m in w.send(["+79991234567", "+79991234568"]).messages]
    w.cycle()
    w.cycle(seconds=1.5)
    w.clock.advance(hours=25)
    [fresh] = [m.message_id for m in w.send(["+79991234567"], text="later").messages]
    assert w.retention.run().archived == 2
    assert [where(w, i) for i in ids] == [(0, 1), (0, 1)] and where(w, fresh) == (1, 0)
    assert doors_find(w, ids[0]) == {"native": "DELIVERED", "smsc": "DELIVERED",
                                     "smsc_http": 1, "http": "DELIVERED",
                                     "history": [fresh, ids[1], ids[0]],
                                     "http_history": [fresh, ids[1], ids[0]]}
    page = w.container.use_cases.history.get_messages(CREDS, page=2, page_size=2)
    assert page.total == 3 and [m.id for m in page.items] == [ids[0]]
    assert w.retention.run().archived == 0


def test_expired_request_counters_and_idempotency_keys_are_purged(world):
    w = world
    w.send(["+79991234567"], client_ref="order-1")
    w.container.use_cases.statuses.get_status(GetStatus(CREDS, [1]))  # counted: a query
    with w.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(request_counters)).scalar_one() >= 1
    w.clock.advance(hours=25)
    report = w.retention.run()
    assert report.send_requests == 1 and report.counters >= 1
    with w.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(send_requests)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(request_counters)).scalar_one() == 0


def test_nothing_is_lost_or_duplicated_while_senders_workers_and_the_job_run(world):
    """Two senders, two workers and two retention jobs at once (archive at once, batches of
    3): every acknowledged message of the kept account is found exactly once, hot or
    archived; the retention-0 account's are gone in the end; none was submitted twice."""
    w = world
    w.retention = RetentionService(w.container.uow_factory, w.clock,
                                   RetentionPolicy(archive_after_hours=0, batch_size=3))
    w.container.use_cases.accounts.create("zero", "pw", Decimal("100"))
    w.container.use_cases.accounts.configure("zero", retention_days=0,
                                             callback_url="http://127.0.0.1:9/cb")
    w.simulator = SimulatorConnector(SqlSimulatorLedger(w.engine), w.clock, receipt_delay=0.0)
    w.simulator.start(lambda rs: w.delivery.accept_receipts("simulator", rs),
                      lambda parts: None)
    give_up = time.monotonic() + 240  # a bug must fail the test, not hang it
    kept: list[int] = []
    gone: list[int] = []
    errors: list[BaseException] = []
    senders_done = threading.Event()

    def sender(login, out):
        try:
            for n in range(15):  # numbers no simulator rule fails: all are delivered
                result = w.container.use_cases.sending.send(SendSms(
                    Credentials(login, "pw"), [f"+7999123{n + 10:04d}"], f"m{n}"))
                out.extend(m.message_id for m in result.messages)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def worker(name):
        try:
            while (not senders_done.is_set() or busy()) and time.monotonic() < give_up:
                w.clock.advance(seconds=1)  # unmatched receipts (a race) get another look
                w.delivery.dispatch(w.simulator, name)
                w.simulator.poll()
                w.delivery.process_receipts()
                w.callbacks.send_due()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def job():
        try:
            while (not senders_done.is_set() or busy()) and time.monotonic() < give_up:
                w.retention.run()
                for mid in list(kept):
                    assert sum(where(w, mid)) == 1, f"message {mid} not found exactly once"
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def busy() -> bool:
        with w.engine.connect() as conn:
            return bool(conn.execute(select(func.count()).where(
                messages.c.status.in_(("QUEUED", "SUBMITTED", "PARTIALLY_DELIVERED")))).scalar_one())

    threads = [threading.Thread(target=sender, args=("alice", kept)),
               threading.Thread(target=sender, args=("zero", gone))]
    others = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)] + \
             [threading.Thread(target=job) for _ in range(2)]
    for t in threads + others:
        t.start()
    for t in threads:
        t.join(timeout=300)
    senders_done.set()
    for t in others:
        t.join(timeout=300)
    assert not errors, errors
    while w.callbacks.send_due():
        pass
    w.retention.run()
    assert len(kept) == len(gone) == 15
    assert [sum(where(w, mid)) for mid in kept] == [1] * 15
    assert [where(w, mid)[1] for mid in kept] == [1] * 15  # all archived by now
    assert [where(w, mid) for mid in gone] == [(0, 0)] * 15
    assert all(v.status_name == "DELIVERED" for v in w.container.use_cases.statuses.get_status(
        GetStatus(CREDS, kept)))
    with w.engine.connect() as conn:
        submitted = conn.execute(select(simulator_submissions.c.message_id,
                                        func.count()).group_by(
            simulator_submissions.c.message_id)).all()
    assert sorted(mid for mid, _ in submitted) == sorted(kept + gone)
    assert {count for _mid, count in submitted} == {1}


def test_smsgw_retention_run_runs_the_job_once_and_says_what_it_did(world, monkeypatch, capsys):
    from service.cli import main
    w = world
    w.send(["+79991234567"], client_ref="order-1")
    with w.engine.begin() as conn:  # a key from two days ago
        conn.execute(send_requests.update().values(created_at=w.clock.now() - timedelta(days=2)))
    monkeypatch.setenv("SMSGW_DATABASE_URL", w.engine.url.render_as_string(hide_password=False))
    assert main(["retention", "run"]) == 0
    out = capsys.readouterr().out
    assert "purged: 0" in out and "expired idempotency keys: 1" in out
