"""The staff page where city admins close their city's offices and system admins revise national days."""

import datetime as dt

import pytest
from django.urls import reverse

from loket.audit.models import AuditEntry
from loket.core import clock
from loket.offices.factories import OfficeFactory, ensure_region
from loket.offices.models import Holiday, HolidayKind
from loket.offices.selectors import sessions_on
from loket.offices.tests.conftest import make_officer

pytestmark = pytest.mark.django_db

# Friday 4 September 2026, 10:00 WIB
NOW = dt.datetime(2026, 9, 4, 3, 0, tzinfo=dt.UTC)
HARI_JADI = dt.date(2026, 11, 26)  # a Thursday: Hari Jadi Kota Tangerang Selatan
CUTI_NATAL = dt.date(2026, 12, 24)  # a Thursday: Cuti Bersama Hari Raya Natal
URL = reverse("offices:manage_holidays")


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def ciputat():
    """An office in Kota Tangerang Selatan, open Mon-Fri, closed on cuti bersama."""
    return OfficeFactory(name="Kantor Kecamatan Ciputat", with_weekday_hours=True)


@pytest.fixture
def bekasi():
    """An office in another city (Kota Bekasi), open Mon-Fri."""
    return OfficeFactory(name="Kantor Kecamatan Bekasi Timur", region_code="32.75.01", with_weekday_hours=True)


@pytest.fixture
def city_admin():
    ensure_region("36.74.04.1003")
    return make_officer("city_admin", region=ensure_region("36.74"))


@pytest.fixture
def system_admin():
    return make_officer("system_admin")


def post_local(client, **fields):
    data = {"action": "local", "lokal-date": "2026-11-26", "lokal-name": "Hari Jadi Kota", "lokal-region": "36.74"}
    data.update(fields)
    return client.post(f"{URL}?tahun=2026", data)


def test_listing_shows_the_package_days_of_the_year(client, city_admin):
    client.force_login(city_admin)
    response = client.get(URL, {"tahun": "2026"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hari Libur 2026" in html
    assert "Senin, 17 Agustus 2026" in html
    assert "Hari Kemerdekaan Republik Indonesia" in html
    assert "Kamis, 24 Desember 2026" in html
    assert "Cuti Bersama Hari Raya Natal" in html
    assert "Kalender resmi" in html
    # A city admin may close offices but not revise the national days.
    assert "Tambah atau batalkan hari libur nasional" not in html
    assert "Batalkan hari ini" not in html


def test_the_city_admin_chooses_among_their_city_regions(client, city_admin, bekasi):
    client.force_login(city_admin)
    html = client.get(URL).content.decode()
    assert '<option value="36.74.04">— Ciputat (36.74.04)</option>' in html
    assert '<option value="36.74">Kota Tangerang Selatan (36.74)</option>' in html
    assert 'value="32.75"' not in html  # Kota Bekasi exists but is not theirs


def test_city_admin_closes_their_city_for_a_local_day(client, city_admin, ciputat, bekasi):
    assert sessions_on(ciputat, HARI_JADI)
    client.force_login(city_admin)
    response = post_local(client)
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?tahun=2026"
    page = client.get(response["Location"]).content.decode()
    assert "Tersimpan: kantor di Kota Tangerang Selatan tutup pada 26-11-2026 (Hari Jadi Kota)." in page
    assert "Hari Jadi Kota" in page

    assert sessions_on(ciputat, HARI_JADI) == []
    assert sessions_on(bekasi, HARI_JADI), "an office in another city stays open"
    assert sessions_on(ciputat, HARI_JADI + dt.timedelta(days=1)), "only that day is closed"
    entry = AuditEntry.objects.get(action="offices.holiday.add", actor=city_admin)
    assert entry.data["region"] == "36.74"


def test_city_admin_cannot_close_another_city(client, city_admin, bekasi):
    ensure_region("32.75")
    client.force_login(city_admin)
    response = post_local(client, **{"lokal-region": "32.75", "lokal-name": "Hari Jadi Bekasi"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Hanya admin kota Kota Bekasi (atau admin sistem) yang dapat menambah hari tutup di sana." in html
    assert 'value="Hari Jadi Bekasi"' in html  # the input is kept
    assert not Holiday.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="offices.holiday").exists()
    assert sessions_on(bekasi, HARI_JADI)


def test_missing_and_unknown_input_is_explained(client, city_admin):
    client.force_login(city_admin)
    response = post_local(client, **{"lokal-name": "", "lokal-region": "99.99"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Isi nama hari liburnya" in html
    assert "Tidak ada wilayah dengan kode “99.99”" in html
    assert 'value="2026-11-26"' in html
    assert not Holiday.objects.exists()


def test_city_admin_removes_their_closure_but_not_another_citys(client, city_admin, ciputat):
    own = Holiday.objects.create(date=HARI_JADI, name="Hari Jadi Kota", kind=HolidayKind.LOCAL, region_id="36.74")
    other = Holiday.objects.create(
        date=HARI_JADI, name="Hari Jadi Bekasi", kind=HolidayKind.LOCAL, region=ensure_region("32.75")
    )
    client.force_login(city_admin)
    html = client.get(URL, {"tahun": "2026"}).content.decode()
    assert "Hari Jadi Kota" in html
    assert "Hari Jadi Bekasi" not in html  # not theirs to manage

    response = client.post(URL, {"action": "remove", "holiday": other.pk}, follow=True)
    assert "Hanya admin kota Kota Bekasi" in response.content.decode()
    assert Holiday.objects.filter(pk=other.pk).exists()

    response = client.post(URL, {"action": "remove", "holiday": own.pk}, follow=True)
    assert "Dihapus: Hari Jadi Kota pada 26-11-2026." in response.content.decode()
    assert not Holiday.objects.filter(pk=own.pk).exists()
    assert sessions_on(ciputat, HARI_JADI)
    assert AuditEntry.objects.filter(action="offices.holiday.remove", actor=city_admin).count() == 1


def test_removing_a_holiday_that_is_gone_or_garbled_is_explained(client, city_admin):
    client.force_login(city_admin)
    for posted in ("999999", "abc", ""):
        response = client.post(URL, {"action": "remove", "holiday": posted}, follow=True)
        assert response.status_code == 200
        assert "Hari libur itu sudah tidak ada." in response.content.decode()


def test_system_admin_cancels_a_package_cuti_bersama(client, system_admin, ciputat):
    assert sessions_on(ciputat, CUTI_NATAL) == []  # closed on cuti bersama
    client.force_login(system_admin)
    html = client.get(URL, {"tahun": "2026"}).content.decode()
    assert "Batalkan hari ini" in html
    response = client.post(
        f"{URL}?tahun=2026",
        {
            "action": "national",
            "nasional-date": "2026-12-24",
            "nasional-name": "Cuti Bersama Hari Raya Natal",
            "nasional-kind": "cuti_bersama",
            "nasional-cancelled": "on",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Tersimpan: Cuti Bersama Hari Raya Natal pada 24-12-2026 dibatalkan." in html
    assert "Dibatalkan oleh admin" in html
    assert sessions_on(ciputat, CUTI_NATAL), "the office opens on the cancelled cuti bersama"
    assert sessions_on(ciputat, dt.date(2026, 12, 25)) == [], "Natal itself stays a holiday"
    assert AuditEntry.objects.filter(action="offices.holiday.cancel", actor=system_admin).count() == 1


def test_system_admin_adds_a_national_day(client, system_admin, ciputat, bekasi):
    day = dt.date(2026, 10, 1)  # a Thursday, no holiday in the package
    client.force_login(system_admin)
    response = client.post(
        URL,
        {
            "action": "national",
            "nasional-date": "2026-10-01",
            "nasional-name": "Hari Pemilihan Umum",
            "nasional-kind": "national",
        },
    )
    assert response.status_code == 302
    assert sessions_on(ciputat, day) == []
    assert sessions_on(bekasi, day) == []
    assert AuditEntry.objects.filter(action="offices.holiday.add", actor=system_admin).count() == 1
    html = client.get(response["Location"]).content.decode()
    assert "Ditambahkan oleh admin" in html


def test_city_admin_cannot_revise_national_days(client, city_admin, ciputat):
    client.force_login(city_admin)
    response = client.post(
        URL,
        {
            "action": "national",
            "nasional-date": "2026-12-24",
            "nasional-name": "Cuti Bersama Hari Raya Natal",
            "nasional-kind": "cuti_bersama",
            "nasional-cancelled": "on",
        },
    )
    assert response.status_code == 400
    assert "Hanya admin sistem yang dapat menambah atau mengubah hari libur" in response.content.decode()
    assert not Holiday.objects.exists()
    assert sessions_on(ciputat, CUTI_NATAL) == []


@pytest.mark.parametrize("role", ["petugas_loket", "office_admin"])
def test_office_staff_get_403(client, ciputat, role):
    client.force_login(make_officer(role, office=ciputat))
    assert client.get(URL).status_code == 403
    assert post_local(client).status_code == 403
    assert not Holiday.objects.exists()


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL).status_code == 302
