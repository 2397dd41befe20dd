"""The schedule selector: open or closed at instants given in UTC, for offices in WIB, WITA and WIT."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.offices import selectors
from loket.offices.factories import (
    CounterFactory,
    HolidayFactory,
    OfficeFactory,
    ScheduleExceptionFactory,
    add_rules,
    ensure_region,
)
from loket.offices.models import Day, HolidayKind
from loket.offices.tests.conftest import make_officer

pytestmark = pytest.mark.django_db

UTC = dt.UTC
ZONES = {"wib": ("Asia/Jakarta", 7), "wita": ("Asia/Makassar", 8), "wit": ("Asia/Jayapura", 9)}


def utc(y, m, d, hh, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=UTC)


def at_local(zone_key: str, y, m, d, hh, mm=0) -> dt.datetime:
    """The UTC instant of a local wall-clock time, computed by hand (not with zoneinfo)."""
    offset = ZONES[zone_key][1]
    return dt.datetime(y, m, d, hh, mm, tzinfo=UTC) - dt.timedelta(hours=offset)


def office_in(zone_key: str, **kwargs):
    return OfficeFactory(**{zone_key: True} if zone_key != "wib" else {}, **kwargs)


def hours(sessions):
    return [(s.start.strftime("%H:%M"), s.end.strftime("%H:%M")) for s in sessions]


@pytest.mark.parametrize("zone_key", ["wib", "wita", "wit"])
class TestEachTimeZone:
    def test_weekday_hours_at_utc_instants(self, zone_key):
        office = office_in(zone_key, with_weekday_hours=True)
        assert office.timezone == ZONES[zone_key][0]
        # Monday 7 September 2026, local times
        assert not selectors.is_open_at(office, at_local(zone_key, 2026, 9, 7, 7, 59))
        assert selectors.is_open_at(office, at_local(zone_key, 2026, 9, 7, 8, 0))
        assert selectors.is_open_at(office, at_local(zone_key, 2026, 9, 7, 15, 59))
        assert not selectors.is_open_at(office, at_local(zone_key, 2026, 9, 7, 16, 0))
        # Saturday: closed all day
        assert not selectors.is_open_at(office, at_local(zone_key, 2026, 9, 12, 10, 0))

    def test_sessions_are_aware_in_the_office_zone(self, zone_key):
        office = office_in(zone_key, with_weekday_hours=True)
        (session,) = selectors.sessions_on(office, dt.date(2026, 9, 7))
        assert session.start.utcoffset() == dt.timedelta(hours=ZONES[zone_key][1])
        assert session.start == at_local(zone_key, 2026, 9, 7, 8)
        assert session.end == at_local(zone_key, 2026, 9, 7, 16)

    def test_friday_evening_session_besides_day_hours(self, zone_key):
        office = office_in(zone_key, with_weekday_hours=True, with_friday_evening=True)
        friday = dt.date(2026, 9, 11)
        assert hours(selectors.sessions_on(office, friday)) == [("08:00", "16:00"), ("19:00", "22:00")]
        assert not selectors.is_open_at(office, at_local(zone_key, 2026, 9, 11, 17, 0))
        assert selectors.is_open_at(office, at_local(zone_key, 2026, 9, 11, 19, 30))
        assert not selectors.is_open_at(office, at_local(zone_key, 2026, 9, 11, 22, 0))
        # Only on Fridays
        assert not selectors.is_open_at(office, at_local(zone_key, 2026, 9, 10, 19, 30))
        status = selectors.office_status(office, at_local(zone_key, 2026, 9, 11, 17, 0))
        assert not status.is_open
        assert status.next.start == at_local(zone_key, 2026, 9, 11, 19, 0)
        assert status.next.label == "Layanan malam Jumat"

    def test_session_past_midnight(self, zone_key):
        office = office_in(zone_key)
        add_rules(office, [Day.SATURDAY], "20:00", "02:00", "Layanan malam")
        saturday, sunday = dt.date(2026, 9, 12), dt.date(2026, 9, 13)
        (session,) = selectors.sessions_on(office, saturday)
        assert session.end.date() == sunday
        assert selectors.sessions_on(office, sunday) == []
        assert selectors.is_open_at(office, at_local(zone_key, 2026, 9, 12, 23, 59))
        assert selectors.is_open_at(office, at_local(zone_key, 2026, 9, 13, 1, 0))
        assert not selectors.is_open_at(office, at_local(zone_key, 2026, 9, 13, 2, 0))
        assert selectors.current_session(office, at_local(zone_key, 2026, 9, 13, 1, 0)) == session

    def test_national_holiday_closes(self, zone_key):
        office = office_in(zone_key, with_weekday_hours=True)
        # 17 August 2026 is a Monday: Hari Kemerdekaan
        assert selectors.sessions_on(office, dt.date(2026, 8, 17)) == []
        assert not selectors.is_open_at(office, at_local(zone_key, 2026, 8, 17, 10))
        status = selectors.office_status(office, at_local(zone_key, 2026, 8, 17, 10))
        assert status.holiday_name == "Hari Kemerdekaan Republik Indonesia"
        assert status.next.start == at_local(zone_key, 2026, 8, 18, 8)

    def test_next_opening_across_a_holiday_weekend(self, zone_key):
        office = office_in(zone_key, with_weekday_hours=True)
        # Friday 14 Aug after closing -> Sat, Sun closed, Mon 17 Aug holiday -> Tuesday 08:00
        nxt = selectors.next_opening(office, at_local(zone_key, 2026, 8, 14, 16, 30))
        assert nxt.start == at_local(zone_key, 2026, 8, 18, 8)
        assert nxt.start.strftime("%A %H:%M") == "Tuesday 08:00"


def test_local_date_differs_from_utc_date():
    wit = OfficeFactory(wit=True, with_weekday_hours=True)
    wib = OfficeFactory(with_weekday_hours=True)
    instant = utc(2026, 9, 6, 23, 30)  # Sunday in UTC; Monday 08:30 in WIT, Monday 06:30 in WIB
    assert selectors.local_today(wit, instant) == dt.date(2026, 9, 7)
    assert selectors.is_open_at(wit, instant)
    assert not selectors.is_open_at(wib, instant)
    status = selectors.office_status(wit, instant)
    assert status.local_now.strftime("%Y-%m-%d %H:%M") == "2026-09-07 08:30"
    assert selectors.next_opening(wib, instant).start == dt.datetime(2026, 9, 7, 8, tzinfo=ZoneInfo("Asia/Jakarta"))


def test_any_zone_instant_gives_the_same_answer():
    office = OfficeFactory(wita=True, with_weekday_hours=True)
    instant = dt.datetime(2026, 9, 7, 9, 0, tzinfo=ZoneInfo("Asia/Makassar"))
    assert selectors.is_open_at(office, instant)
    assert selectors.is_open_at(office, instant.astimezone(ZoneInfo("Asia/Jayapura")))
    assert selectors.is_open_at(office, instant.astimezone(UTC))


def test_naive_instant_is_refused():
    office = OfficeFactory(with_weekday_hours=True)
    with pytest.raises(ValueError):
        selectors.is_open_at(office, dt.datetime(2026, 9, 7, 9, 0))  # noqa: DTZ001


def test_next_opening_is_strictly_after_the_instant():
    office = OfficeFactory(with_weekday_hours=True)
    during = at_local("wib", 2026, 9, 7, 9)
    assert selectors.is_open_at(office, during)
    assert selectors.next_opening(office, during).start == at_local("wib", 2026, 9, 8, 8)
    before = at_local("wib", 2026, 9, 7, 7)
    assert selectors.next_opening(office, before).start == at_local("wib", 2026, 9, 7, 8)
    status = selectors.office_status(office, during)
    assert status.current.start == at_local("wib", 2026, 9, 7, 8)


def test_next_opening_none_within_horizon():
    office = OfficeFactory()  # no rules at all
    assert selectors.next_opening(office, utc(2026, 9, 7, 0), horizon_days=10) is None


class TestHolidays:
    def test_sunday_and_holiday_sessions_cikarang_utara_style(self):
        office = OfficeFactory(
            region_code="32.16.09", with_weekday_hours=True, with_holiday_session=True, name="Kecamatan Cikarang Utara"
        )
        # Monday 17 August 2026: the holiday session replaces the weekday hours
        day = selectors.day_schedule(office, dt.date(2026, 8, 17))
        assert hours(day.sessions) == [("09:00", "11:00")]
        assert day.holiday_name == "Hari Kemerdekaan Republik Indonesia"
        assert selectors.is_open_at(office, at_local("wib", 2026, 8, 17, 10))
        assert not selectors.is_open_at(office, at_local("wib", 2026, 8, 17, 13))
        # Sunday 16 August: Sunday session
        assert hours(selectors.sessions_on(office, dt.date(2026, 8, 16))) == [("09:00", "11:00")]
        # Saturday: closed
        assert selectors.sessions_on(office, dt.date(2026, 8, 15)) == []

    def test_cuti_bersama_closes_unless_office_opts_out(self):
        closes = OfficeFactory(with_weekday_hours=True)
        stays_open = OfficeFactory(with_weekday_hours=True, closed_on_cuti_bersama=False)
        christmas_eve = dt.date(2026, 12, 24)  # Thursday, cuti bersama Natal
        day = selectors.day_schedule(closes, christmas_eve)
        assert day.sessions == []
        assert day.holiday_name == "Cuti Bersama Hari Raya Natal"
        assert hours(selectors.sessions_on(stays_open, christmas_eve)) == [("08:00", "16:00")]
        # Christmas itself closes both
        assert selectors.sessions_on(stays_open, dt.date(2026, 12, 25)) == []

    def test_admin_cancelled_holiday_reopens(self):
        office = OfficeFactory(with_weekday_hours=True)
        HolidayFactory(date=dt.date(2026, 12, 24), kind=HolidayKind.CUTI_BERSAMA, name="Dibatalkan", cancelled=True)
        HolidayFactory(date=dt.date(2026, 8, 17), kind=HolidayKind.NATIONAL, name="Dibatalkan", cancelled=True)
        assert hours(selectors.sessions_on(office, dt.date(2026, 12, 24))) == [("08:00", "16:00")]
        assert hours(selectors.sessions_on(office, dt.date(2026, 8, 17))) == [("08:00", "16:00")]
        # A cancelled cuti bersama leaves the national holiday of another date alone
        assert selectors.sessions_on(office, dt.date(2026, 12, 25)) == []

    def test_admin_added_national_day(self):
        office = OfficeFactory(wita=True, with_weekday_hours=True)
        HolidayFactory(date=dt.date(2026, 9, 1), kind=HolidayKind.NATIONAL, name="Hari Libur Tambahan")
        day = selectors.day_schedule(office, dt.date(2026, 9, 1))
        assert day.sessions == []
        assert day.holiday_name == "Hari Libur Tambahan"

    def test_local_closure_only_for_its_region_subtree(self):
        tangsel = ensure_region("36.74")
        ciputat = OfficeFactory(with_weekday_hours=True)  # 36.74.04
        kelurahan = OfficeFactory(kelurahan=True, with_weekday_hours=True)  # 36.74.04.1003
        bekasi = OfficeFactory(region_code="32.75.01", with_weekday_hours=True)
        HolidayFactory(date=dt.date(2026, 9, 1), kind=HolidayKind.LOCAL, region=tangsel, name="Hari Jadi Tangsel")
        assert selectors.day_schedule(ciputat, dt.date(2026, 9, 1)).holiday_name == "Hari Jadi Tangsel"
        assert selectors.sessions_on(ciputat, dt.date(2026, 9, 1)) == []
        assert selectors.sessions_on(kelurahan, dt.date(2026, 9, 1)) == []
        assert hours(selectors.sessions_on(bekasi, dt.date(2026, 9, 1))) == [("08:00", "16:00")]
        # the next day is a normal day again
        assert hours(selectors.sessions_on(ciputat, dt.date(2026, 9, 2))) == [("08:00", "16:00")]

    def test_local_closure_of_a_kecamatan_spares_its_neighbour(self):
        pamulang = OfficeFactory(region_code="36.74.06", with_weekday_hours=True)
        ciputat = OfficeFactory(with_weekday_hours=True)
        HolidayFactory(date=dt.date(2026, 9, 1), region=ensure_region("36.74.04"), name="Banjir")
        assert selectors.sessions_on(ciputat, dt.date(2026, 9, 1)) == []
        assert hours(selectors.sessions_on(pamulang, dt.date(2026, 9, 1))) == [("08:00", "16:00")]

    def test_local_closure_everywhere(self):
        offices = [OfficeFactory(with_weekday_hours=True), OfficeFactory(wit=True, with_weekday_hours=True)]
        HolidayFactory(date=dt.date(2026, 9, 1), region=None, name="Pilkada serentak")
        for office in offices:
            assert selectors.sessions_on(office, dt.date(2026, 9, 1)) == []


class TestExceptions:
    def test_closure(self):
        office = OfficeFactory(with_weekday_hours=True)
        ScheduleExceptionFactory(office=office, date=dt.date(2026, 9, 8), is_closed=True, reason="Rapat dinas")
        day = selectors.day_schedule(office, dt.date(2026, 9, 8))
        assert day.sessions == []
        assert day.exception_reason == "Rapat dinas"
        assert not selectors.is_open_at(office, at_local("wib", 2026, 9, 8, 10))
        assert selectors.next_opening(office, at_local("wib", 2026, 9, 8, 10)).start == at_local("wib", 2026, 9, 9, 8)

    def test_special_opening_on_saturday(self):
        office = OfficeFactory(wita=True, with_weekday_hours=True)
        ScheduleExceptionFactory(
            office=office,
            date=dt.date(2026, 9, 12),
            is_closed=False,
            reason="Layanan akhir pekan",
            sessions=[("08:00", "12:00", "Jemput bola")],
        )
        assert selectors.is_open_at(office, at_local("wita", 2026, 9, 12, 10))
        assert not selectors.is_open_at(office, at_local("wita", 2026, 9, 12, 12))
        assert selectors.sessions_on(office, dt.date(2026, 9, 12))[0].label == "Jemput bola"
        # From Friday evening, the next opening is that Saturday
        nxt = selectors.next_opening(office, at_local("wita", 2026, 9, 11, 18))
        assert nxt.start == at_local("wita", 2026, 9, 12, 8)

    def test_changed_hours(self):
        office = OfficeFactory(wit=True, with_weekday_hours=True)
        ScheduleExceptionFactory(
            office=office, date=dt.date(2026, 9, 9), is_closed=False, reason="Jam diubah", sessions=[("10:00", "14:00")]
        )
        assert not selectors.is_open_at(office, at_local("wit", 2026, 9, 9, 9))
        assert selectors.is_open_at(office, at_local("wit", 2026, 9, 9, 13))
        assert not selectors.is_open_at(office, at_local("wit", 2026, 9, 9, 15))

    def test_exception_beats_holiday(self):
        office = OfficeFactory(with_weekday_hours=True)
        ScheduleExceptionFactory(
            office=office,
            date=dt.date(2026, 8, 17),
            is_closed=False,
            reason="Pelayanan HUT RI",
            sessions=[("13:00", "15:00")],
        )
        day = selectors.day_schedule(office, dt.date(2026, 8, 17))
        assert hours(day.sessions) == [("13:00", "15:00")]
        assert day.holiday_name == "Hari Kemerdekaan Republik Indonesia"
        assert day.exception_reason == "Pelayanan HUT RI"

    def test_exception_session_past_midnight(self):
        office = OfficeFactory(with_weekday_hours=True)
        ScheduleExceptionFactory(
            office=office, date=dt.date(2026, 9, 12), is_closed=False, reason="Malam", sessions=[("21:00", "01:00")]
        )
        assert selectors.is_open_at(office, at_local("wib", 2026, 9, 13, 0, 30))
        assert not selectors.is_open_at(office, at_local("wib", 2026, 9, 13, 1, 0))


class TestActiveRange:
    def test_event_office_only_open_in_its_date_range(self):
        office = OfficeFactory(event=True, active_from=dt.date(2026, 9, 5), active_until=dt.date(2026, 9, 6))
        add_rules(office, [Day.SATURDAY, Day.SUNDAY], "08:00", "15:00", "BOTRAM")
        assert selectors.is_open_at(office, at_local("wib", 2026, 9, 5, 10))
        assert selectors.is_open_at(office, at_local("wib", 2026, 9, 6, 10))
        assert not selectors.is_open_at(office, at_local("wib", 2026, 8, 29, 10))
        assert not selectors.is_open_at(office, at_local("wib", 2026, 9, 12, 10))
        assert selectors.next_opening(office, at_local("wib", 2026, 8, 29, 10)).start == at_local("wib", 2026, 9, 5, 8)
        assert selectors.next_opening(office, at_local("wib", 2026, 9, 6, 16)) is None

    def test_inactive_office_never_opens(self):
        office = OfficeFactory(with_weekday_hours=True, is_active=False)
        assert selectors.sessions_on(office, dt.date(2026, 9, 7)) == []
        assert selectors.next_opening(office, utc(2026, 9, 7, 0)) is None

    def test_rule_validity_dates(self):
        office = OfficeFactory()
        add_rules(office, [Day.MONDAY], "08:00", "16:00", valid_until=dt.date(2026, 9, 13))
        add_rules(office, [Day.MONDAY], "08:00", "12:00", "Jam baru", valid_from=dt.date(2026, 9, 14))
        assert hours(selectors.sessions_on(office, dt.date(2026, 9, 7))) == [("08:00", "16:00")]
        assert hours(selectors.sessions_on(office, dt.date(2026, 9, 14))) == [("08:00", "12:00")]


class TestQueryCounts:
    def test_week_schedule_queries_do_not_grow_with_days(self, django_assert_max_num_queries):
        office = OfficeFactory(with_weekday_hours=True, with_friday_evening=True)
        ScheduleExceptionFactory(
            office=office, date=dt.date(2026, 9, 8), is_closed=False, sessions=[("09:00", "10:00")]
        )
        ScheduleExceptionFactory(office=office, date=dt.date(2026, 9, 9), is_closed=True)
        with django_assert_max_num_queries(4):
            week = selectors.week_schedule(office, dt.date(2026, 9, 7), days=28)
        assert len(week) == 28
        assert [d.date for d in week[:2]] == [dt.date(2026, 9, 7), dt.date(2026, 9, 8)]
        assert hours(week[1].sessions) == [("09:00", "10:00")]
        assert week[2].is_closed

    def test_status_and_many_statuses(self, django_assert_max_num_queries):
        offices = [OfficeFactory(with_weekday_hours=True), OfficeFactory(wit=True, with_weekday_hours=True)]
        instant = utc(2026, 9, 7, 0, 30)  # 07:30 WIB, 09:30 WIT
        with django_assert_max_num_queries(4):
            selectors.office_status(offices[0], instant)
        with django_assert_max_num_queries(4):
            statuses = selectors.office_statuses(offices, instant)
        assert not statuses[offices[0].pk].is_open
        assert statuses[offices[1].pk].is_open


def _reference_open(local: dt.datetime) -> bool:
    """Hours written out by hand: Mon-Fri 08-16, Saturday 20:00 to Sunday 02:00."""
    minutes = local.hour * 60 + local.minute
    wd = local.weekday()
    return (wd < 5 and 8 * 60 <= minutes < 16 * 60) or (wd == 5 and minutes >= 20 * 60) or (wd == 6 and minutes < 120)


def test_matches_hand_written_hours_at_any_instant():
    office = OfficeFactory(wit=True, with_weekday_hours=True)
    add_rules(office, [Day.SATURDAY], "20:00", "02:00")
    zone = ZoneInfo("Asia/Jayapura")
    # September to November 2026 hold no Indonesian holiday.
    start = utc(2026, 9, 1, 0)

    # Local minutes of the day, biased towards the edges of the sessions (in UTC-free local terms).
    edges = [0, 1, 119, 120, 479, 480, 959, 960, 1199, 1200, 1439]
    minute_of_day = st.one_of(st.sampled_from(edges), st.integers(min_value=0, max_value=24 * 60 - 1))

    @settings(max_examples=200, deadline=None)
    @given(st.integers(min_value=0, max_value=80), minute_of_day)
    def check(day, minute):
        # 15:00 UTC is local midnight in WIT (UTC+9).
        instant = start + dt.timedelta(days=day, hours=-9, minutes=minute)
        expected = _reference_open(instant.astimezone(zone))
        status = selectors.office_status(office, instant, horizon_days=7)
        assert status.is_open == expected
        assert selectors.is_open_at(office, instant) == expected
        assert status.next is not None and status.next.start > instant
        assert _reference_open(status.next.start.astimezone(zone))

    check()


# --- finding offices, exceptions and holidays -----------------------------------------------


def test_an_office_closed_down_is_found_only_for_the_pages_that_manage_it():
    closed = OfficeFactory(is_active=False)
    assert selectors.office_by_slug(closed.slug) is None
    assert selectors.any_office_by_slug(closed.slug) == closed
    assert selectors.any_office_by_slug("tidak-ada") is None


def test_active_counters_are_counted_from_the_loaded_office():
    office = OfficeFactory()
    CounterFactory(office=office)
    CounterFactory(office=office)
    CounterFactory(office=office, is_active=False)
    assert selectors.active_counter_count(selectors.office_by_slug(office.slug)) == 2


def test_offices_in_a_region_come_in_directory_order():
    later = OfficeFactory(region_code="36.74.05", name="A")
    first = OfficeFactory(region_code="36.74.04", name="Z")
    second = OfficeFactory(region_code="36.74.04.1003", name="B")
    OfficeFactory(region_code="32.75.01")
    assert list(selectors.offices_in_region("36.74")) == [first, second, later]


def test_an_exception_is_found_only_at_its_own_office():
    exception = ScheduleExceptionFactory()
    assert selectors.exception_at(exception.office, exception.pk) == exception
    assert selectors.exception_at(OfficeFactory(), exception.pk) is None
    assert selectors.exception_at(exception.office, None) is None


def test_the_holiday_year_lists_package_days_admin_rows_and_the_actors_local_closures():
    ensure_region("36.74")
    ensure_region("32.75")
    own = HolidayFactory(date=dt.date(2026, 11, 26), region_id="36.74")
    other_city = HolidayFactory(date=dt.date(2026, 11, 27), region_id="32.75")
    added = HolidayFactory(date=dt.date(2026, 12, 31), kind=HolidayKind.NATIONAL, name="Tambahan")
    city_admin = make_officer("city_admin", region=ensure_region("36.74"))
    year = selectors.holiday_year_for(city_admin, 2026)
    assert year.local_rows == [own]
    assert any(line.from_package and line.date == dt.date(2026, 8, 17) for line in year.national_lines)
    added_line = next(line for line in year.national_lines if line.row == added)
    assert not added_line.removable  # a national row is a system admin's
    assert selectors.holiday_year_for(make_officer("system_admin"), 2026).local_rows == [own, other_city]
    assert selectors.holiday_by_id(own.pk) == own
    assert selectors.holiday_by_id(None) is None
