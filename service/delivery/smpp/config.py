"""Settings of one SMPP bind, as plain values (the composition root fills them from Settings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SmppConfig:
    """One bind_transceiver to one SMSC, and how hard to push it.

    ``tps`` limits submit_sm PDUs (parts, retries included) per second; 0 means no limit.
    ``window`` is the most submit_sm awaiting their response at any time. A submit_sm without
    a response after ``response_timeout`` seconds is given up as Unknown (never resent).
    Reconnects back off exponentially from ``reconnect_initial`` to ``reconnect_max`` seconds;
    the delay starts over once a bind has stayed up for ``reconnect_stable`` seconds.
    ESME_RTHROTTLED / ESME_RMSGQFUL are retried ``retry_limit`` times, backing off from
    ``retry_initial`` to ``retry_max`` seconds (the whole bind pauses meanwhile).
    """

    host: str = "127.0.0.1"
    port: int = 2775
    system_id: str = ""
    password: str = ""
    system_type: str = ""
    tps: float = 100.0
    window: int = 10
    response_timeout: float = 10.0
    enquire_link_interval: float = 30.0
    reconnect_initial: float = 1.0
    reconnect_max: float = 60.0
    reconnect_stable: float = 10.0
    reconnect_jitter: float = 0.1
    retry_limit: int = 5
    retry_initial: float = 0.25
    retry_max: float = 4.0
    stop_timeout: float = 5.0
    receipt_batch: int = 100
    name: str = "smpp"

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError("window must be at least 1")
        if self.tps < 0 or self.response_timeout <= 0 or self.enquire_link_interval <= 0:
            raise ValueError("tps must be >= 0; timeouts and intervals must be > 0")
        if not 0 < self.reconnect_initial <= self.reconnect_max:
            raise ValueError("need 0 < reconnect_initial <= reconnect_max")
        if self.retry_limit < 0 or not 0 < self.retry_initial <= self.retry_max:
            raise ValueError("need retry_limit >= 0 and 0 < retry_initial <= retry_max")
        if not 0 <= self.reconnect_jitter < 1:
            raise ValueError("reconnect_jitter is a fraction in [0, 1)")
