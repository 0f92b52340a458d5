"""Inbound messages to SMPP clients, on SQLite and PostgreSQL: the SMPP server (as
``smsgw smpp-server`` builds it, over the real use cases) hands an inbound message that
``push_inbound`` queued to an smpplib receiver as a deliver_sm: esm_class 0, source the
handset, destination our number, GSM 03.38 or UCS-2 as the text needs, short texts in
``short_message`` and long ones whole in ``message_payload``. Acknowledged rows go; a refused
one is kept and sent again after the backoff."""

from __future__ import annotations

import socket
import time
from datetime import datetime, timezone
from decimal import Decimal

import pytest
import smpplib.client
import smpplib.consts
import smpplib.gsm
from sqlalchemy import insert, select

from service.api.smpp.runner import ServerThread
from service.app.inbound.push import push_inbound
from service.bootstrap import build_container, build_smpp_server
from service.config import Settings
from service.domain.inbound import InboundMessage
from service.persistence.migrate import upgrade
from service.persistence.tables import inbound_messages, smpp_outbox

PASSWORD = "rx-pw1"
HANDSET, NUMBER = "+79991234567", "+79000000001"


class Receiver:
    """An smpplib receiver bind that records every deliver_sm and answers it with
    ``answer`` (0: ESME_ROK)."""

    def __init__(self, port: int, login: str, command: str = "bind_receiver") -> None:
        self.pdus: list = []
        self.answer = 0
        self.client = smpplib.client.Client("127.0.0.1", port, timeout=1,
                                            allow_unknown_opt_params=True)
        self.client.set_message_received_handler(self._received)
        self.client.connect()
        getattr(self.client, command)(system_id=login, password=PASSWORD)

    def _received(self, pdu) -> int:
        self.pdus.append(pdu)
        return self.answer

    def until(self, predicate, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, "timed out"
            try:
                self.client.read_once()
            except socket.timeout:
                pass

    def close(self) -> None:
        if self.client.state == smpplib.consts.SMPP_CLIENT_STATE_CLOSED:
            return
        try:
            self.client.unbind()
        finally:
            self.client.disconnect()


@pytest.fixture
def gateway(database_url):
    settings = Settings(database_url=database_url, smpp_server_response_timeout_seconds=2)
    admin = build_container(settings)
    upgrade(admin.engine)
    admin.use_cases.accounts.create("alice", "pw", Decimal("10"))
    admin.use_cases.accounts.configure("alice", smpp_password=PASSWORD)
    services, options = build_smpp_server(settings)
    sock = socket.create_server(("127.0.0.1", 0))
    server = ServerThread(services, options, [(sock, None)])
    (_, port), = server.start()
    receivers: list[Receiver] = []

    def receiver(command: str = "bind_receiver") -> Receiver:
        receivers.append(Receiver(port, "alice", command))
        return receivers[-1]
    yield admin, receiver
    for r in receivers:
        r.close()
    server.stop()
    admin.engine.dispose()


def push(admin, text: str) -> int:
    """An inbound message to alice stored (as the core's store writes it) and pushed."""
    account_id = admin.use_cases.accounts.show("alice").id
    now = datetime.now(timezone.utc)
    values = dict(account_id=account_id, source=HANDSET, destination=NUMBER, text=text,
                  received_at=now, parts=1, complete=True)
    with admin.engine.begin() as conn:
        inbound_id = conn.execute(insert(inbound_messages).values(
            **values, connector="simulator", created_at=now)
            .returning(inbound_messages.c.id)).scalar_one()
    with admin.uow_factory(write=True) as uow:
        push_inbound(uow, [InboundMessage(id=inbound_id, **values)], now)
        uow.commit()
    return inbound_id


def text_of(pdu) -> bytes:
    """The user data a client reads: short_message, or message_payload when that is empty."""
    return pdu.short_message or getattr(pdu, "message_payload", None) or b""


def owed(admin) -> list:
    with admin.engine.connect() as conn:
        return conn.execute(select(smpp_outbox.c.kind, smpp_outbox.c.inbound_id)).all()


GSM_SHORT = "Yes, 10:00 works @ home!"
GSM_LONG = "Long reply from the handset, more than one SMS can hold. " * 5     # 285
UCS2_SHORT = "Да, в 10:00 подойдёт"
UCS2_LONG = "Длинный ответ с телефона, больше одного SMS. " * 4                 # 180


@pytest.mark.parametrize("text, coding, whole", [
    (GSM_SHORT, smpplib.consts.SMPP_ENCODING_DEFAULT, False),
    (GSM_LONG, smpplib.consts.SMPP_ENCODING_DEFAULT, True),
    (UCS2_SHORT, smpplib.consts.SMPP_ENCODING_ISO10646, False),
    (UCS2_LONG, smpplib.consts.SMPP_ENCODING_ISO10646, True),
], ids=["gsm-short", "gsm-long", "ucs2-short", "ucs2-long"])
def test_an_inbound_message_reaches_a_bound_receiver_as_a_deliver_sm(gateway, text, coding,
                                                                       whole):
    admin, receiver = gateway
    rx = receiver()
    push(admin, text)
    rx.until(lambda: rx.pdus)
    [pdu] = rx.pdus
    assert pdu.esm_class == 0                                   # a message, not a receipt
    assert (pdu.source_addr, pdu.source_addr_ton) == (b"79991234567", 1)
    assert (pdu.destination_addr, pdu.dest_addr_ton) == (b"79000000001", 1)
    assert pdu.data_coding == coding
    expected = (smpplib.gsm.gsm_encode(text) if coding == 0 else text.encode("utf-16-be"))
    assert text_of(pdu) == expected
    assert (pdu.short_message == b"") is whole                   # long: whole in the payload
    assert getattr(pdu, "receipted_message_id", None) is None
    rx.until(lambda: not owed(admin))                           # acknowledged: the row goes


def test_a_refused_inbound_message_is_kept_and_sent_again_after_the_backoff(gateway):
    admin, receiver = gateway
    trx = receiver("bind_transceiver")
    trx.answer = smpplib.consts.SMPP_ESME_RX_T_APPN             # a temporary error
    first = push(admin, "first")
    trx.until(lambda: trx.pdus)
    assert owed(admin) == [("inbound", first)]                  # kept for the retry
    trx.answer = 0
    trx.close()
    rx = receiver()                                             # the retry waits its backoff
    rx.until(lambda: rx.pdus, timeout=30)
    assert text_of(rx.pdus[0]) == b"first"
    rx.until(lambda: not owed(admin))
