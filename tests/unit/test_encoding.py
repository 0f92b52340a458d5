import pytest

from service.domain.encoding import (GSM_ALPHABET, GSM_BASIC, GSM_ESCAPE, GSM_EXTENSION,
                                     Encoding, analyse)


def test_the_gsm_alphabet_has_128_code_points_and_127_characters():
    assert len(GSM_ALPHABET) == 128 and GSM_ALPHABET[GSM_ESCAPE] == "\x1b"
    assert len(GSM_BASIC) == 127 and "\x1b" not in GSM_BASIC and len(GSM_EXTENSION) == 10


@pytest.mark.parametrize("text,encoding,segments", [
    ("a" * 160, Encoding.GSM7, 1),
    ("a" * 161, Encoding.GSM7, 2),
    ("a" * 306, Encoding.GSM7, 2),
    ("a" * 307, Encoding.GSM7, 3),
    ("ж" * 70, Encoding.UCS2, 1),
    ("ж" * 71, Encoding.UCS2, 2),
    ("ж" * 134, Encoding.UCS2, 2),
    ("ж" * 135, Encoding.UCS2, 3),
    ("€" * 80, Encoding.GSM7, 1),      # 80 extension chars = 160 septets
    ("€" * 81, Encoding.GSM7, 2),
    ("[" * 80, Encoding.GSM7, 1),
    ("a" * 159 + "[", Encoding.GSM7, 2),  # 161 septets
    ("😀" * 35, Encoding.UCS2, 1),        # 70 UTF-16 units
    ("😀" * 36, Encoding.UCS2, 2),
    ("a" * 159 + "ж", Encoding.UCS2, 3),  # one Cyrillic letter makes all of it UCS-2
])
def test_segments_at_the_edges(text, encoding, segments):
    info = analyse(text)
    assert (info.encoding, info.segments) == (encoding, segments)


def test_extension_characters_are_never_split_across_parts():
    info = analyse("a" * 152 + "€" + "b" * 10)
    assert info.parts[0] == "a" * 152          # 152 septets; the euro needs 2 more
    assert info.parts[1].startswith("€")


def test_surrogate_pairs_are_never_split_across_parts():
    info = analyse("ж" * 66 + "😀" + "ж" * 10)
    assert info.parts[0] == "ж" * 66
    assert info.parts[1].startswith("😀")


def test_parts_rejoin_to_the_text():
    text = "Привет, мир! " * 20
    assert "".join(analyse(text).parts) == text


def test_units_count_extension_characters_and_surrogates_twice():
    assert analyse("€[a").units == 5
    assert analyse("😀ж").units == 3


def test_empty_text_is_one_gsm_segment():
    info = analyse("")
    assert (info.encoding, info.segments, info.units) == (Encoding.GSM7, 1, 0)
