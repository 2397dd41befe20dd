"""The staff page where an office admin manages the hours of their office."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from loket.audit.models import AuditEntry
from loket.core import clock
from loket.offices.factories import OfficeFactory, ScheduleExceptionFactory, add_rules, ensure_region
from loket.offices.forms import format_sessions, parse_day
from loket.offices.models import Day, OpeningRule, ScheduleException
from loket.offices.tests.conftest import make_officer
from loket.offices.views.staff import rules_version

pytestmark = pytest.mark.django_db

# Friday 4 September 2026, 10:00 WIB
NOW = dt.datetime(2026, 9, 4, 3, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def office():
    return OfficeFactory(name="Kantor Kecamatan Ciputat", slug="kecamatan-ciputat", with_weekday_hours=True)


@pytest.fixture
def admin(office):
    return make_officer("office_admin", office=office)


def url(office):
    return reverse("offices:manage_hours", kwargs={"slug": office.slug})


def post_exception(client, office, **fields):
    data = {"date": "2026-09-12", "mode": "open", "reason": "Layanan akhir pekan"}
    data.update(fields)
    return client.post(url(office), data)


def test_admin_sees_the_week_in_indonesian(client, office, admin):
    ScheduleExceptionFactory(office=office, date=dt.date(2026, 9, 8), is_closed=True, reason="Rapat dinas")
    client.force_login(admin)
    response = client.get(url(office))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jam buka Kantor Kecamatan Ciputat" in html
    assert "Jumat, 4 September 2026" in html
    assert "08.00–16.00" in html
    assert "Tutup" in html
    assert "Rapat dinas" in html
    assert "Tutup sepanjang hari" in html  # the form choice and the exception listed


def test_anonymous_is_sent_to_login(client, office):
    response = client.get(url(office))
    assert response.status_code == 302


def test_admin_of_another_office_gets_403(client, office):
    other_admin = make_officer("office_admin", office=OfficeFactory())
    client.force_login(other_admin)
    assert client.get(url(office)).status_code == 403
    assert post_exception(client, office, mode="closed").status_code == 403
    assert not ScheduleException.objects.exists()


def test_petugas_of_the_office_gets_403(client, office):
    client.force_login(make_officer("petugas_loket", office=office))
    assert client.get(url(office)).status_code == 403


def test_city_admin_of_another_city_gets_403_and_own_city_passes(client, office):
    client.force_login(make_officer("city_admin", region=ensure_region("32.75")))
    assert client.get(url(office)).status_code == 403
    client.force_login(make_officer("city_admin", region=ensure_region("36.74")))
    assert client.get(url(office)).status_code == 200


def test_add_special_opening_on_saturday(client, office, admin):
    client.force_login(admin)
    response = post_exception(client, office, opens_1="08:00", closes_1="12:00", label_1="Jemput bola")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Tersimpan" in page
    exception = ScheduleException.objects.get(office=office, date=dt.date(2026, 9, 12))
    assert [(s.opens, s.closes) for s in exception.sessions.all()] == [(dt.time(8), dt.time(12))]
    assert AuditEntry.objects.filter(action="offices.exception.set", actor=admin).count() == 1
    # it shows in next week's schedule
    page = client.get(url(office) + "?mulai=2026-09-11").content.decode()
    assert "Sabtu, 12 September 2026" in page and "Jemput bola" in page


def test_add_closure(client, office, admin):
    client.force_login(admin)
    response = post_exception(client, office, date="2026-09-07", mode="closed", reason="Rapat dinas")
    assert response.status_code == 302
    assert ScheduleException.objects.get(office=office, date=dt.date(2026, 9, 7)).is_closed


def test_bad_input_gets_an_indonesian_message_and_keeps_the_input(client, office, admin):
    client.force_login(admin)
    response = post_exception(client, office, opens_1="08:00", closes_1="12:00", opens_2="11:00", closes_2="14:00")
    assert response.status_code == 400
    html = response.content.decode()
    assert "bertumpuk" in html
    assert 'value="Layanan akhir pekan"' in html
    assert not ScheduleException.objects.exists()


def test_missing_closing_time_is_explained(client, office, admin):
    client.force_login(admin)
    response = post_exception(client, office, opens_1="08:00")
    assert response.status_code == 400
    assert "Sesi 1 perlu jam buka dan jam tutup" in response.content.decode()


def test_closed_with_hours_is_explained(client, office, admin):
    client.force_login(admin)
    response = post_exception(client, office, mode="closed", opens_1="08:00", closes_1="12:00")
    assert response.status_code == 400
    assert "tutup sepanjang hari" in response.content.decode()


def test_remove_exception(client, office, admin):
    exception = ScheduleExceptionFactory(office=office, date=dt.date(2026, 9, 8), is_closed=True)
    client.force_login(admin)
    response = client.post(url(office), {"action": "remove", "exception": exception.pk})
    assert response.status_code == 302
    assert not ScheduleException.objects.exists()
    assert AuditEntry.objects.filter(action="offices.exception.remove").exists()


def test_cannot_remove_another_offices_exception(client, office, admin):
    foreign = ScheduleExceptionFactory(office=OfficeFactory(), date=dt.date(2026, 9, 8))
    client.force_login(admin)
    client.post(url(office), {"action": "remove", "exception": foreign.pk})
    assert ScheduleException.objects.filter(pk=foreign.pk).exists()


def test_removing_an_exception_that_is_gone_or_garbled_is_explained(client, office, admin):
    client.force_login(admin)
    for posted in ("999999", "abc", ""):
        response = client.post(url(office), {"action": "remove", "exception": posted}, follow=True)
        assert response.status_code == 200
        assert "Jadwal khusus itu sudah tidak ada." in response.content.decode()


def test_index_lists_managed_offices(client, office):
    second = OfficeFactory(name="Kantor Kecamatan Pamulang", region_code="36.74.06")
    OfficeFactory(name="Kantor Bekasi Timur", region_code="32.75.01")
    client.force_login(make_officer("city_admin", region=ensure_region("36.74")))
    html = client.get(reverse("offices:manage_hours_index")).content.decode()
    assert office.name in html and second.name in html
    assert "Kantor Bekasi Timur" not in html


def test_index_redirects_a_single_office_admin(client, office, admin):
    client.force_login(admin)
    response = client.get(reverse("offices:manage_hours_index"))
    assert response.status_code == 302
    assert response["Location"] == url(office)


def test_date_field_defaults_to_tomorrow_in_a_format_the_date_picker_reads(client, office, admin):
    client.force_login(admin)
    html = client.get(url(office)).content.decode()
    assert 'type="date" name="date" value="2026-09-05"' in html


# --- weekly hours -------------------------------------------------------------------------


def weekly_url(office):
    return reverse("offices:manage_weekly_hours", kwargs={"slug": office.slug})


def week_form(**days):
    """POST data with every day empty (closed) except the ones given, e.g. day_0="08.00-12.00"."""
    data = {f"day_{day.value}": "" for day in Day}
    data.update(days)
    return data


def post_week(client, office, data):
    """Post the weekly form as a browser would: with the version of the rules the page was opened on."""
    return client.post(weekly_url(office), {**data, "versi": rules_version(OpeningRule.objects.filter(office=office))})


BEKASI_STYLE = week_form(
    day_0="08.00-21.00",
    day_1="08.00-21.00",
    day_2="08.00-21.00",
    day_3="08.00-21.00",
    day_4="08.00-12.00, 19.00-22.00 (Layanan malam Jumat)",
    day_5="08.00-12.00",
    day_6="09.00-11.00 (Layanan hari Minggu)",
    day_7="09.00-11.00",
)


def rules_of(office):
    return [
        (r.day, r.opens, r.closes, r.label) for r in OpeningRule.objects.filter(office=office).order_by("day", "opens")
    ]


def test_weekly_page_lists_every_day_in_indonesian_with_the_current_hours(client, office, admin):
    client.force_login(admin)
    response = client.get(weekly_url(office))
    assert response.status_code == 200
    html = response.content.decode()
    for day in ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu", "Hari libur"):
        assert f">{day}</label>" in html
    assert 'name="day_0" value="08.00-16.00"' in html
    assert 'name="day_5"' in html and 'name="day_5" value' not in html  # Saturday closed: empty
    # reachable from the hours page
    assert weekly_url(office) in client.get(url(office)).content.decode()


def test_save_weekly_hours_replaces_them_audits_and_shows_on_the_public_page(client, office, admin):
    client.force_login(admin)
    response = post_week(client, office, BEKASI_STYLE)
    assert response.status_code == 302
    assert "Tersimpan" in client.get(response["Location"]).content.decode()
    rules = rules_of(office)
    assert (Day.FRIDAY, dt.time(19), dt.time(22), "Layanan malam Jumat") in rules
    assert (Day.SATURDAY, dt.time(8), dt.time(12), "") in rules
    assert (Day.HOLIDAY, dt.time(9), dt.time(11), "") in rules
    assert (Day.MONDAY, dt.time(8), dt.time(16), "") not in rules
    assert len(rules) == 9

    entry = AuditEntry.objects.get(action="offices.hours.set", actor=admin)
    assert entry.office_id == office.pk
    assert ["0", "08:00", "16:00", ""] in [[str(x) for x in row] for row in entry.data["from"]]
    assert [4, "19:00", "22:00", "Layanan malam Jumat"] in entry.data["to"]

    public = client.get(reverse("offices:detail", kwargs={"slug": office.slug})).content.decode()
    assert "08.00–21.00" in public  # Monday to Thursday
    assert "19.00–22.00" in public and "Layanan malam Jumat" in public  # this Friday evening
    assert "09.00–11.00" in public and "Layanan hari Minggu" in public  # Sunday
    assert "08.00–16.00" not in public


def test_time_out_of_range_names_the_day_and_keeps_everything_typed(client, office, admin):
    client.force_login(admin)
    data = dict(BEKASI_STYLE, day_4="08.00-12.00, 19.00-25.00 (Layanan malam Jumat)")
    response = post_week(client, office, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Jumat: “25.00” bukan jam yang benar" in html
    assert 'value="08.00-12.00, 19.00-25.00 (Layanan malam Jumat)"' in html
    assert 'name="day_0" value="08.00-21.00"' in html
    assert 'name="day_6" value="09.00-11.00 (Layanan hari Minggu)"' in html
    assert rules_of(office)[0] == (Day.MONDAY, dt.time(8), dt.time(16), "")
    assert not AuditEntry.objects.filter(action="offices.hours.set").exists()


def test_unreadable_text_is_explained(client, office, admin):
    client.force_login(admin)
    response = post_week(client, office, week_form(day_1="jam 8 sampai 12"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Selasa: “jam 8 sampai 12” tidak dapat dibaca" in html
    assert "misalnya 08.00-12.00" in html
    assert 'value="jam 8 sampai 12"' in html


def test_overlapping_sessions_on_one_day_are_refused(client, office, admin):
    client.force_login(admin)
    response = post_week(client, office, week_form(day_0="08.00-12.00, 11.00-14.00"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Senin: sesi 08.00-12.00 dan 11.00-14.00 bertumpuk" in html
    assert 'value="08.00-12.00, 11.00-14.00"' in html
    assert len(rules_of(office)) == 5


def test_night_session_running_into_the_next_day_is_refused_by_the_service(client, office, admin):
    client.force_login(admin)
    response = post_week(client, office, week_form(day_0="20.00-02.00", day_1="01.00-05.00"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "bertumpuk" in html and "Senin" in html
    assert 'value="20.00-02.00"' in html and 'value="01.00-05.00"' in html
    assert len(rules_of(office)) == 5


def test_a_change_saved_meanwhile_by_someone_else_is_not_overwritten_unseen(client, office, admin):
    client.force_login(admin)
    opened_on = rules_version(OpeningRule.objects.filter(office=office))
    add_rules(office, [Day.SATURDAY], "08:00", "12:00")  # the city admin saves Saturday meanwhile
    data = {**week_form(day_0="07.30-15.30"), "versi": opened_on}
    response = client.post(weekly_url(office), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Orang lain mengubah jam buka mingguan" in html and "Sabtu 08.00-12.00" in html
    assert 'value="07.30-15.30"' in html
    assert (Day.SATURDAY, dt.time(8), dt.time(12), "") in rules_of(office)
    assert not AuditEntry.objects.filter(action="offices.hours.set").exists()
    # The page now carries the new version: saving again goes through.
    current = re.search(r'name="versi" value="(\w+)"', html).group(1)
    assert client.post(weekly_url(office), {**data, "versi": current}).status_code == 302
    assert rules_of(office) == [(Day.MONDAY, dt.time(7, 30), dt.time(15, 30), "")]


def test_empty_form_closes_the_office_every_day(client, office, admin):
    client.force_login(admin)
    assert post_week(client, office, week_form()).status_code == 302
    assert rules_of(office) == []
    assert AuditEntry.objects.filter(action="offices.hours.set").count() == 1


def test_saving_unchanged_hours_writes_no_audit_row(client, office, admin):
    client.force_login(admin)
    unchanged = week_form(**{f"day_{d}": "08:00 - 16:00" for d in range(5)})
    response = post_week(client, office, unchanged)
    assert response.status_code == 302
    assert "Tidak ada yang diubah" in client.get(response["Location"]).content.decode()
    assert not AuditEntry.objects.filter(action="offices.hours.set").exists()


def test_rules_for_a_limited_period_are_listed_and_kept(client, office, admin):
    add_rules(office, [Day.SATURDAY], "08:00", "12:00", "Pekan layanan", valid_until=dt.date(2026, 9, 30))
    client.force_login(admin)
    html = client.get(weekly_url(office)).content.decode()
    assert "Pekan layanan" in html and 'name="day_5" value' not in html
    assert post_week(client, office, week_form(day_0="08.00-12.00")).status_code == 302
    kept = OpeningRule.objects.get(office=office, day=Day.SATURDAY)
    assert (kept.label, kept.valid_until) == ("Pekan layanan", dt.date(2026, 9, 30))
    assert OpeningRule.objects.filter(office=office).count() == 2


def test_admin_of_another_office_gets_403_on_weekly_hours(client, office):
    client.force_login(make_officer("office_admin", office=OfficeFactory()))
    assert client.get(weekly_url(office)).status_code == 403
    assert post_week(client, office, week_form()).status_code == 403
    assert len(rules_of(office)) == 5


def test_petugas_and_foreign_city_admin_get_403_on_weekly_hours(client, office):
    client.force_login(make_officer("petugas_loket", office=office))
    assert post_week(client, office, week_form()).status_code == 403
    client.force_login(make_officer("city_admin", region=ensure_region("32.75")))
    assert post_week(client, office, week_form()).status_code == 403
    assert len(rules_of(office)) == 5


def test_city_admin_of_its_kota_and_system_admin_may_edit_weekly_hours(client, office):
    city_admin = make_officer("city_admin", region=ensure_region("36.74"))
    client.force_login(city_admin)
    assert post_week(client, office, week_form(day_5="08.00-12.00")).status_code == 302
    assert rules_of(office) == [(Day.SATURDAY, dt.time(8), dt.time(12), "")]
    client.force_login(make_officer("system_admin"))
    assert post_week(client, office, week_form(day_6="09.00-11.00")).status_code == 302
    assert rules_of(office) == [(Day.SUNDAY, dt.time(9), dt.time(11), "")]
    assert AuditEntry.objects.filter(action="offices.hours.set").count() == 2


def test_parse_day_accepts_the_ways_people_write_hours():
    sessions = parse_day("8 - 12; 13:00–16.30 (Istirahat, lalu buka lagi)\n19.00 s/d 24.00", "Jumat")
    assert [(s.opens, s.closes, s.label) for s in sessions] == [
        (dt.time(8), dt.time(12), ""),
        (dt.time(13), dt.time(16, 30), "Istirahat, lalu buka lagi"),
        (dt.time(19), dt.time(0), ""),
    ]


_times = st.integers(min_value=0, max_value=24 * 60 - 1).map(lambda m: dt.time(m // 60, m % 60))


@given(st.lists(st.tuples(_times, _times), max_size=4))
def test_what_the_page_shows_reads_back_as_the_same_sessions(pairs):
    class Rule:
        def __init__(self, opens, closes, label):
            self.opens, self.closes, self.label = opens, closes, label

    # Non-overlapping sessions: consecutive slices of the day.
    points = sorted({t for pair in pairs for t in pair})
    rules = [Rule(a, b, f"Sesi {i}") for i, (a, b) in enumerate(zip(points[::2], points[1::2], strict=False))]
    parsed = parse_day(format_sessions(rules), "Senin")
    assert [(s.opens, s.closes, s.label) for s in parsed] == [(r.opens, r.closes, r.label) for r in rules]
