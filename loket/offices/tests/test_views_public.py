"""The public office directory: list, region and office pages, in Indonesian by default."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from loket.core import clock
from loket.offices.factories import CounterFactory, OfficeFactory, ScheduleExceptionFactory, ensure_region
from loket.offices.models import OfficeKind
from loket.regions.factories import load_demo_regions

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def at(monkeypatch):
    """Freeze the pages' clock at an aware instant."""

    def freeze(instant: dt.datetime):
        monkeypatch.setattr(clock, "now", lambda: instant)

    return freeze


@pytest.fixture
def ciputat(db):
    load_demo_regions()
    office = OfficeFactory(
        name="Kantor Kecamatan Ciputat",
        slug="kecamatan-ciputat",
        region_code="36.74.04",
        address="Jl. Arya Putra No. 1",
        postal_code="15411",
        phone="021 7401234",
        latitude=Decimal("-6.309000"),
        longitude=Decimal("106.750000"),
        with_weekday_hours=True,
        with_friday_evening=True,
    )
    CounterFactory(office=office, number=1)
    CounterFactory(office=office, number=2)
    CounterFactory(office=office, number=3, is_active=False)
    return office


def test_office_page_says_open_now_with_closing_time(client, at, ciputat):
    at(dt.datetime(2026, 11, 23, 10, 0, tzinfo=WIB))  # Monday
    page = client.get(reverse("offices:detail", args=["kecamatan-ciputat"])).content.decode()
    assert "Buka sekarang" in page
    assert "sampai 16.00 WIB" in page
    assert "Tutup</span>" not in page.split("<h2>")[0]


def test_office_page_when_closed_says_when_it_next_opens(client, at, ciputat):
    at(dt.datetime(2026, 11, 28, 10, 0, tzinfo=WIB))  # Saturday
    page = client.get(reverse("offices:detail", args=["kecamatan-ciputat"])).content.decode()
    head = page.split("<h2>")[0]
    assert "Tutup" in head and "Buka sekarang" not in head
    assert "buka Senin, 30 November 2026 pukul 08.00 WIB" in head


def test_office_page_before_opening_says_opens_today(client, at, ciputat):
    at(dt.datetime(2026, 11, 27, 7, 0, tzinfo=WIB))  # Friday morning
    page = client.get(reverse("offices:detail", args=["kecamatan-ciputat"])).content.decode()
    assert "buka hari ini pukul 08.00 WIB" in page


def test_office_page_shows_address_region_path_map_counters_and_week(client, at, ciputat):
    at(dt.datetime(2026, 11, 23, 10, 0, tzinfo=WIB))
    page = client.get(reverse("offices:detail", args=["kecamatan-ciputat"])).content.decode()
    assert "Jl. Arya Putra No. 1" in page
    assert "Kecamatan Ciputat, Kota Tangerang Selatan, Provinsi Banten 15411" in page
    assert "021 7401234" in page
    assert "https://www.openstreetmap.org/?mlat=-6.309000&amp;mlon=106.750000" in page
    assert "WIB (UTC+7)" in page
    assert "2 loket" in page  # the inactive counter is not counted
    # seven days from today, in Indonesian, with the Friday evening session
    for day in ("Senin, 23 November", "Selasa, 24 November", "Jumat, 27 November", "Minggu, 29 November"):
        assert day in page
    assert "Senin, 30 November" not in page
    assert "19.00–22.00" in page and "Layanan malam Jumat" in page
    assert "hari ini" in page


def test_week_names_holidays_and_exceptions_in_indonesian(client, at, ciputat):
    ScheduleExceptionFactory(office=ciputat, date=dt.date(2026, 8, 19), is_closed=True, reason="Rapat kerja camat")
    at(dt.datetime(2026, 8, 16, 9, 0, tzinfo=WIB))  # Sunday before Independence Day
    page = client.get(reverse("offices:detail", args=["kecamatan-ciputat"])).content.decode()
    assert "Senin, 17 Agustus" in page
    assert "Kemerdekaan" in page  # the holiday's Indonesian name from the holidays package
    assert "Rapat kerja camat" in page
    week = page.split("Senin, 17 Agustus")[1].split("</tr>")[0]
    assert "Tutup" in week and "08.00" not in week


def test_office_in_wita_shows_its_own_local_times(client, at):
    ensure_region("73.71.01")
    OfficeFactory(slug="kecamatan-mariso", name="Kecamatan Mariso", wita=True, with_weekday_hours=True)
    # 07:30 WIB = 08:30 WITA on a Monday: open in Makassar although Jakarta's clock says 07:30
    at(dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC))
    page = client.get(reverse("offices:detail", args=["kecamatan-mariso"])).content.decode()
    assert "Buka sekarang" in page
    assert "sampai 16.00 WITA" in page
    assert "08.00–16.00" in page


def test_unknown_or_inactive_office_is_404(client):
    OfficeFactory(slug="tutup-permanen", is_active=False)
    assert client.get(reverse("offices:detail", args=["tidak-ada"])).status_code == 404
    assert client.get(reverse("offices:detail", args=["tutup-permanen"])).status_code == 404


def test_office_list_groups_by_city_and_kecamatan(client, at):
    load_demo_regions()
    at(dt.datetime(2026, 11, 23, 10, 0, tzinfo=WIB))
    OfficeFactory(name="Kantor Kecamatan Ciputat", region_code="36.74.04", with_weekday_hours=True)
    OfficeFactory(name="Kelurahan Sawah", kind=OfficeKind.KELURAHAN, region_code="36.74.04.1004")
    OfficeFactory(name="Disdukcapil Kota Tegal", kind=OfficeKind.DISDUKCAPIL, region_code="33.76")
    page = client.get(reverse("offices:list")).content.decode()
    assert page.index("Kota Tangerang Selatan") < page.index("Kecamatan Ciputat") < page.index("Kelurahan Sawah")
    assert "Kota Tegal" in page and "Kantor tingkat kabupaten/kota" in page
    assert f'href="{reverse("offices:region", args=["36.74"])}"' in page
    assert "Buka sekarang" in page and "Tutup" in page


def test_region_page_shows_only_offices_in_that_region(client, at):
    load_demo_regions()
    at(dt.datetime(2026, 11, 23, 10, 0, tzinfo=WIB))
    OfficeFactory(name="Kantor Kecamatan Bekasi Timur", region_code="32.75.01")
    OfficeFactory(name="Kantor Kecamatan Ciputat", region_code="36.74.04")
    page = client.get(reverse("offices:region", args=["32.75"])).content.decode()
    assert "Kantor di Kota Bekasi" in page
    assert "Kantor Kecamatan Bekasi Timur" in page
    assert "Kantor Kecamatan Ciputat" not in page
    assert "1 kantor" in page
    kecamatan = client.get(reverse("offices:region", args=["32.75.01"])).content.decode()
    assert "Kantor di Kecamatan Bekasi Timur" in kecamatan
    assert client.get(reverse("offices:region", args=["99.99"])).status_code == 404
