import pytest

from loket.catalog import selectors
from loket.catalog.factories import OfficeServiceFactory, PrerequisiteFactory, RequirementFactory, ServiceFactory
from loket.offices.factories import OfficeFactory
from loket.offices.models import OfficeKind

pytestmark = pytest.mark.django_db


def test_active_services_leave_out_switched_off_services():
    shown = ServiceFactory(name="Surat keterangan domisili")
    ServiceFactory(name="Layanan lama", is_active=False)
    assert list(selectors.active_services()) == [shown]
    assert selectors.service_by_slug(shown.slug) == shown


def test_service_by_slug_is_none_for_unknown_or_inactive():
    old = ServiceFactory(is_active=False)
    assert selectors.service_by_slug(old.slug) is None
    assert selectors.service_by_slug("tidak-ada") is None


def test_services_by_category_follow_declared_category_order():
    ServiceFactory(name="SKU", category="surat")
    ServiceFactory(name="Akta kelahiran", category="adminduk", is_adminduk=True)
    groups = selectors.services_by_category()
    assert [g.category for g in groups] == ["adminduk", "surat"]


def test_services_offered_at_follow_office_kind_minus_local_switches():
    kelurahan = OfficeFactory(kelurahan=True)
    other_kelurahan = OfficeFactory(kelurahan=True)
    domisili = ServiceFactory(name="Domisili", office_kinds=["kelurahan", "desa"])
    sku = ServiceFactory(name="SKU", office_kinds=["kelurahan"])
    ServiceFactory(name="Ahli waris", office_kinds=["kecamatan"])
    ServiceFactory(name="Lama", office_kinds=["kelurahan"], is_active=False)
    OfficeServiceFactory(office=kelurahan, service=sku, is_offered=False)
    assert selectors.services_offered_at(kelurahan) == [domisili]
    assert {s.name for s in selectors.services_offered_at(other_kelurahan)} == {"Domisili", "SKU"}


def test_offices_offering_groups_by_city_and_respects_switches():
    ciputat = OfficeFactory(name="Kecamatan Ciputat", region_code="36.74.04")
    pamulang = OfficeFactory(name="Kecamatan Pamulang", region_code="36.74.06")
    bekasi = OfficeFactory(name="Kecamatan Bekasi Timur", region_code="32.75.01")
    OfficeFactory(name="Kelurahan Ciputat", kelurahan=True)
    OfficeFactory(name="Kecamatan nonaktif", region_code="36.74.04", is_active=False)
    service = ServiceFactory(office_kinds=[OfficeKind.KECAMATAN])
    OfficeServiceFactory(office=pamulang, service=service, is_offered=False)

    cities = selectors.offices_offering(service)

    assert [c.region.code for c in cities] == ["32.75", "36.74"]
    assert [c.region.name for c in cities] == ["Kota Bekasi", "Kota Tangerang Selatan"]
    assert cities[0].offices == [bekasi]
    assert cities[1].offices == [ciputat]
    assert cities[1].kecamatans[0].region.name == "Ciputat"


def test_prerequisites_of_lists_what_is_needed_first():
    link = PrerequisiteFactory(required_service__name="Surat pengantar kelurahan")
    inactive = PrerequisiteFactory(service=link.service, required_service__is_active=False, order=5)
    assert selectors.prerequisites_of(link.service) == [link]
    assert inactive not in selectors.prerequisites_of(link.service)
    assert selectors.required_by(link.required_service) == [link.service]


def test_requirements_come_in_their_order():
    service = ServiceFactory()
    second = RequirementFactory(service=service, order=2, name="Kartu Keluarga")
    first = RequirementFactory(service=service, order=1, name="KTP-el")
    assert selectors.requirements_of(selectors.service_by_slug(service.slug)) == [first, second]
