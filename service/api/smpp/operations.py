"""What the SMPP PDUs mean to the use cases, and back: pure functions, no I/O.

- submit_sm -> Submission (text, client-split parts, times, receipt bits, addresses);
- a stored Message -> query_sm_resp fields;
- an owed receipt or inbound message -> deliver_sm.

Our message id on the wire is the stored id in decimal, the same number the SOAP and HTTP
doors answer, and the same in receipts; ids that are not a plain decimal number are
ESME_RINVMSGID.
"""

from __future__ import annotations

from datetime import datetime

from ...app.sending.submit import Submission
from ...app.smpp.outbox_ports import OwedDeliver, OwedInbound, OwedReceipt
from ...domain.message import Message
from ...domain.vocabularies import smpp_receipt_names
from ...protocols.smpp import pdu as p
from ...protocols.smpp.receipt_text import receipt_text
from ...protocols.smpp.text import (TextError, decode_short_message, encode_for_deliver,
                                     fits_one_sms)
from ...protocols.smpp.times import SmppTimeError, format_smpp_time, parse_smpp_time

TON_INTERNATIONAL = 1
MAX_ID_DIGITS = 18  # below 2**63: every id we hand out, and no more

def submission_from(sm: p.SubmitSm, account_id: int, ip: str | None, now: datetime) -> Submission:
    """The Submission a submit_sm asks for; PduError with the status to answer otherwise."""
    try:
        message = decode_short_message(sm.data_coding, sm.esm_class, sm.short_message, sm.tlvs)
    except TextError as exc:
        raise p.PduError(exc.status, str(exc)) from exc
    try:
        scheduled = parse_smpp_time(sm.schedule_delivery_time, now)
    except SmppTimeError as exc:
        raise p.PduError(p.ESME_RINVSCHED, str(exc)) from exc
    try:
        valid_until = parse_smpp_time(sm.validity_period, now)
    except SmppTimeError as exc:
        raise p.PduError(p.ESME_RINVEXPIRY, str(exc)) from exc
    return Submission(account_id=account_id, ip=ip, recipient=_recipient(sm.destination),
                      text=message.text, sender=sm.source.addr or None, scheduled_at=scheduled,
                      valid_until=valid_until, receipt_request=sm.registered_delivery,
                      concat=message.concat)


def _recipient(address: p.Address) -> str:
    """An international number (TON 1) is written without its '+' in SMPP; any other is
    given to the number rules as it came (national numbers use SMSGW_DEFAULT_REGION)."""
    if address.ton == TON_INTERNATIONAL and not address.addr.startswith("+"):
        return "+" + address.addr
    return address.addr


def message_id_of(text: str) -> int:
    """Our message id from its decimal form; PduError(RINVMSGID) for anything else."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > MAX_ID_DIGITS:
        raise p.PduError(p.ESME_RINVMSGID, f"message_id {text[:20]!r} is not one of ours")
    return int(value)


def query_answer(message: Message) -> tuple[str, int, int]:
    """(final_date, message_state, error_code) of a query_sm_resp for this message, in the
    same words its receipt carries (the one vocabulary module)."""
    names = smpp_receipt_names(message.status)
    final_date = format_smpp_time(message.updated_at) if message.status.final else ""
    return final_date, names.message_state, int(names.err) if names.err.isdigit() else 0


def receipt_pdu(sequence: int, receipt: OwedReceipt) -> bytes:
    """The deliver_sm carrying ``receipt`` (source: the handset; destination: the sender)."""
    message_id = str(receipt.message_id)
    text = receipt_text(message_id, receipt.submitted_at, receipt.done_at, receipt.stat,
                        receipt.err, receipt.text)
    data_coding, short_message = encode_for_deliver(text)
    err = int(receipt.err) if receipt.err.isdigit() else 0
    esm_class = p.ESM_CLASS_RECEIPT if receipt.final else p.ESM_CLASS_INTERMEDIATE
    return p.deliver_sm(sequence, p.address_of(receipt.source), p.address_of(receipt.destination),
                        esm_class, data_coding, short_message[:p.MAX_SHORT_MESSAGE],
                        p.receipt_tlvs(message_id, receipt.message_state, err or None))


def inbound_pdu(sequence: int, owed: OwedInbound) -> bytes:
    """The deliver_sm carrying an inbound message: esm_class 0 (a short message, not a
    receipt), source the handset, destination our number it was sent to, GSM 03.38 (0) when
    every character fits, else UCS-2 (8). A text that fits one SMS (160 GSM septets, 70 UCS-2
    characters) goes in ``short_message``; a longer one whole in ``message_payload`` (0x0424)
    with an empty ``short_message``: one PDU, one acknowledgement, and the client gets the
    whole text without joining parts (smpplib hands it over as ``pdu.message_payload``;
    Kannel reads it when sm_length is 0)."""
    data_coding, octets = encode_for_deliver(owed.text)
    source, destination = p.address_of(owed.source), p.address_of(owed.destination)
    if fits_one_sms(data_coding, octets):
        return p.deliver_sm(sequence, source, destination, p.ESM_CLASS_MESSAGE, data_coding,
                            octets)
    payload = octets[:p.MAX_TLV_VALUE - p.MAX_TLV_VALUE % 2]  # a TLV holds at most 65535
    return p.deliver_sm(sequence, source, destination, p.ESM_CLASS_MESSAGE, data_coding, b"",
                        p.tlv(p.TAG_MESSAGE_PAYLOAD, payload))


def deliver_pdu(sequence: int, owed: OwedDeliver) -> bytes:
    """The deliver_sm of a row of the SMPP outbox, by its kind."""
    if isinstance(owed, OwedInbound):
        return inbound_pdu(sequence, owed)
    return receipt_pdu(sequence, owed)
