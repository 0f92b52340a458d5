"""The Kannel harness against the loopback SMSC (service/delivery/smsc_simulator.py): what
Kannel puts on the wire and how its delivery reports come back, before smsgw's own SMPP server
is in the picture (test_kannel_smpp.py). The simulator answers with decimal message ids, as
smsgw does, so these also pin the msg-id-type that test_kannel_smpp.py and the docs rely on."""

from __future__ import annotations

import time

import pytest

from service.delivery.smsc_simulator import SmscSimulator
from service.delivery.smsc_wire import Behaviour, SubmitRecord
from tests.e2e.conftest import candidate_port, listening_socket
from tests.e2e.kannel import DlrReceiver, Kannel, SmscLink, require_kannel

DLR_DELIVERED, DLR_UNDELIVERED, DLR_SMSC_ACK, DLR_SMSC_REJECT = 1, 2, 8, 16   # Kannel's %d


@pytest.fixture(scope="module")
def simulator():
    sim = SmscSimulator(Behaviour(system_id="kannel", password="kpw", resp_id_format="decimal",
                                  receipt_form="both")).start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def dlr():
    receiver = DlrReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def kannel(simulator, tmp_path_factory):
    require_kannel()
    k = Kannel(tmp_path_factory.mktemp("kannel-sim"),
               SmscLink("127.0.0.1", simulator.port, "kannel", "kpw")).start()
    yield k
    k.stop()


def submits_to(sim: SmscSimulator, destination: str, count: int,
               timeout: float = 30) -> list[SubmitRecord]:
    deadline = time.monotonic() + timeout
    while True:
        found = [r for r in list(sim.submits) if r.destination_addr == destination]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)  # a poll: Kannel (another process) sends the parts one by one


def test_a_message_gets_its_smsc_ack_and_its_delivery_report(kannel, simulator, dlr):
    r = kannel.send("+79991234567", "hello from Kannel", dlr_mask=31, dlr_url=dlr.url("one"))
    assert r.status_code == 202 and "Accepted" in r.text, r.text
    calls = dlr.wait_for("one", 2, final=True)
    [submit] = submits_to(simulator, "79991234567", 1)
    assert submit.body == b"hello from Kannel" and submit.data_coding == 0
    assert submit.registered_delivery & 0x01   # dlr-mask 1|2 asks for the final receipt
    assert {c["type"] for c in calls} == {str(DLR_SMSC_ACK), str(DLR_DELIVERED)}
    # msg-id-type 0x00: the decimal id of submit_sm_resp is matched to the decimal receipt id.
    assert {c["smsc_id"] for c in calls} == {submit.message_id}
    [final] = [c for c in calls if c["type"] == str(DLR_DELIVERED)]
    assert "stat:DELIVRD" in final["reply"] and final["to"] == "+79991234567"


def test_an_undeliverable_message_reports_a_failure(kannel, dlr):
    kannel.send("+79991230000", "to nowhere", dlr_mask=3, dlr_url=dlr.url("undeliv"))
    [call] = dlr.wait_for("undeliv", final=True)
    assert call["type"] == str(DLR_UNDELIVERED) and "stat:UNDELIV" in call["reply"]


def test_a_refused_submit_is_reported_as_an_smsc_reject(kannel, simulator, dlr):
    simulator.behaviour.refuse_next = 1        # ESME_RINVDSTADR
    kannel.send("+79991234571", "refused", dlr_mask=31, dlr_url=dlr.url("refused"))
    [call] = dlr.wait_for("refused", final=True)
    assert call["type"] == str(DLR_SMSC_REJECT) and call["smsc_id"] == ""
    assert call["reply"] == "NACK/0x0000000b/Invalid Destination Address"


def test_kannel_splits_a_long_text_into_udh_parts_and_asks_a_receipt_for_the_first(
        kannel, simulator, dlr):
    text = "".join(f"{i:03d} part of a long text. " for i in range(14))   # 350 GSM chars
    kannel.send("+79991234568", text, dlr_mask=3, dlr_url=dlr.url("long"))
    parts = submits_to(simulator, "79991234568", 3)
    assert len(parts) == 3
    assert all(p.esm_class & 0x40 for p in parts)
    # UDH: IEI 0x00 (8-bit reference), one reference, total 3, sequence 1..3.
    assert [p.udh[:3] for p in parts] == [b"\x05\x00\x03"] * 3
    assert len({p.udh[3] for p in parts}) == 1
    assert [(p.udh[4], p.udh[5]) for p in parts] == [(3, 1), (3, 2), (3, 3)]
    assert b"".join(p.body for p in parts).decode("latin-1") == text
    # Kannel's sms_split() asks for a receipt on the first part only.
    assert [p.registered_delivery & 0x01 for p in parts] == [1, 0, 0]
    [call] = dlr.wait_for("long", final=True)
    assert call["type"] == str(DLR_DELIVERED) and call["smsc_id"] == parts[0].message_id


def test_parts_the_client_numbered_itself_each_get_a_receipt(kannel, simulator, dlr):
    for seq in (1, 2):
        kannel.send("+79991234569", f"part {seq} @", coding=0, udh=bytes([5, 0, 3, 0xAB, 2, seq]),
                    dlr_mask=3, dlr_url=dlr.url(f"udh{seq}"))
    parts = submits_to(simulator, "79991234569", 2)
    assert sorted(p.udh for p in parts) == [bytes([5, 0, 3, 0xAB, 2, seq]) for seq in (1, 2)]
    assert {p.data_coding for p in parts} == {0}
    assert b"part 1 \x00" in {p.body for p in parts}   # '@' is 0x00 in unpacked GSM 03.38
    calls = dlr.wait_for("udh1", final=True) + dlr.wait_for("udh2", final=True)
    assert sorted(c["smsc_id"] for c in calls) == sorted(p.message_id for p in parts)
    assert {c["type"] for c in calls} == {str(DLR_DELIVERED)}


def test_a_ucs2_text_goes_out_as_data_coding_8(kannel, simulator, dlr):
    text = "Привет, мир! ✓ 😀"
    kannel.send("+79991234570", text, coding=2, charset="UTF-8", dlr_mask=3,
                dlr_url=dlr.url("ucs2"))
    [submit] = submits_to(simulator, "79991234570", 1)
    assert submit.data_coding == 8 and submit.body.decode("utf-16-be") == text
    [call] = dlr.wait_for("ucs2", final=True)
    assert call["type"] == str(DLR_DELIVERED)


@pytest.mark.parametrize("busy", ["admin", "smsbox", "sendsms"])
def test_kannel_starts_again_on_other_ports_when_one_is_taken(simulator, tmp_path, monkeypatch,
                                                              busy):
    require_kannel()
    import tests.e2e.kannel as harness
    taken = listening_socket()
    fresh = [candidate_port() for _ in range(3)]
    first = dict(zip(("admin", "smsbox", "sendsms"), fresh))
    first[busy] = taken.getsockname()[1]
    ports = iter(first.values())
    handed: list[int] = []

    def next_port() -> int:
        handed.append(next(ports, None) or candidate_port())
        return handed[-1]
    monkeypatch.setattr(harness, "candidate_port", next_port)
    k = Kannel(tmp_path, SmscLink("127.0.0.1", simulator.port, "kannel", "kpw"))
    try:
        with taken:
            k.start()
            assert taken.getsockname()[1] not in (k.admin_port, k.sendsms_port) and k.online()
        assert len(handed) >= 6    # the first three, and at least one new set
    finally:
        k.stop()


@pytest.mark.parametrize("required, outcome", [("1", pytest.fail.Exception),
                                               ("", pytest.skip.Exception)])
def test_a_missing_kannel_fails_where_interop_is_required_and_skips_elsewhere(
        monkeypatch, required, outcome):
    import tests.e2e.kannel as harness
    monkeypatch.setattr(harness, "kannel_binaries", lambda: None)
    monkeypatch.setenv("SMSGW_REQUIRE_INTEROP", required)
    with pytest.raises(outcome):
        require_kannel()
