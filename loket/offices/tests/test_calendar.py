"""The holiday calendar: the ``holidays`` package merged with admin rows, per office."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.offices import calendar
from loket.offices.factories import HolidayFactory, OfficeFactory, ensure_region
from loket.offices.models import HolidayKind

pytestmark = pytest.mark.django_db


def test_package_days_of_2026_in_indonesian():
    days = calendar.package_holidays(2026)
    assert days[dt.date(2026, 8, 17)] == (
        calendar.HolidayInfo("Hari Kemerdekaan Republik Indonesia", HolidayKind.NATIONAL),
    )
    assert days[dt.date(2026, 12, 24)] == (
        calendar.HolidayInfo("Cuti Bersama Hari Raya Natal", HolidayKind.CUTI_BERSAMA),
    )
    assert dt.date(2026, 9, 1) not in days


def test_package_lookup_is_cached_per_year():
    calendar.package_holidays.cache_clear()
    first = calendar.package_holidays(2027)
    assert calendar.package_holidays(2027) is first
    info = calendar.package_holidays.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_holiday_for_an_office():
    office = OfficeFactory()
    assert calendar.holiday_for(office, dt.date(2026, 8, 17)).name == "Hari Kemerdekaan Republik Indonesia"
    assert calendar.holiday_for(office, dt.date(2026, 8, 18)) is None
    cuti = calendar.holiday_for(office, dt.date(2026, 12, 24))
    assert (cuti.name, cuti.kind) == ("Cuti Bersama Hari Raya Natal", HolidayKind.CUTI_BERSAMA)


def test_office_open_on_cuti_bersama_keeps_national_holidays():
    office = OfficeFactory(closed_on_cuti_bersama=False)
    assert calendar.holiday_for(office, dt.date(2026, 12, 24)) is None
    assert calendar.holiday_for(office, dt.date(2026, 12, 25)).name == "Hari Raya Natal"
    HolidayFactory(date=dt.date(2026, 9, 1), kind=HolidayKind.CUTI_BERSAMA, name="Cuti tambahan")
    assert calendar.holiday_for(office, dt.date(2026, 9, 1)) is None
    assert calendar.holiday_for(OfficeFactory(), dt.date(2026, 9, 1)).name == "Cuti tambahan"


def test_national_name_wins_over_local_closure_on_the_same_day():
    office = OfficeFactory()
    HolidayFactory(date=dt.date(2026, 8, 17), kind=HolidayKind.LOCAL, region=None, name="Lomba 17-an")
    rows = calendar.admin_rows(dt.date(2026, 8, 17), dt.date(2026, 8, 17))
    names = [h.name for h in calendar.holidays_on(office, dt.date(2026, 8, 17), rows)]
    assert names == ["Hari Kemerdekaan Republik Indonesia", "Lomba 17-an"]


def test_cancellation_only_within_its_scope():
    office_tangsel = OfficeFactory()
    office_makassar = OfficeFactory(wita=True)
    HolidayFactory(date=dt.date(2026, 9, 1), kind=HolidayKind.LOCAL, region=None, name="Pilkada")
    HolidayFactory(
        date=dt.date(2026, 9, 1), kind=HolidayKind.LOCAL, region=ensure_region("36.74"), name="Batal", cancelled=True
    )
    assert calendar.holiday_for(office_tangsel, dt.date(2026, 9, 1)) is None
    assert calendar.holiday_for(office_makassar, dt.date(2026, 9, 1)).name == "Pilkada"


def test_region_scope_is_a_subtree_not_a_string_prefix():
    office = OfficeFactory(region_code="36.74.04")
    assert calendar.in_scope(office, "36.74")
    assert calendar.in_scope(office, "36.74.04")
    assert calendar.in_scope(office, None)
    assert not calendar.in_scope(office, "36.74.0")
    assert not calendar.in_scope(office, "36.7")
    assert not calendar.in_scope(office, "36.74.04.1003")


def test_holiday_for_queries(django_assert_num_queries):
    office = OfficeFactory()
    with django_assert_num_queries(1):
        calendar.holiday_for(office, dt.date(2026, 8, 17))
    rows = calendar.admin_rows(dt.date(2026, 8, 1), dt.date(2026, 8, 31))
    with django_assert_num_queries(0):
        calendar.holiday_for(office, dt.date(2026, 8, 17), rows=rows)


def test_every_package_national_holiday_closes_every_office():
    office = OfficeFactory(closed_on_cuti_bersama=False)

    known = sorted(d for year in (2025, 2026, 2027) for d in calendar.package_holidays(year))

    @settings(max_examples=60, deadline=None)
    @given(st.one_of(st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31)), st.sampled_from(known)))
    def check(day):
        package = calendar.package_holidays(day.year).get(day, ())
        found = calendar.holiday_for(office, day, rows=[])
        national = [i for i in package if i.kind == HolidayKind.NATIONAL]
        assert (found is not None) == bool(national)
        if found:
            assert found.kind == HolidayKind.NATIONAL

    check()
