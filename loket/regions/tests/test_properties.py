"""Property-based tests: any well-formed NIK over a real kecamatan parses back to its fields;
any mutation into an impossible day, month, serial or length is rejected."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loket.regions.services import import_regions
from loket.regions.validators import normalize_identity_number, parse_kk, parse_nik

TODAY = date(2026, 11, 23)
KECAMATAN = ["36.74.04", "36.74.01", "13.71.04", "32.16.09", "33.76.02", "91.71.01"]

pytestmark = pytest.mark.django_db
fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150, deadline=None)


@pytest.fixture
def regions(db):
    import_regions(prefixes=KECAMATAN)


def make_nik(kecamatan: str, born: date, female: bool, serial: int) -> str:
    day = born.day + (40 if female else 0)
    return f"{kecamatan.replace('.', '')}{day:02d}{born:%m%y}{serial:04d}"


births = st.dates(min_value=date(TODAY.year - 99, 1, 1), max_value=TODAY)
niks = st.builds(
    make_nik,
    st.sampled_from(KECAMATAN),
    births,
    st.booleans(),
    st.integers(min_value=1, max_value=9999),
)


@fixture_ok
@given(kecamatan=st.sampled_from(KECAMATAN), born=births, female=st.booleans(), serial=st.integers(1, 9999))
def test_generated_valid_nik_parses_back(regions, kecamatan, born, female, serial):
    info = parse_nik(make_nik(kecamatan, born, female, serial), today=TODAY)

    assert info.kecamatan_code == kecamatan
    assert info.birth_date == born
    assert info.sex == ("P" if female else "L")
    assert info.serial == f"{serial:04d}"


def _with(nik: str, start: int, text: str) -> str:
    return nik[:start] + text + nik[start + len(text) :]


bad_days = st.sampled_from([0, *range(32, 41), *range(72, 100)])


@fixture_ok
@given(nik=niks, day=bad_days)
def test_impossible_day_is_rejected(regions, nik, day):
    with pytest.raises(ValidationError) as exc:
        parse_nik(_with(nik, 6, f"{day:02d}"), today=TODAY)
    assert exc.value.code == "birth_day"


@fixture_ok
@given(nik=niks, month=st.sampled_from([0, *range(13, 100)]))
def test_impossible_month_is_rejected(regions, nik, month):
    with pytest.raises(ValidationError) as exc:
        parse_nik(_with(nik, 8, f"{month:02d}"), today=TODAY)
    assert exc.value.code == "birth_month"


@fixture_ok
@given(
    nik=niks, female=st.booleans(), month_day=st.sampled_from([(2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31)])
)
def test_day_that_does_not_exist_in_its_month_is_rejected(regions, nik, female, month_day):
    month, day = month_day
    mutated = _with(nik, 6, f"{day + (40 if female else 0):02d}{month:02d}")
    with pytest.raises(ValidationError) as exc:
        parse_nik(mutated, today=TODAY)
    assert exc.value.code == "birth_date"


@fixture_ok
@given(nik=niks)
def test_zero_serial_is_rejected(regions, nik):
    with pytest.raises(ValidationError) as exc:
        parse_nik(nik[:12] + "0000", today=TODAY)
    assert exc.value.code == "serial_zero"


@fixture_ok
@given(nik=niks, cut=st.integers(1, 15), extra=st.text(alphabet="0123456789", min_size=1, max_size=5))
def test_wrong_length_is_rejected(regions, nik, cut, extra):
    for wrong in (nik[:cut], nik + extra):
        with pytest.raises(ValidationError) as exc:
            parse_nik(wrong, today=TODAY)
        assert exc.value.code == "length"


@given(st.text())
def test_normalisation_is_idempotent(value):
    once = normalize_identity_number(value)
    assert normalize_identity_number(once) == once
    assert not any(ch in once for ch in " .-\t\n")


@given(
    digits=st.text(alphabet="0123456789", min_size=16, max_size=16),
    seps=st.lists(st.sampled_from([" ", ".", "-", "  ", " - "]), min_size=15, max_size=15),
)
def test_separators_people_type_are_removed(digits, seps):
    typed = "".join(d + s for d, s in zip(digits, [*seps, ""], strict=True))
    assert normalize_identity_number(typed) == digits


@fixture_ok
@given(
    kecamatan=st.sampled_from(KECAMATAN),
    recorded=st.dates(min_value=date(2000, 1, 1), max_value=TODAY),
    serial=st.integers(1, 9999),
)
def test_generated_valid_kk_parses_back(regions, kecamatan, recorded, serial):
    kk = f"{kecamatan.replace('.', '')}{recorded:%d%m%y}{serial:04d}"

    info = parse_kk(kk, today=TODAY)

    assert (info.kecamatan_code, info.recorded_on, info.serial) == (kecamatan, recorded, f"{serial:04d}")


@fixture_ok
@given(recorded=st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2099, 12, 31)))
def test_kk_recorded_in_the_future_is_rejected(regions, recorded):
    with pytest.raises(ValidationError) as exc:
        parse_kk(f"367404{recorded:%d%m%y}0001", today=TODAY)
    assert exc.value.code == "recorded_future"
