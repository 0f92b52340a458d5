"""GSM 03.38 / UCS-2 octets and concatenation headers of the SMPP connector."""

from __future__ import annotations

import pytest

from service.delivery.smpp.encoding import (
    DATA_CODING_GSM, DATA_CODING_UCS2, ESM_CLASS_DEFAULT, ESM_CLASS_UDHI, GSM_ENCODE,
    UnencodableText, decode_gsm7, encode_gsm7, encode_ucs2, part_payloads)
from service.domain.encoding import GSM_BASIC, GSM_EXTENSION, Encoding, analyse


def test_the_gsm_table_covers_exactly_what_the_domain_counts_as_gsm():
    assert set(GSM_ENCODE) == set(GSM_BASIC) | set(GSM_EXTENSION)


@pytest.mark.parametrize("text,octets", [
    ("@£$", b"\x00\x01\x02"),
    ("Hello", b"Hello"),
    ("§¿", b"\x5f\x60"),                    # where smpplib's table has '`'
    ("ÄÖÑÜäöñüà", b"\x5b\x5c\x5d\x5e\x7b\x7c\x7d\x7e\x7f"),
    ("Δ_Ω", b"\x10\x11\x15"),
    ("\n\r", b"\x0a\x0d"),
])
def test_gsm_characters_are_one_septet_per_octet(text, octets):
    assert encode_gsm7(text) == octets


@pytest.mark.parametrize("char,octets", [
    ("€", b"\x1b\x65"), ("{", b"\x1b\x28"), ("}", b"\x1b\x29"), ("[", b"\x1b\x3c"),
    ("]", b"\x1b\x3e"), ("~", b"\x1b\x3d"), ("\\", b"\x1b\x2f"), ("|", b"\x1b\x40"),
    ("^", b"\x1b\x14"), ("\f", b"\x1b\x0a"),
])
def test_extension_characters_are_escaped(char, octets):
    assert encode_gsm7(char) == octets


def test_gsm_round_trips():
    text = "Price: 5€ [promo] {x} ~ ^ | \\ §1 @home"
    assert decode_gsm7(encode_gsm7(text)) == text


@pytest.mark.parametrize("char", ["`", "ç", "Ж", "😀"])
def test_characters_outside_the_alphabet_are_refused(char):
    with pytest.raises(UnencodableText):
        encode_gsm7(char)


def test_ucs2_is_big_endian_with_surrogate_pairs():
    assert encode_ucs2("Жa") == b"\x04\x16\x00\x61"
    assert encode_ucs2("😀") == b"\xd8\x3d\xde\x00"


def test_a_single_part_has_no_udh():
    [payload] = part_payloads(("hi",), Encoding.GSM7)
    assert payload == payload.__class__(b"hi", DATA_CODING_GSM, ESM_CLASS_DEFAULT)


def test_a_three_part_gsm_message_carries_a_concatenation_udh_per_part():
    text = ("x" * 152 + "€") + "y" * 160          # the escape pair must not be split
    info = analyse(text)
    payloads = part_payloads(info.parts, info.encoding, reference=0x2A)
    assert len(payloads) == 3
    for seq, p in enumerate(payloads, start=1):
        assert p.short_message[:6] == bytes([0x05, 0x00, 0x03, 0x2A, 3, seq])
        assert p.esm_class == ESM_CLASS_UDHI and p.data_coding == DATA_CODING_GSM
        assert len(p.short_message) - 6 <= 153
    assert "".join(decode_gsm7(p.short_message[6:]) for p in payloads) == text
    assert payloads[0].short_message[6:] == b"x" * 152   # the € went whole to part 2


def test_a_two_part_ucs2_message_never_splits_a_surrogate_pair():
    text = "Ж" * 66 + "😀" + "ж" * 10
    info = analyse(text)
    payloads = part_payloads(info.parts, info.encoding, reference=7)
    assert [p.short_message[:6] for p in payloads] == [
        bytes([5, 0, 3, 7, 2, 1]), bytes([5, 0, 3, 7, 2, 2])]
    assert all(p.data_coding == DATA_CODING_UCS2 and p.esm_class == ESM_CLASS_UDHI
               for p in payloads)
    assert all(len(p.short_message) - 6 <= 134 for p in payloads)
    assert "".join(p.short_message[6:].decode("utf-16-be") for p in payloads) == text


def test_consecutive_multipart_messages_get_different_references():
    parts = ("a" * 153, "b")
    first = part_payloads(parts, Encoding.GSM7)[0].short_message[3]
    second = part_payloads(parts, Encoding.GSM7)[0].short_message[3]
    assert first != second


def test_a_part_longer_than_one_sms_is_refused():
    with pytest.raises(UnencodableText):
        part_payloads(("a" * 154, "b"), Encoding.GSM7)
    with pytest.raises(UnencodableText):
        part_payloads(("Ж" * 71,), Encoding.UCS2)


# -- a part the client split itself: one SMS with the client's numbering --------------------

@pytest.mark.parametrize("text,encoding,ref,udh,coding", [
    ("x" * 153, Encoding.GSM7, 7, bytes([5, 0, 3, 7, 3, 2]), DATA_CODING_GSM),
    ("x" * 152, Encoding.GSM7, 0x1234, bytes([6, 8, 4, 0x12, 0x34, 3, 2]), DATA_CODING_GSM),
    ("ж" * 67, Encoding.UCS2, 255, bytes([5, 0, 3, 255, 3, 2]), DATA_CODING_UCS2),
    ("ж" * 66, Encoding.UCS2, 256, bytes([6, 8, 4, 1, 0, 3, 2]), DATA_CODING_UCS2),
])
def test_a_client_part_carries_an_8_or_16_bit_reference_udh(text, encoding, ref, udh, coding):
    from service.domain.message import ConcatPart
    [payload] = part_payloads((text,), encoding, concat=ConcatPart(ref, 3, 2))
    assert payload.short_message[:len(udh)] == udh
    assert (payload.esm_class, payload.data_coding) == (ESM_CLASS_UDHI, coding)
    body = len(payload.short_message) - len(udh)
    if coding == DATA_CODING_GSM:  # the SMSC packs septets; the UDH is padded to a septet
        assert -(-len(udh) * 8 // 7) + body == 160
    else:
        assert len(udh) + body in (139, 140)


@pytest.mark.parametrize("text,encoding,ref", [
    ("x" * 154, Encoding.GSM7, 7), ("x" * 153, Encoding.GSM7, 256),
    ("ж" * 68, Encoding.UCS2, 7), ("ж" * 67, Encoding.UCS2, 256),
])
def test_a_client_part_longer_than_one_sms_beside_its_udh_is_refused(text, encoding, ref):
    from service.domain.message import ConcatPart
    with pytest.raises(UnencodableText):
        part_payloads((text,), encoding, concat=ConcatPart(ref, 2, 1))


def test_the_domain_and_the_connector_agree_on_what_fits_a_client_part():
    from service.domain.encoding import analyse_part
    from service.domain.message import ConcatPart
    for ref in (0, 255, 256, 65535):
        for text in ("x" * n for n in range(148, 156)):
            for t in (text, text.replace("x", "ж")[:len(text) // 2 + 2], text[:-2] + "€"):
                info = analyse_part(t, ref)
                try:
                    part_payloads((t,), analyse(t).encoding, concat=ConcatPart(ref, 2, 1))
                except UnencodableText:
                    assert info is None, (ref, t)
                else:
                    assert info is not None, (ref, t)
