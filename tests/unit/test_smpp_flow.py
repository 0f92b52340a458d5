"""The submit flow's timing on an injected clock: the backoff after ESME_RTHROTTLED /
ESME_RMSGQFUL and the rate limit, to the millisecond and whatever the machine's load
(the loopback tests in tests/integration check only what the SMSC saw, in which order)."""

from __future__ import annotations

from collections import Counter

import pytest

from service.app.delivery.carrier import Accepted
from service.delivery.smpp import pdus
from service.delivery.smpp.config import SmppConfig
from service.delivery.smpp.flow import SubmitFlow
from service.delivery.smpp.jobs import Job
from tests.unit.test_smpp_pdus_and_jobs import sms

SUBMIT_SM_RESP = pdus.SUBMIT_SM | 0x80000000


class Wire:
    """The flow's ``send``: records (clock, sequence) of each submit_sm written."""

    def __init__(self) -> None:
        self.sent: list[tuple[float, int]] = []
        self.now = 0.0
        self._seq = 0

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def send(self, raw: bytes) -> bool:
        self.sent.append((self.now, int.from_bytes(raw[12:16], "big")))
        return True

    def at(self, flow: SubmitFlow, now: float) -> int:
        """Lets the flow send at ``now``; how many submit_sm it wrote."""
        self.now, before = now, len(self.sent)
        flow.send_ready(now, self.send, self.next_seq)
        return len(self.sent) - before


def resp(sequence: int, status: int, message_id: str = "") -> pdus.Frame:
    raw = pdus.build("submit_sm_resp", sequence, message_id=message_id)
    return pdus.Frame(SUBMIT_SM_RESP, status, sequence, raw[:8] + status.to_bytes(4, "big")
                      + raw[12:])


def one_job(flow: SubmitFlow) -> list[Job]:
    settled: list[Job] = []
    flow.add(Job(sms(), [pdus.build("submit_sm", 0, short_message=b"p")], settled.append))
    return settled


@pytest.mark.parametrize("status", [pdus.ESME_RTHROTTLED, pdus.ESME_RMSGQFUL])
def test_a_throttled_part_is_resent_after_the_backoff_then_after_twice_the_backoff(status):
    flow, wire = SubmitFlow(SmppConfig(tps=0, retry_initial=0.1, retry_max=0.4), Counter()), Wire()
    settled = one_job(flow)
    assert wire.at(flow, 10.0) == 1
    flow.on_submit_resp(resp(wire.sent[-1][1], status), 10.02)
    assert flow.wait(10.02) == pytest.approx(0.1)
    assert wire.at(flow, 10.119) == 0                 # the positive control: not a moment early
    assert wire.at(flow, 10.12) == 1                  # 0.1 s after the answer
    flow.on_submit_resp(resp(wire.sent[-1][1], status), 10.13)
    assert flow.wait(10.13) == pytest.approx(0.2)
    assert wire.at(flow, 10.329) == 0
    assert wire.at(flow, 10.33) == 1                  # then doubled
    flow.on_submit_resp(resp(wire.sent[-1][1], pdus.ESME_ROK, "abc"), 10.34)
    assert [job.outcome for job in settled] == [Accepted(1, ("abc",))]
    assert [seq for _, seq in wire.sent] == [1, 2, 3]   # one part, written three times


def test_the_backoff_pauses_every_part_of_the_bind_and_is_capped():
    flow, wire = SubmitFlow(SmppConfig(tps=0, window=1, retry_initial=0.1, retry_max=0.15,
                                       retry_limit=5), Counter()), Wire()
    one_job(flow)
    one_job(flow)
    assert wire.at(flow, 0.0) == 1                    # window 1: the second waits
    flow.on_submit_resp(resp(1, pdus.ESME_RTHROTTLED), 0.0)
    assert wire.at(flow, 0.05) == 0                   # the other part waits too
    assert wire.at(flow, 0.1) == 1
    flow.on_submit_resp(resp(2, pdus.ESME_RTHROTTLED), 0.1)
    assert wire.at(flow, 0.249) == 0
    assert wire.at(flow, 0.25) == 1                   # 0.15 s, not 0.2: capped at retry_max


def test_the_rate_limit_spaces_submits_on_the_clock():
    flow, wire = SubmitFlow(SmppConfig(tps=50, window=100), Counter()), Wire()
    for _ in range(30):
        one_job(flow)
    now = 0.0
    while len(wire.sent) < 30:
        wire.at(flow, now)
        now += 0.001
    times = [t for t, _ in wire.sent]
    assert all(b - a == pytest.approx(0.02, abs=0.0011) for a, b in zip(times, times[1:]))
    assert times[-1] - times[0] == pytest.approx(29 / 50, abs=0.002)
