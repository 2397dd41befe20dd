"""Spoken announcements: Indonesian (and English) number words, and the call sentence."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket.queueing.speech import (
    MAX_NUMBER,
    number_to_words_en,
    number_to_words_id,
    split_ticket_code,
    ticket_announcement,
)

EXACT_ID = [
    (0, "nol"),
    (1, "satu"),
    (10, "sepuluh"),
    (11, "sebelas"),
    (12, "dua belas"),
    (19, "sembilan belas"),
    (20, "dua puluh"),
    (21, "dua puluh satu"),
    (99, "sembilan puluh sembilan"),
    (100, "seratus"),
    (101, "seratus satu"),
    (110, "seratus sepuluh"),
    (111, "seratus sebelas"),
    (200, "dua ratus"),
    (999, "sembilan ratus sembilan puluh sembilan"),
    (1000, "seribu"),
    (1001, "seribu satu"),
    (1100, "seribu seratus"),
    (2000, "dua ribu"),
    (11000, "sebelas ribu"),
    (100000, "seratus ribu"),
    (101000, "seratus satu ribu"),
    (1000000, "satu juta"),
    (1001000, "satu juta seribu"),
    (1234567, "satu juta dua ratus tiga puluh empat ribu lima ratus enam puluh tujuh"),
    (
        999_999_999,
        "sembilan ratus sembilan puluh sembilan juta sembilan ratus sembilan puluh sembilan ribu "
        "sembilan ratus sembilan puluh sembilan",
    ),
]


@pytest.mark.parametrize(("n", "words"), EXACT_ID)
def test_indonesian_number_words_exact(n, words):
    assert number_to_words_id(n) == words


# --- An independent parser (words -> int) to prove the words mean the number, not just look right. ---

_UNIT_VALUES = {
    "nol": 0,
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
}
_SE_WORDS = {"sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000}


def parse_id(text: str) -> int:
    """Indonesian number words back to an int; fails on any word or order it does not understand.

    Within a group (< 1000) the words must come in falling order: hundreds, then tens or a teen, then a unit,
    each at most once; groups come as juta, then ribu, then the last group.
    """
    tokens = text.split(" ")
    if tokens == ["nol"]:
        return 0
    total = 0  # completed juta/ribu groups
    group = 0  # value of the group being read (< 1000)
    level = 3  # 3: nothing read in this group; 2: hundreds read; 1: tens read; 0: group closed
    pending = None  # a unit word waiting to see whether a multiplier follows

    def take(slot_max: int, new_level: int, value: int) -> None:
        nonlocal group, level
        assert level >= slot_max, f"words out of order in {text!r}"
        group += value
        level = new_level

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            take(1, 0, pending)
            pending = None

    for token in tokens:
        if token in _UNIT_VALUES and token != "nol":
            assert pending is None, f"two units in a row in {text!r}"
            pending = _UNIT_VALUES[token]
            continue
        if token in ("belas", "puluh", "ratus"):
            assert pending is not None and pending >= 2, f"'{token}' needs dua..sembilan before it: {text!r}"
            unit, pending = pending, None
            if token == "belas":
                take(2, 0, 10 + unit)
            elif token == "puluh":
                take(2, 1, 10 * unit)
            else:
                take(3, 2, 100 * unit)
            continue
        if token in ("ribu", "juta"):
            flush()
        assert pending is None, f"unit before {token!r} in {text!r}"
        if token in ("sepuluh", "sebelas"):
            take(2, 0, _SE_WORDS[token])
        elif token == "seratus":
            take(3, 2, 100)
        elif token == "seribu":
            assert level == 3 and total % 1_000_000 == 0, text
            total += 1000
        elif token in ("ribu", "juta"):
            assert group > 0, text
            if token == "ribu":
                assert group != 1, f"1000 must be 'seribu': {text!r}"
                assert total % 1_000_000 == 0, text
                total += group * 1000
            else:
                assert total == 0, text
                total += group * 1_000_000
            group, level = 0, 3
        else:
            raise AssertionError(f"unknown word {token!r} in {text!r}")
    flush()
    return total + group


@given(st.integers(min_value=0, max_value=999_999))
def test_indonesian_words_round_trip_through_parser(n):
    assert parse_id(number_to_words_id(n)) == n


def test_indonesian_words_round_trip_every_number_below_a_million():
    # Exhaustive: the property above samples, this covers every n in 0..999,999.
    for n in range(1_000_000):
        assert parse_id(number_to_words_id(n)) == n


@given(st.integers(min_value=0, max_value=MAX_NUMBER))
def test_indonesian_words_round_trip_up_to_max(n):
    assert parse_id(number_to_words_id(n)) == n


def test_parser_rejects_wrong_words():
    # The parser is the oracle: make sure it can say no.
    with pytest.raises(AssertionError):
        parse_id("satu ratus")
    with pytest.raises(AssertionError):
        parse_id("satu ribu")
    with pytest.raises(AssertionError):
        parse_id("satu belas")
    with pytest.raises(AssertionError):
        parse_id("dua puluh sebelas")
    with pytest.raises(AssertionError):
        parse_id("dua puluh seratus")
    with pytest.raises(AssertionError):
        parse_id("seribu dua juta")
    with pytest.raises(AssertionError):
        parse_id("tiga dua puluh")
    assert parse_id("dua ratus tiga puluh empat ribu lima") == 234_005


@given(st.integers(min_value=0, max_value=MAX_NUMBER))
def test_indonesian_words_shape(n):
    words = number_to_words_id(n)
    assert words
    assert not re.search(r"\d", words)
    assert "  " not in words
    assert words == words.strip()
    assert "satu ratus" not in words
    assert not words.startswith("satu ribu")
    if 11 <= n <= 19:
        assert words.endswith("belas")
    if 100 <= n <= 199:
        assert words.startswith("seratus")
    if 1000 <= n <= 1999:
        assert words.startswith("seribu")
    if 1_000_000 <= n <= 1_999_999:
        assert words.startswith("satu juta")


@pytest.mark.parametrize("bad", [-1, MAX_NUMBER + 1])
def test_out_of_range_is_refused(bad):
    with pytest.raises(ValueError):
        number_to_words_id(bad)
    with pytest.raises(ValueError):
        number_to_words_en(bad)


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (12, "twelve"),
        (20, "twenty"),
        (42, "forty-two"),
        (100, "one hundred"),
        (115, "one hundred fifteen"),
        (1000, "one thousand"),
        (9999, "nine thousand nine hundred ninety-nine"),
        (1_000_000, "one million"),
    ],
)
def test_english_number_words_exact(n, words):
    assert number_to_words_en(n) == words


@given(st.integers(min_value=0, max_value=MAX_NUMBER))
def test_english_words_shape(n):
    words = number_to_words_en(n)
    assert words
    assert not re.search(r"\d", words)
    assert "  " not in words


@pytest.mark.parametrize(
    ("code", "expected"),
    [("A-012", ("A", 12)), ("B7", ("B", 7)), ("c-001", ("C", 1)), ("AB-100", ("AB", 100)), ("005", ("", 5))],
)
def test_split_ticket_code(code, expected):
    assert split_ticket_code(code) == expected


def test_announcement_indonesian():
    assert ticket_announcement("A-012", 3) == "Nomor antrean A dua belas, silakan ke loket tiga."


def test_announcement_uses_big_numbers_in_words():
    assert ticket_announcement("B-111", 11) == "Nomor antrean B seratus sebelas, silakan ke loket sebelas."
    assert ticket_announcement("C-1000", 10) == "Nomor antrean C seribu, silakan ke loket sepuluh."


def test_announcement_english():
    assert ticket_announcement("A-012", 3, language="en") == "Queue number A twelve, please go to counter three."


def test_announcement_accepts_regional_language_tags():
    assert ticket_announcement("A-012", 3, language="id-ID") == ticket_announcement("A-012", 3)


def test_announcement_spells_out_a_multi_letter_prefix():
    assert ticket_announcement("AB-005", 2) == "Nomor antrean A B lima, silakan ke loket dua."


def test_announcement_unknown_language_refused():
    with pytest.raises(ValueError):
        ticket_announcement("A-012", 3, language="fr")


@given(
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=2),
    st.integers(min_value=0, max_value=9999),
    st.integers(min_value=1, max_value=99),
)
def test_announcement_never_contains_digits(prefix, number, counter):
    sentence = ticket_announcement(f"{prefix}-{number:03d}", counter)
    assert not re.search(r"\d", sentence)
    assert sentence.startswith(f"Nomor antrean {' '.join(prefix)} ")
    assert sentence.endswith(f"silakan ke loket {number_to_words_id(counter)}.")
    spoken_number = sentence.removeprefix(f"Nomor antrean {' '.join(prefix)} ").split(",")[0]
    assert parse_id(spoken_number) == number
