"""What the SMPP PDUs mean to the use cases, and back: pure functions, no I/O.

- submit_sm -> Submission (text, client-split parts, times, receipt bits, addresses);
- a stored Message -> query_sm_resp fields;
- an owed receipt -> deliver_sm.

Our message id on the wire is the stored id in decimal, the same number the SOAP and HTTP
doors answer, and the same in receipts; ids that are not a plain decimal number are
ESME_RINVMSGID.
"""

from __future__ import annotations

from datetime import datetime

from ...app.sending.submit import Submission
from ...app.smpp.receipts import OwedReceipt
from ...domain.message import Message
from ...domain.vocabularies import smpp_receipt_names
from ...protocols.smpp import pdu as p
from ...protocols.smpp.receipt_text import receipt_text
from ...protocols.smpp.text import TextError, decode_short_message, encode_for_deliver
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
