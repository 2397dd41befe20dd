from datetime import date, timedelta

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from loket.regions.forms import KkField, NikField
from loket.regions.models import Region
from loket.regions.services import import_regions
from loket.regions.validators import (
    normalize_identity_number,
    parse_kk,
    parse_nik,
    validate_kk,
    validate_nik,
)

TODAY = date(2026, 11, 23)


@pytest.fixture
def regions(db):
    import_regions(prefixes=["36.74.04", "13.71.04", "36.02.04", "91.71.01"])


def error_of(func, value, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        func(value, **kwargs)
    return exc.value


@pytest.mark.parametrize(
    ("value", "kecamatan", "birth", "sex", "serial"),
    [
        ("3674041211870001", "36.74.04", date(1987, 11, 12), "L", "0001"),
        ("3674045508950002", "36.74.04", date(1995, 8, 15), "P", "0002"),  # day 55 = 15 + 40
        ("1371047105050003", "13.71.04", date(2005, 5, 31), "P", "0003"),  # 2005, never 1905
        ("3602041211870001", "36.02.04", date(1987, 11, 12), "L", "0001"),  # domain.md §1.1 example
        ("9171010101009999", "91.71.01", date(2000, 1, 1), "L", "9999"),
        ("3674-0412.1187 0001", "36.74.04", date(1987, 11, 12), "L", "0001"),  # separators as typed
    ],
)
def test_valid_nik_is_read_into_its_fields(regions, value, kecamatan, birth, sex, serial):
    info = parse_nik(value, today=TODAY)

    assert info.nik == normalize_identity_number(value)
    assert info.province_code == kecamatan[:2]
    assert info.kabkota_code == kecamatan[:5]
    assert info.kecamatan_code == kecamatan
    assert (info.birth_date, info.sex, info.serial) == (birth, sex, serial)
    assert info.is_female == (sex == "P")


def test_century_puts_the_birth_in_the_past(regions):
    assert parse_nik("3674041506260001", today=TODAY).birth_date == date(2026, 6, 15)
    assert parse_nik("3674042311260001", today=TODAY).birth_date == date(2026, 11, 23)  # born today
    assert parse_nik("3674042411260001", today=TODAY).birth_date == date(1926, 11, 24)  # tomorrow -> 1926
    assert parse_nik("3674042902000001", today=TODAY).birth_date == date(2000, 2, 29)


def test_default_today_is_the_local_date(regions):
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)

    assert parse_nik(f"367404{today:%d%m%y}0001").birth_date == today
    assert parse_nik(f"367404{tomorrow:%d%m%y}0001").birth_date.year == tomorrow.year - 100


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("", "required", "Masukkan NIK: 16 digit."),
        ("36740412118700", "length", "Isian NIK harus tepat 16 digit; Anda memasukkan 14 digit."),
        ("36740412118700011", "length", "Isian NIK harus tepat 16 digit; Anda memasukkan 17 digit."),
        ("3674O41211870001", "not_digits", "NIK hanya boleh berisi angka 0–9"),
        ("0674041211870001", "leading_zero", "NIK tidak boleh diawali angka 0"),
        ("2074041211870001", "unknown_province", "Dua digit pertama NIK (20) bukan kode provinsi"),
        ("3699041211870001", "unknown_kabkota", "kode kabupaten/kota 36.99 yang tidak terdaftar"),
        ("3674991211870001", "unknown_kecamatan", "kode kecamatan 36.74.99 yang tidak terdaftar"),
        ("3674040011870001", "birth_day", "Digit 7–8 NIK (00) bukan tanggal lahir"),
        ("3674043511870001", "birth_day", "perempuan ditulis tanggal ditambah 40 (41 sampai 71)"),
        ("3674047211870001", "birth_day", "Digit 7–8 NIK (72)"),
        ("3674041213870001", "birth_month", "Digit 9–10 NIK (13) bukan bulan lahir"),
        ("3674041200870001", "birth_month", "gunakan 01 sampai 12"),
        ("3674043102870001", "birth_date", "tanggal 31 bulan 02 tidak ada"),
        ("3674047102870001", "birth_date", "untuk perempuan tanggal ditulis ditambah 40"),
        ("3674042902870001", "birth_date", "tanggal 29 bulan 02 tidak ada"),
        ("3674041211870000", "serial_zero", "Empat digit terakhir NIK (nomor urut) tidak boleh 0000."),
    ],
)
def test_invalid_nik_says_what_is_wrong_in_indonesian(regions, value, code, message):
    error = error_of(parse_nik, value, today=TODAY)

    assert error.code == code
    assert message in error.messages[0]


def test_nik_of_a_retired_kecamatan_is_still_valid(regions):
    Region.objects.filter(code="36.74.04").update(is_current=False)

    assert parse_nik("3674041211870001", today=TODAY).kecamatan_code == "36.74.04"


def test_valid_kk_is_read_into_its_fields(regions):
    info = parse_kk("3674 0415 0323 0007", today=TODAY)

    assert (info.kk, info.kecamatan_code, info.recorded_on, info.serial) == (
        "3674041503230007",
        "36.74.04",
        date(2023, 3, 15),
        "0007",
    )


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("367404150323", "length", "Isian nomor KK harus tepat 16 digit; Anda memasukkan 12 digit."),
        ("0674041503230007", "leading_zero", "Isian nomor KK tidak boleh diawali angka 0"),
        ("3674991503230007", "unknown_kecamatan", "kode kecamatan 36.74.99 yang tidak terdaftar"),
        ("3674043102230007", "recorded_date", "harus tanggal pencatatan berbentuk DDMMYY"),
        ("3674045503230007", "recorded_date", "(550323)"),
        ("3674040112260007", "recorded_future", "tanggal pencatatan 01-12-2026, yang belum terjadi"),
        ("3674041503230000", "serial_zero", "Empat digit terakhir nomor KK (nomor urut) tidak boleh 0000."),
    ],
)
def test_invalid_kk_says_what_is_wrong_in_indonesian(regions, value, code, message):
    error = error_of(parse_kk, value, today=TODAY)

    assert error.code == code
    assert message in error.messages[0]


def test_django_validators_raise_the_same_errors(regions):
    validate_nik("3674041211870001")
    validate_kk("3674041503230007")
    assert error_of(validate_nik, "3674041211870000").code == "serial_zero"
    assert error_of(validate_kk, "3674041503230000").code == "serial_zero"


class IdentityForm(forms.Form):
    nik = NikField()
    kk = KkField(required=False)


def test_form_fields_normalise_and_report_indonesian_errors(regions):
    form = IdentityForm(data={"nik": " 3674.0412.1187.0001 ", "kk": "3674-0415-0323-0007"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"nik": "3674041211870001", "kk": "3674041503230007"}

    bad = IdentityForm(data={"nik": "3674041211870000", "kk": ""})
    assert not bad.is_valid()
    assert bad.errors["nik"] == ["Empat digit terakhir NIK (nomor urut) tidak boleh 0000."]

    empty = IdentityForm(data={"nik": ""})
    assert not empty.is_valid()
    assert empty.errors["nik"] == ["Bidang ini tidak boleh kosong."]
    html = str(IdentityForm()["nik"])
    assert 'inputmode="numeric"' in html


def test_today_matters_only_through_the_argument(regions):
    # a birth "tomorrow" in 20YY is read as 19YY; with a later today it is 20YY
    tomorrow = TODAY + timedelta(days=1)
    value = f"367404{tomorrow:%d%m%y}0001"
    assert parse_nik(value, today=TODAY).birth_date.year == 1926
    assert parse_nik(value, today=tomorrow).birth_date.year == 2026
