"""The staff page where an office admin manages the hours of their office."""

import datetime as dt

import pytest
from django.urls import reverse

from loket.audit.models import AuditEntry
from loket.core import clock
from loket.offices.factories import OfficeFactory, ScheduleExceptionFactory, ensure_region
from loket.offices.models import ScheduleException
from loket.offices.tests.conftest import make_officer

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
