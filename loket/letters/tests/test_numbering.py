"""Letter numbers: the configurable format, Roman months, and refusals of unusable formats."""

import datetime as dt

import pytest

from loket.core.errors import DomainError
from loket.letters.indonesian import MONTHS, date_text, format_date, roman_month
from loket.letters.models import DEFAULT_NUMBER_FORMAT
from loket.letters.numbering import format_number, validate_number_format


def test_roman_months():
    assert [roman_month(m) for m in range(1, 13)] == [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ]  # fmt: skip
    for bad in (0, 13):
        with pytest.raises(ValueError):
            roman_month(bad)


def test_indonesian_dates_do_not_depend_on_the_locale():
    assert format_date(dt.date(2026, 12, 1)) == "1 Desember 2026"
    assert format_date(dt.date(2027, 1, 31)) == "31 Januari 2027"
    assert [format_date(dt.date(2026, m, 9)).split()[1] for m in range(1, 13)] == list(MONTHS)
    assert MONTHS[4] == "Mei" and MONTHS[7] == "Agustus"
    assert date_text("1990-08-17") == "17 Agustus 1990"
    assert date_text("2026-02-30") == "2026-02-30"  # not a date: left as typed
    assert date_text("kemarin") == "kemarin"


def test_default_format_gives_the_usual_number():
    number = format_number(DEFAULT_NUMBER_FORMAT, kode="470", nomor=12, unit="Kel.GP", month=11, year=2026)
    assert number == "470/012/Kel.GP/XI/2026"


@pytest.mark.parametrize(
    ("number_format", "expected"),
    [
        ("{kode}/{nomor:04}/{unit}/{tahun}", "500.16/0007/Kec.Cpt/2027"),
        ("{kode}/{nomor:1}/{unit}/{bulan}/{tahun}", "500.16/7/Kec.Cpt/1/2027"),
        ("{kode}/{nomor}/{bulan:02}/{tahun}", "500.16/007/01/2027"),
        ("{kode}/{ nomor }/{unit}/{bulan_romawi}/{tahun}", "500.16/007/Kec.Cpt/I/2027"),
        ("No. {nomor:3}-{unit}-{tahun}", "No. 007-Kec.Cpt-2027"),
    ],
)
def test_other_formats(number_format, expected):
    validate_number_format(number_format)
    assert format_number(number_format, kode="500.16", nomor=7, unit="Kec.Cpt", month=1, year=2027) == expected


def test_big_numbers_are_not_cut():
    assert format_number(DEFAULT_NUMBER_FORMAT, kode="470", nomor=1234, unit="X", month=3, year=2026) == (
        "470/1234/X/III/2026"
    )


def test_a_preview_has_no_running_number():
    assert format_number(DEFAULT_NUMBER_FORMAT, kode="470", nomor=None, unit="Kel.GP", month=12, year=2026) == (
        "470/.../Kel.GP/XII/2026"
    )


@pytest.mark.parametrize(
    ("number_format", "fragment"),
    [
        ("{kode}/{unit}/{tahun}", "harus memuat {nomor}"),
        ("{kode}/{nomor}/{unit}", "harus memuat {tahun}"),
        ("{kode}/{nomor}/{nomor}/{tahun}", "hanya boleh memuat {nomor} satu kali"),
        ("{kode}/{nmr}/{tahun}", "“{nmr}”"),
        ("{kode}/{nomor}/{tahun", "kurung kurawal"),
        ("{kode}/{nomor}}/{tahun}", "kurung kurawal"),
        ("{kode:03}/{nomor}/{tahun}", "{kode:03}"),
        ("", "format nomor"),
    ],
)
def test_unusable_formats_are_refused_in_indonesian(number_format, fragment):
    with pytest.raises(DomainError) as err:
        validate_number_format(number_format)
    assert fragment in str(err.value.message)
