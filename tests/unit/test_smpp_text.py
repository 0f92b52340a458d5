"""submit_sm texts: data codings, the UDH and SAR concatenation, message_payload, and deliver_sm octets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain.encoding import GSM_BASIC, GSM_EXTENSION, is_gsm7
from service.domain.message import ConcatPart
from service.protocols.smpp.text import (
    ESME_RINVMSGLEN, ESME_RINVOPTPARAMVAL, ESME_RINVPARLEN, ESME_RMISSINGOPTPARAM,
    ESME_RSUBMITFAIL, ShortMessage, TextError, decode_short_message, decode_text,
    encode_for_deliver, encode_gsm)

PAYLOAD = 0x0424
SAR_REF, SAR_TOTAL, SAR_SEQ = 0x020C, 0x020E, 0x020F
GSM_CHARS = sorted(GSM_BASIC | GSM_EXTENSION)


def decode(dc: int, octets: bytes, esm: int = 0, tlvs: dict[int, bytes] | None = None) -> ShortMessage:
    return decode_short_message(dc, esm, octets, tlvs or {})


def refused(dc: int, octets: bytes, esm: int = 0, tlvs: dict[int, bytes] | None = None) -> int:
    with pytest.raises(TextError) as err:
        decode(dc, octets, esm, tlvs)
    return err.value.status


# --- data codings -------------------------------------------------------------------------

@pytest.mark.parametrize("octets,text", [
    (b"Hello", "Hello"),
    (b"\x00\x01\x02", "@£$"),
    (b"\x5f\x60", "§¿"),
    (b"\x40", "¡"),
    (b"\x10\x11\x15", "Δ_Ω"),
    (b"\x0a\x0d", "\n\r"),
    (b"5\x1b\x65 \x1b\x28x\x1b\x29", "5€ {x}"),
    (b"\x1b\x0a\x1b\x14\x1b\x2f\x1b\x3c\x1b\x3d\x1b\x3e\x1b\x40", "\f^\\[~]|"),
    (b"", ""),
])
def test_data_coding_0_is_gsm_03_38_unpacked(octets, text):
    assert decode(0, octets) == ShortMessage(text, None)


def test_an_escape_before_a_code_the_extension_table_lacks_shows_the_main_table_character():
    # GSM 03.38 §6.2.1.1; 0x1B 0x1B (another extension table) shows a space.
    assert decode(0, b"\x1bA\x1b\x1bB").text == "A B"


@pytest.mark.parametrize("octets", [b"\x80", b"abc\xff", b"\x1b\x80", b"abc\x1b"])
def test_octets_that_are_no_gsm_septet_are_refused(octets):
    assert refused(0, octets) == ESME_RSUBMITFAIL


def test_ia5_is_ascii():
    assert decode(1, b"Hi {there}~").text == "Hi {there}~"
    assert refused(1, b"caf\xe9") == ESME_RSUBMITFAIL


def test_latin_1():
    assert decode(3, "Grüße, café ½".encode("latin-1")).text == "Grüße, café ½"


def test_ucs2_big_endian_with_surrogate_pairs():
    text = "Привет 😀 日本"
    assert decode(8, text.encode("utf-16-be")).text == text


def test_ucs2_refuses_odd_lengths_and_lone_surrogates():
    assert refused(8, b"\x00A\x00") == ESME_RINVMSGLEN
    assert refused(8, b"\xd8\x3d\x00A") == ESME_RSUBMITFAIL
    assert refused(8, b"\xde\x00") == ESME_RSUBMITFAIL


@pytest.mark.parametrize("dc", [2, 4, 5, 6, 7, 9, 0x0A, 0x0E, 0x10, 0xF0, 0xF4, 0xFF])
def test_other_data_codings_are_refused(dc):
    assert refused(dc, b"abc") == ESME_RSUBMITFAIL


@pytest.mark.parametrize("dc,octets", [(1, b"hi\x00"), (3, b"hi\x00\x00"), (8, b"\x00h\x00i\x00\x00")])
def test_a_trailing_nul_is_a_c_string_habit_and_dropped(dc, octets):
    assert decode(dc, octets).text == "hi"


@pytest.mark.parametrize("dc,octets", [(1, b"h\x00i"), (3, b"\x00hi"), (8, b"\x00h\x00\x00\x00i")])
def test_a_nul_inside_the_text_is_refused(dc, octets):
    assert refused(dc, octets) == ESME_RSUBMITFAIL


def test_gsm_at_sign_is_octet_zero_not_a_nul():
    assert decode(0, b"a\x00").text == "a@"


# --- message_payload ----------------------------------------------------------------------

def test_message_payload_carries_the_text_when_short_message_is_empty():
    long = "x" * 300
    assert decode(0, b"", tlvs={PAYLOAD: long.encode()}).text == long


def test_short_message_and_message_payload_together_are_refused():
    assert refused(0, b"a", tlvs={PAYLOAD: b"b"}) == ESME_RINVMSGLEN


def test_an_empty_message_payload_beside_a_short_message_is_ignored():
    assert decode(0, b"a", tlvs={PAYLOAD: b""}).text == "a"


def test_message_payload_may_carry_a_udh():
    udh = b"\x05\x00\x03\x07\x02\x01"
    got = decode(8, b"", 0x40, {PAYLOAD: udh + "Ж".encode("utf-16-be")})
    assert got == ShortMessage("Ж", ConcatPart(7, 2, 1))


# --- UDH ----------------------------------------------------------------------------------

def test_udh_8_bit_concatenation():
    got = decode(0, b"\x05\x00\x03\xab\x03\x02hello", 0x40)
    assert got == ShortMessage("hello", ConcatPart(0xAB, 3, 2))


def test_udh_16_bit_concatenation():
    got = decode(0, b"\x06\x08\x04\x12\x34\x02\x02bye", 0x40)
    assert got == ShortMessage("bye", ConcatPart(0x1234, 2, 2))


def test_other_information_elements_are_skipped():
    # a port addressing IE (0x05) and a special SMS indication (0x01) around the concat IE
    udh = b"\x0f\x05\x04\x0b\x84\x23\xf0\x00\x03\x09\x02\x01\x01\x02\x00\x00"
    assert decode(0, udh + b"hi", 0x40) == ShortMessage("hi", ConcatPart(9, 2, 1))


def test_a_udh_without_concatenation_gives_only_the_text():
    assert decode(0, b"\x04\x05\x02\x0b\x84hi", 0x40) == ShortMessage("hi", None)
    assert decode(0, b"\x00hi", 0x40) == ShortMessage("hi", None)


def test_the_last_of_repeated_concatenation_elements_counts():
    udh = b"\x0a\x00\x03\x01\x02\x01\x00\x03\x05\x04\x03"
    assert decode(0, udh + b"x", 0x40).concat == ConcatPart(5, 4, 3)


def test_without_udhi_the_header_octets_are_text():
    assert decode(0, b"\x05\x00\x03\x01\x02\x01hi") == ShortMessage("é@¥£$£hi", None)


def test_a_udh_before_ucs2_text_needs_no_fill():
    got = decode(8, b"\x05\x00\x03\x01\x02\x02" + "日本".encode("utf-16-be"), 0x40)
    assert got.text == "日本"


@pytest.mark.parametrize("octets", [
    b"",                                   # UDHI but nothing at all
    b"\x06\x00\x03\x01\x02\x01",           # UDHL past the end
    b"\x01\x00",                           # an IE header cut short
    b"\x03\x00\x03\x01",                   # an IE longer than the UDH
    b"\x04\x00\x02\x01\x02text",           # an 8-bit concat IE of 2 octets
    b"\x06\x08\x03\x01\x02\x01\x00text",   # a 16-bit concat IE of 3 octets
    b"\x05\x00\x04\x01\x02\x01text",       # an IE length that runs past the UDH
])
def test_malformed_udh_lengths_are_refused(octets):
    assert refused(0, octets, 0x40) == ESME_RINVMSGLEN


@pytest.mark.parametrize("total,seq", [(0, 0), (2, 0), (2, 3), (0, 1)])
def test_udh_part_numbers_out_of_range_are_refused(total, seq):
    assert refused(0, bytes([5, 0, 3, 1, total, seq]) + b"x", 0x40) == ESME_RSUBMITFAIL


# --- SAR TLVs -----------------------------------------------------------------------------

def sar(ref: int, total: int, seq: int) -> dict[int, bytes]:
    return {SAR_REF: ref.to_bytes(2, "big"), SAR_TOTAL: bytes([total]), SAR_SEQ: bytes([seq])}


def test_sar_tlvs_number_the_part():
    assert decode(0, b"part", tlvs=sar(0xBEEF, 4, 4)) == ShortMessage("part", ConcatPart(0xBEEF, 4, 4))


def test_sar_with_message_payload():
    tlvs = sar(1, 2, 1) | {PAYLOAD: b"long"}
    assert decode(0, b"", tlvs=tlvs) == ShortMessage("long", ConcatPart(1, 2, 1))


def test_a_udh_wins_over_sar_tlvs():
    got = decode(0, b"\x05\x00\x03\x07\x02\x01x", 0x40, sar(9, 3, 3))
    assert got.concat == ConcatPart(7, 2, 1)


@pytest.mark.parametrize("missing", [SAR_REF, SAR_TOTAL, SAR_SEQ])
def test_an_incomplete_sar_set_is_refused(missing):
    tlvs = sar(1, 2, 1)
    del tlvs[missing]
    assert refused(0, b"x", tlvs=tlvs) == ESME_RMISSINGOPTPARAM


@pytest.mark.parametrize("tag,value", [(SAR_REF, b"\x01"), (SAR_REF, b"\x00\x00\x01"),
                                       (SAR_TOTAL, b""), (SAR_SEQ, b"\x01\x01")])
def test_sar_tlvs_of_the_wrong_length_are_refused(tag, value):
    assert refused(0, b"x", tlvs=sar(1, 2, 1) | {tag: value}) == ESME_RINVPARLEN


@pytest.mark.parametrize("total,seq", [(0, 0), (2, 0), (2, 3)])
def test_sar_part_numbers_out_of_range_are_refused(total, seq):
    assert refused(0, b"x", tlvs=sar(1, total, seq)) == ESME_RINVOPTPARAMVAL


def test_unrelated_tlvs_are_ignored():
    assert decode(0, b"x", tlvs={0x0204: b"\x00\x01", 0x1403: b"zz"}) == ShortMessage("x", None)


# --- deliver_sm octets --------------------------------------------------------------------

def test_encode_for_deliver_prefers_gsm():
    assert encode_for_deliver("id:1 stat:DELIVRD €") == (0, b"id:1 stat:DELIVRD \x1b\x65")
    assert encode_for_deliver("") == (0, b"")


def test_encode_for_deliver_falls_back_to_ucs2():
    assert encode_for_deliver("Привет 😀") == (8, "Привет 😀".encode("utf-16-be"))
    assert encode_for_deliver("a\x1bb") == (8, "a\x1bb".encode("utf-16-be"))   # the escape is no character


def test_encode_for_deliver_never_raises_on_a_lone_surrogate():
    assert encode_for_deliver("a\ud800") == (8, b"\x00a\x00?")


def test_encode_gsm_refuses_what_gsm_lacks():
    with pytest.raises(TextError):
        encode_gsm("日")


# --- properties ---------------------------------------------------------------------------

gsm_text = st.text(alphabet=st.sampled_from(GSM_CHARS), max_size=200)
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                   max_size=100)


@given(gsm_text)
def test_gsm_round_trips(text):
    dc, octets = encode_for_deliver(text)
    assert dc == 0 and octets == encode_gsm(text)
    assert decode(0, octets).text == text


@given(any_text)
def test_encode_for_deliver_round_trips_any_text(text):
    dc, octets = encode_for_deliver(text)
    assert dc == (0 if is_gsm7(text) else 8)
    assert decode(dc, octets).text == text


@given(st.text(alphabet=st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF), max_size=20))
def test_ucs2_round_trips_astral_characters_as_surrogate_pairs(text):
    octets = text.encode("utf-16-be")
    assert len(octets) == 4 * len(text)
    assert decode(8, octets).text == text


@given(st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0xFF), max_size=160))
def test_latin_1_round_trips(text):
    assert decode(3, text.encode("latin-1")).text == text


@given(st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x7F), max_size=160))
def test_ia5_round_trips(text):
    assert decode(1, text.encode("ascii")).text == text


def udh_ie(iei: int, data: bytes) -> bytes:
    return bytes([iei, len(data)]) + data


other_ies = st.lists(
    st.tuples(st.integers(0, 255).filter(lambda i: i not in (0x00, 0x08)), st.binary(max_size=6))
    .map(lambda t: udh_ie(*t)), max_size=3)


@given(st.integers(0, 0xFFFF), st.integers(1, 255), st.data(), st.booleans(), other_ies, other_ies,
       any_text)
def test_udh_concatenation_round_trips_among_other_elements(ref, total, data, sixteen, before, after, text):
    seq = data.draw(st.integers(1, total))
    if sixteen:
        concat_ie = udh_ie(0x08, ref.to_bytes(2, "big") + bytes([total, seq]))
    else:
        ref &= 0xFF
        concat_ie = udh_ie(0x00, bytes([ref, total, seq]))
    ies = b"".join(before) + concat_ie + b"".join(after)
    if len(ies) > 255:
        return
    dc, body = encode_for_deliver(text)
    got = decode(dc, bytes([len(ies)]) + ies + body, 0x40 | 0x03)
    assert got == ShortMessage(text, ConcatPart(ref, total, seq))


@given(st.integers(0, 0xFFFF), st.integers(1, 255), st.data(), st.booleans(), gsm_text)
def test_sar_round_trips_in_either_field(ref, total, data, in_payload, text):
    seq = data.draw(st.integers(1, total))
    octets = encode_gsm(text)
    tlvs = sar(ref, total, seq)
    short = b""
    if in_payload:
        tlvs[PAYLOAD] = octets
    else:
        short = octets
    assert decode(0, short, tlvs=tlvs) == ShortMessage(text, ConcatPart(ref, total, seq))


tlv_maps = st.dictionaries(
    st.sampled_from([SAR_REF, SAR_TOTAL, SAR_SEQ, PAYLOAD, 0x0204]), st.binary(max_size=4), max_size=4)


@settings(max_examples=500)
@given(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=300), tlv_maps)
def test_random_input_only_ever_raises_text_error(dc, esm, octets, tlvs):
    try:
        got = decode_short_message(dc, esm, octets, tlvs)
    except TextError as exc:
        assert exc.status in (ESME_RINVMSGLEN, ESME_RSUBMITFAIL, ESME_RINVPARLEN,
                              ESME_RMISSINGOPTPARAM, ESME_RINVOPTPARAMVAL)
        return
    assert isinstance(got.text, str) and "\x00" not in got.text
    got.text.encode("utf-8")   # storable: no lone surrogate
    if got.concat is not None:
        assert 1 <= got.concat.sequence <= got.concat.total <= 255
        assert 0 <= got.concat.reference <= 0xFFFF


@given(st.binary(max_size=300))
def test_random_gsm_octets_decode_or_raise_text_error(octets):
    try:
        text = decode_text(0, octets)
    except TextError:
        assert any(b > 0x7F for b in octets) or octets.endswith(b"\x1b")
        return
    assert len(text) <= len(octets)


# --- agreement with the rest of smsgw -----------------------------------------------------

def test_every_gsm_character_the_domain_counts_decodes_from_its_octets():
    from service.delivery.smpp.encoding import GSM_ENCODE
    for ch in GSM_CHARS:
        assert decode(0, GSM_ENCODE[ch]).text == ch
        assert encode_gsm(ch) == GSM_ENCODE[ch]


@given(st.one_of(gsm_text, any_text))
def test_what_the_smpp_connector_sends_this_server_reads(text):
    from service.delivery.smpp.encoding import part_payloads
    from service.domain.encoding import analyse
    info = analyse(text)
    if info.segments <= 255:
        payloads = part_payloads(info.parts, info.encoding, reference=0x42)
        got = [decode_short_message(p.data_coding, p.esm_class, p.short_message, {}) for p in payloads]
        assert "".join(g.text for g in got) == text
        if len(got) > 1:
            assert [g.concat for g in got] == [ConcatPart(0x42, len(got), i)
                                               for i in range(1, len(got) + 1)]


def test_any_mapping_of_tlvs_will_do():
    from types import MappingProxyType
    tlvs = MappingProxyType({PAYLOAD: b"hi"} | sar(3, 2, 2))
    assert decode_short_message(0, 0, b"", tlvs) == ShortMessage("hi", ConcatPart(3, 2, 2))


def test_the_error_says_what_is_wrong():
    with pytest.raises(TextError, match="data_coding 0x04"):
        decode(4, b"x")
    with pytest.raises(TextError, match="0x80"):
        decode(0, b"ab\x80")


@settings(max_examples=300)
@given(st.integers(0, 0xFF), st.integers(1, 255), other_ies, st.data(), st.sampled_from([0, 1, 3, 8]))
def test_a_mutated_udh_is_read_or_refused_never_a_crash(ref, total, before, data, dc):
    ies = b"".join(before) + udh_ie(0x00, bytes([ref, total, 1]))
    octets = bytearray(bytes([len(ies)]) + ies + b"\x00h\x00i")
    at = data.draw(st.integers(0, len(octets) - 1))
    octets[at] = data.draw(st.integers(0, 255))
    try:
        got = decode(dc, bytes(octets), 0x40)
    except TextError as exc:
        assert exc.status in (ESME_RINVMSGLEN, ESME_RSUBMITFAIL)
        return
    if got.concat is not None:
        assert 1 <= got.concat.sequence <= got.concat.total
