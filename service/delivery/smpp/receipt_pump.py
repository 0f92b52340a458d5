"""Hands receipts to the sink on a thread of their own, so a slow store never stalls submits."""

from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

from ...app.delivery.carrier import Receipt, ReceiptSink
from .pdus import ESME_ROK, ESME_RX_T_APPN

log = logging.getLogger(__name__)

# (connection generation, deliver_sm sequence, deliver_sm_resp status)
Ack = tuple[int, int, int]

_STOP = object()


class ReceiptPump:
    """Feeds receipts to the sink in batches and reports, per deliver_sm, the status to answer.

    ESME_ROK only after the sink returned; if it raised, ESME_RX_T_APPN, so that the SMSC
    delivers the receipt again later. The sink is called from this thread, never concurrently.
    """

    def __init__(self, sink: ReceiptSink, post_acks: Callable[[list[Ack]], None],
                 batch: int = 100) -> None:
        self._sink = sink
        self._post_acks = post_acks
        self._batch = batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="smpp-receipts", daemon=True)
        self._stopped = False

    def start(self) -> None:
        self._thread.start()

    def revive(self) -> None:
        """Start the thread again if it died (only a bug can do that)."""
        if not self._stopped and not self._thread.is_alive():
            log.error("receipt thread had died; starting it again")
            self._thread = threading.Thread(target=self._run, name="smpp-receipts", daemon=True)
            self._thread.start()

    def put(self, generation: int, sequence: int, receipt: Receipt) -> None:
        self._queue.put((generation, sequence, receipt))

    def stop(self, timeout: float) -> None:
        self._stopped = True
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            items, stopping = [first], False
            while len(items) < self._batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                items.append(item)
            self._deliver(items)
            if stopping:
                return

    def _deliver(self, items: list) -> None:
        status = ESME_ROK
        try:
            self._sink([receipt for _, _, receipt in items])
        except Exception:  # noqa: BLE001 - whatever the store's trouble, the SMSC must resend
            log.exception("receipt sink failed for %d receipt(s); asking the SMSC to resend",
                          len(items))
            status = ESME_RX_T_APPN
        try:
            self._post_acks([(generation, sequence, status) for generation, sequence, _ in items])
        except Exception:  # noqa: BLE001 - a dead I/O loop must not kill this thread too
            log.exception("could not hand %d receipt acknowledgement(s) back", len(items))
