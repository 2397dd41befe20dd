"""SMS text: GSM 03.38 vs UCS-2, septet / UTF-16 unit counts, segments, splitting without cutting an
escape sequence or a surrogate pair, and the encodings SMPP carries (property tests with hypothesis)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.notifications.channels import gsm

GSM_CHARS = sorted(set(gsm.BASIC) - {"\x1b"} | set(gsm.EXTENSION))
gsm_text = st.text(alphabet=st.sampled_from(GSM_CHARS), max_size=700)
basic_text = st.text(alphabet=st.sampled_from(sorted(set(gsm.BASIC) - {"\x1b"})), max_size=700)
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
emoji = st.sampled_from(["🙏", "😊", "👍", "🇮🇩", "✅", "📄"])
mixed_text = st.lists(st.one_of(st.sampled_from(list("abc XYZ.,é’")), emoji), max_size=200).map("".join)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-be")) // 2


# --- the alphabet -------------------------------------------------------------------------


def test_the_table_has_the_codes_of_3gpp_23_038():
    assert len(gsm.BASIC) == 128
    assert gsm.encode("@£$¥") == bytes([0x00, 0x01, 0x02, 0x03])
    assert gsm.encode("é") == b"\x05"
    assert gsm.encode("\n") == b"\x0a"
    assert gsm.encode("A") == b"\x41" and gsm.encode("a") == b"\x61"
    assert gsm.encode("Ä§¿à") == bytes([0x5B, 0x5F, 0x60, 0x7F])


@pytest.mark.parametrize(
    ("char", "septet"),
    [
        ("^", 0x14),
        ("{", 0x28),
        ("}", 0x29),
        ("\\", 0x2F),
        ("[", 0x3C),
        ("~", 0x3D),
        ("]", 0x3E),
        ("|", 0x40),
        ("€", 0x65),
    ],
)
def test_extension_characters_are_escape_plus_a_septet_and_count_two(char, septet):
    assert gsm.encode(char) == bytes([0x1B, septet])
    assert gsm.length(char) == 2
    assert gsm.encoding_for(f"Kode {char} ok") == gsm.GSM7


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Antrean Anda nomor A-012 di Kantor Kelurahan Ciputat.", gsm.GSM7),
        ("Kafé Bu Édith: pesanan siap", gsm.GSM7),  # é and É are in the basic table
        ("Biaya Rp0, denda [tidak ada] ~ {gratis} ^ \\ | €", gsm.GSM7),
        ("Jum’at pukul 08.00", gsm.UCS2),  # the curly apostrophe is not GSM
        ("Terima kasih 🙏", gsm.UCS2),
        ("Surat sudah ditandatangani ✅", gsm.UCS2),
        ("Café à la carte", gsm.GSM7),
        ("Ibu Ñoño", gsm.GSM7),
        ("Bapak Çelik á", gsm.UCS2),  # á is not in the default alphabet
        ("\x1b", gsm.UCS2),  # a bare ESC is not a character we can send
    ],
)
def test_encoding_is_ucs2_when_any_character_is_outside_gsm(text, encoding):
    assert gsm.encoding_for(text) == encoding


def test_surrogate_pairs_count_two_units():
    assert gsm.length("🙏", gsm.UCS2) == 2
    assert gsm.length("a🙏b", gsm.UCS2) == 4
    assert gsm.encode("🙏", gsm.UCS2) == "🙏".encode("utf-16-be") == b"\xd8\x3d\xde\x4f"


# --- segments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # 160 septets
        ("€" * 81, 2),
        ("ä" * 69 + "’", 1),  # 70 UCS-2 units
        ("’" * 71, 2),
        ("’" * 134, 2),
        ("’" * 135, 3),
        ("🙏" * 35, 1),  # 70 units
        ("🙏" * 36, 2),
    ],
)
def test_segment_counts(text, segments):
    assert gsm.segments(text) == segments


def test_an_escape_sequence_is_never_cut_between_parts():
    text = "a" * 152 + "€" + "b" * 20  # € would take septets 153 and 154
    parts = gsm.split(text)
    assert parts == ["a" * 152, "€" + "b" * 20]
    assert [gsm.length(p) for p in parts] == [152, 22]


def test_a_surrogate_pair_is_never_cut_between_parts():
    text = "’" + "a" * 65 + "🙏" + "b" * 10  # the pair would take units 67 and 68
    parts = gsm.split(text)
    assert parts == ["’" + "a" * 65, "🙏" + "b" * 10]
    assert all(utf16_units(p) <= 67 for p in parts)


def test_the_plan_gives_data_coding_and_payloads():
    plan = gsm.plan("Halo [Budi]")
    assert (plan.encoding, plan.data_coding, plan.segments) == (gsm.GSM7, 0, 1)
    assert plan.payloads == (b"Halo \x1b\x3cBudi\x1b\x3e",)
    plan = gsm.plan("Halo 🙏")
    assert (plan.encoding, plan.data_coding) == (gsm.UCS2, 8)
    assert plan.payloads == ("Halo 🙏".encode("utf-16-be"),)


def test_the_concatenation_header():
    assert gsm.concat_udh(0x2A, 3, 1) == bytes([0x05, 0x00, 0x03, 0x2A, 0x03, 0x01])
    with pytest.raises(ValueError):
        gsm.concat_udh(256, 3, 1)
    with pytest.raises(ValueError):
        gsm.concat_udh(1, 3, 4)


def test_gsm7_encoding_refuses_other_characters():
    with pytest.raises(ValueError):
        gsm.encode("’", gsm.GSM7)
    with pytest.raises(ValueError):
        gsm.split("’", gsm.GSM7)


def test_decode_follows_23_038_for_unknown_escapes():
    assert gsm.decode(b"\x1b\x41", gsm.GSM7) == "A"  # no extension character: the basic one
    assert gsm.decode(b"ab\x1b", gsm.GSM7) == "ab"  # a dangling escape is dropped


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(gsm_text)
def test_gsm7_round_trip_and_parts(text):
    assert gsm.encoding_for(text) == gsm.GSM7
    assert gsm.decode(gsm.encode(text), gsm.GSM7) == text
    assert len(gsm.encode(text)) == gsm.length(text)
    parts = gsm.split(text)
    assert "".join(parts) == text
    septets = gsm.length(text)
    if septets <= 160:
        assert parts == [text]
    else:
        assert all(gsm.length(p) <= 153 for p in parts)
        assert all(not gsm.encode(p).endswith(b"\x1b") for p in parts)
        # A part gives up at most one septet to keep an escape sequence whole.
        assert math.ceil(septets / 153) <= len(parts) <= math.ceil(septets / 152)
        assert all(gsm.decode(gsm.encode(p), gsm.GSM7) == p for p in parts)


@settings(max_examples=200, deadline=None)
@given(basic_text)
def test_basic_alphabet_segments_are_the_plain_division(text):
    n = len(text)
    assert gsm.segments(text) == (1 if n <= 160 else math.ceil(n / 153))


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_any_text_round_trips_in_its_encoding(text):
    plan = gsm.plan(text)
    assert "".join(plan.parts) == text
    assert "".join(gsm.decode(p, plan.encoding) for p in plan.payloads) == text
    if plan.encoding == gsm.UCS2:
        assert plan.data_coding == 8
        assert gsm.length(text) == utf16_units(text)
        single = utf16_units(text) <= 70
        assert all(utf16_units(p) <= (70 if single else 67) for p in plan.parts)
        assert all(len(payload) % 2 == 0 for payload in plan.payloads)
    else:
        assert plan.data_coding == 0


@settings(max_examples=200, deadline=None)
@given(mixed_text)
def test_ucs2_parts_never_split_a_pair(text):
    text = "’" + text  # force UCS-2
    parts = gsm.split(text)
    assert "".join(parts) == text
    units = utf16_units(text)
    if units > 70:
        assert all(utf16_units(p) <= 67 for p in parts)
        for payload in (gsm.encode(p, gsm.UCS2) for p in parts):
            last = int.from_bytes(payload[-2:], "big")
            assert not 0xD800 <= last <= 0xDBFF  # no part ends with a high surrogate
        assert math.ceil(units / 67) <= len(parts) <= math.ceil(units / 66)
