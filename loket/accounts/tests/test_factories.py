import pytest

from loket.accounts.factories import CitizenFactory, OfficerFactory, OfficerRoleFactory
from loket.core.policy import Role
from loket.offices.factories import OfficeFactory, ensure_region
from loket.regions.validators import parse_nik

pytestmark = pytest.mark.django_db


def test_citizen_factory_makes_a_valid_nik_with_the_regions_it_needs():
    man, woman = CitizenFactory(), CitizenFactory(perempuan=True)
    assert man.username == man.nik
    assert parse_nik(man.nik).sex == "L"
    assert parse_nik(woman.nik).sex == "P"
    assert man.check_password("Rahasia-Loket-2026")


def test_officer_traits_create_scoped_roles():
    office = OfficeFactory()
    petugas = OfficerFactory(petugas=True, office=office)
    signer = OfficerFactory(signer=True, office=office, signer_title="Camat Ciputat")
    city = OfficerFactory(city_admin=True, region=ensure_region("32.75"))
    system = OfficerFactory(system_admin=True)
    lone = OfficerFactory(office_admin=True)
    assert [(r.role, r.office_id) for r in petugas.roles.all()] == [(Role.PETUGAS_LOKET, office.pk)]
    assert signer.roles.get().title == "Camat Ciputat"
    assert city.roles.get().region_id == "32.75"
    assert system.roles.get().role == Role.SYSTEM_ADMIN
    assert lone.roles.get().office is not None
    assert OfficerRoleFactory().user.is_officer
