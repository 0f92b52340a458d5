"""The deliver_sm of an inbound message (api/smpp/operations.py ``inbound_pdu``), read back by
smpplib's own parser: esm_class 0, the handset as source and our number as destination, the
text whole in GSM 03.38 or UCS-2, in short_message up to one SMS and in message_payload
beyond, for any text."""

from __future__ import annotations

import smpplib.smpp
from hypothesis import given, settings, strategies as st

from service.api.smpp.operations import deliver_pdu, inbound_pdu, receipt_pdu
from service.app.smpp.outbox_ports import OwedInbound, OwedReceipt
from service.protocols.smpp.text import decode_text
from tests.fakes.clock import FixedClock

NOW = FixedClock().now()


def owed(text: str) -> OwedInbound:
    return OwedInbound(id=1, account_id=1, inbound_id=7, source="+79991234567",
                       destination="+79000000001", text=text, attempts=0)


class _Client:
    """What smpplib's parser asks of a client (a sequence for a PDU it builds)."""

    sequence = 0

    def next_sequence(self) -> int:
        return 1


def parsed(data: bytes):
    return smpplib.smpp.parse_pdu(data, client=_Client(), allow_unknown_opt_params=True)


def text_of(pdu) -> str:
    data = pdu.short_message or getattr(pdu, "message_payload", None) or b""
    return decode_text(pdu.data_coding, data)


@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=600))   # no NUL: no store keeps one in a text
@settings(max_examples=200, deadline=None)
def test_any_text_arrives_whole_and_only_long_ones_use_message_payload(text):
    pdu = parsed(inbound_pdu(9, owed(text)))
    assert (pdu.command, pdu.sequence, pdu.esm_class) == ("deliver_sm", 9, 0)
    assert (pdu.source_addr, pdu.destination_addr) == (b"79991234567", b"79000000001")
    assert text_of(pdu) == text
    octets = pdu.short_message or pdu.message_payload or b""
    limit = 160 if pdu.data_coding == 0 else 140
    assert (pdu.short_message == b"" and len(octets) > 0) is (len(octets) > limit)


def test_one_sms_is_the_boundary_counting_gsm_escapes_and_ucs2_characters():
    for text, coding, whole in [("a" * 160, 0, False), ("a" * 161, 0, True),
                                ("€" * 80, 0, False), ("a" + "€" * 80, 0, True),
                                ("я" * 70, 8, False), ("я" * 71, 8, True)]:
        pdu = parsed(inbound_pdu(1, owed(text)))
        assert (pdu.data_coding, pdu.short_message == b"", text_of(pdu)) == (
            coding, whole, text), text[:3]


def test_the_outbox_row_picks_its_pdu_by_kind():
    receipt = OwedReceipt(id=2, account_id=1, message_id=4711, source="+79991234567",
                          destination="ACME", stat="DELIVRD", err="000", message_state=2,
                          submitted_at=NOW, done_at=NOW, text="Hello", final=True, attempts=0)
    assert deliver_pdu(3, receipt) == receipt_pdu(3, receipt)
    assert deliver_pdu(3, owed("Hi")) == inbound_pdu(3, owed("Hi"))
    assert parsed(deliver_pdu(3, receipt)).esm_class == 0x04
