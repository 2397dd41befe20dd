"""The public catalogue pages and the home page, in Indonesian by default, English on request."""

import pytest
from django.urls import reverse

from loket.catalog.factories import OfficeServiceFactory, ServiceFactory
from loket.catalog.services import load_catalog
from loket.offices.factories import OfficeFactory
from loket.offices.models import OfficeKind
from loket.regions.factories import load_demo_regions

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db):
    load_catalog()


def _get(client, name, *args, **extra):
    response = client.get(reverse(name, args=args), **extra)
    assert response.status_code == 200
    return response.content.decode()


def test_catalogue_lists_services_by_category_with_free_badge(client, catalog):
    page = _get(client, "catalog:list")
    assert "<h1>Layanan</h1>" in page
    assert page.index("Administrasi kependudukan (adminduk)") < page.index("Perekaman KTP-el")
    assert "Surat kelurahan/desa dan kecamatan" in page and "Kesehatan" in page
    assert 'href="/layanan/akta-kelahiran/"' in page
    assert page.count('<span class="badge free">Gratis</span>') == 11  # all but the puskesmas certificate
    assert "Rp 15.000" in page
    assert "1 hari kerja" in page


def test_adminduk_service_page_publishes_the_standard_and_the_free_of_charge_rule(client, catalog):
    page = _get(client, "catalog:detail", "akta-kelahiran")
    assert "<h1>Akta kelahiran</h1>" in page
    assert "Gratis / Rp 0" in page
    assert "UU 24/2013 Pasal 79A" in page and "pungutan liar" in page
    assert "1 hari kerja" in page
    assert "Surat keterangan lahir dari rumah sakit" in page
    assert "Persyaratan" in page and "Sistem, mekanisme, dan prosedur" in page
    assert "Produk pelayanan" in page and "Kutipan akta kelahiran" in page
    assert "SP4N-LAPOR!" in page and "Dasar hukum" in page and "Perpres 96/2018" in page
    assert "Ditandatangani oleh" in page and "Kepala Disdukcapil" in page
    assert "Jaminan pelayanan" in page  # other components of UU 25/2009 Pasal 21


def test_kecamatan_service_links_to_the_kelurahan_service_needed_first(client, catalog):
    page = _get(client, "catalog:detail", "surat-keterangan-ahli-waris")
    assert "Harus diurus lebih dahulu" in page
    assert 'href="/layanan/surat-pengantar-kelurahan/"' in page
    assert "3 hari kerja" in page and "Camat" in page
    pengantar = _get(client, "catalog:detail", "surat-pengantar-kelurahan")
    assert "Layanan ini diperlukan lebih dahulu untuk:" in pengantar
    assert 'href="/layanan/surat-keterangan-ahli-waris/"' in pengantar


def test_paid_service_shows_its_fee_without_the_adminduk_note(client, catalog):
    page = _get(client, "catalog:detail", "surat-keterangan-sehat")
    assert "Rp 15.000" in page and "Gratis / Rp 0" not in page
    assert "Pasal 79A" not in page


def test_service_page_lists_offices_offering_it_by_city(client, catalog):
    load_demo_regions()
    OfficeFactory(
        name="Disdukcapil Kota Tegal", slug="disdukcapil-tegal", kind=OfficeKind.DISDUKCAPIL, region_code="33.76"
    )
    OfficeFactory(name="Kelurahan Sawah", kind=OfficeKind.KELURAHAN, region_code="36.74.04.1004")
    page = _get(client, "catalog:detail", "akta-kematian")
    assert "<h3>Kota Tegal</h3>" in page
    assert 'href="/kantor/disdukcapil-tegal/"' in page
    assert "Kelurahan Sawah" not in page
    empty = _get(client, "catalog:detail", "surat-keterangan-sehat")
    assert "Belum ada kantor yang memberikan layanan ini." in empty


def test_unknown_service_is_404(client, catalog):
    assert client.get(reverse("catalog:detail", args=["tidak-ada"])).status_code == 404


def test_pages_switch_to_english_with_the_language_cookie(client, catalog, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = _get(client, "catalog:detail", "akta-kelahiran")
    assert "Free / Rp 0" in page and "Requirements" in page
    assert "Persyaratan" not in page


def test_home_links_to_catalogue_and_every_city_with_offices(client):
    load_demo_regions()
    OfficeFactory(name="Kantor Kecamatan Ciputat", region_code="36.74.04")
    OfficeFactory(name="Kelurahan Sawah", kind=OfficeKind.KELURAHAN, region_code="36.74.04.1004")
    OfficeFactory(name="Disdukcapil Kota Tegal", kind=OfficeKind.DISDUKCAPIL, region_code="33.76")
    OfficeFactory(name="Kelurahan Gunung Pangilun", kind=OfficeKind.KELURAHAN, region_code="13.71.04.1007")
    OfficeFactory(name="Kantor lama", region_code="32.75.01", is_active=False)
    page = _get(client, "home")
    assert "Layanan publik pemerintah daerah Anda" in page
    assert 'href="/layanan/"' in page
    for code, name in (("36.74", "Kota Tangerang Selatan"), ("33.76", "Kota Tegal"), ("13.71", "Kota Padang")):
        assert f'href="/kantor/wilayah/{code}/"' in page
        assert name in page
    assert "Kota Bekasi" not in page  # only an inactive office there
    assert "2 kantor" in page and "1 kantor" in page
    assert "selalu gratis" in page


def test_office_page_lists_services_offered_minus_switched_off(client):
    ciputat = OfficeFactory(slug="kecamatan-ciputat", kind=OfficeKind.KECAMATAN)
    offered = ServiceFactory(name="Pengesahan ahli waris", office_kinds=["kecamatan"])
    switched_off = ServiceFactory(name="Rekomendasi izin keramaian", office_kinds=["kecamatan"])
    ServiceFactory(name="Surat domisili", office_kinds=["kelurahan"])
    OfficeServiceFactory(office=ciputat, service=switched_off, is_offered=False)
    page = client.get(reverse("offices:detail", args=["kecamatan-ciputat"])).content.decode()
    assert f'href="{offered.get_absolute_url()}"' in page
    assert "Rekomendasi izin keramaian" not in page
    assert "Surat domisili" not in page
    assert "Layanan di kantor ini" in page
