"""Hands what deliver_sm carried (receipts and inbound messages) to the sinks on a thread of its
own, so a slow store never stalls submits, and says which deliver_sm_resp each one earns."""

from __future__ import annotations

import logging
import queue
import threading
from typing import Callable, Union

from ...app.delivery.carrier import InboundSink, Receipt, ReceiptSink
from ...domain.inbound import InboundPart
from .pdus import ESME_ROK, ESME_RX_T_APPN

log = logging.getLogger(__name__)

# (connection generation, deliver_sm sequence, deliver_sm_resp status)
Ack = tuple[int, int, int]
Delivered = Union[Receipt, InboundPart]

_STOP = object()


class DeliverPump:
    """Feeds receipts and inbound parts to their sinks in batches and reports, per deliver_sm,
    the status to answer: ESME_ROK only after its sink returned; if the sink raised,
    ESME_RX_T_APPN, so that the SMSC delivers it again later. One batch makes at most one
    call to each sink (the inbound parts of a batch are stored all or none); the sinks are
    called from this thread, never concurrently.
    """

    def __init__(self, sink: ReceiptSink, inbound: InboundSink,
                 post_acks: Callable[[list[Ack]], None], batch: int = 100) -> None:
        self._sink = sink
        self._inbound = inbound
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

    def put(self, generation: int, sequence: int, item: Delivered) -> None:
        self._queue.put((generation, sequence, item))

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
        receipts = [item for _, _, item in items if isinstance(item, Receipt)]
        parts = [item for _, _, item in items if not isinstance(item, Receipt)]
        receipt_status = self._store(self._sink, receipts, "receipt")
        inbound_status = self._store(self._inbound, parts, "inbound message part")
        acks = [(generation, sequence,
                 receipt_status if isinstance(item, Receipt) else inbound_status)
                for generation, sequence, item in items]
        try:
            self._post_acks(acks)
        except Exception:  # noqa: BLE001 - a dead I/O loop must not kill this thread too
            log.exception("could not hand %d acknowledgement(s) back", len(items))

    @staticmethod
    def _store(sink: Callable[[list], None], items: list, what: str) -> int:
        if not items:
            return ESME_ROK
        try:
            sink(items)
        except Exception:  # noqa: BLE001 - whatever the store's trouble, the SMSC must resend
            log.exception("%s sink failed for %d %s(s); asking the SMSC to resend",
                          what, len(items), what)
            return ESME_RX_T_APPN
        return ESME_ROK
