"""User.has_office_role / has_any_role: the truth table every other app relies on."""

import pytest

from loket.accounts.factories import CitizenFactory, OfficerFactory, OfficerRoleFactory
from loket.accounts.models import Role
from loket.offices.factories import OfficeFactory, ensure_region

pytestmark = pytest.mark.django_db

P, V, S, OA = Role.PETUGAS_LOKET, Role.VERIFIKATOR, Role.PENANDATANGAN, Role.OFFICE_ADMIN


@pytest.fixture
def offices():
    return {
        "bekasi": OfficeFactory(region_code="32.75.01", name="Kecamatan Bekasi Timur"),
        "bekasi2": OfficeFactory(region_code="32.75.02", name="Kecamatan Bekasi Barat"),
        "tegal": OfficeFactory(region_code="33.76.01", name="Kecamatan Tegal Barat"),
    }


@pytest.mark.parametrize(
    ("role", "query_roles", "expected"),
    [
        (P, None, True),
        (P, [P], True),
        (P, [V, S], False),
        (P, [OA], False),
        (V, [V], True),
        (S, [S, V], True),
        (OA, [OA], True),
        (OA, None, True),
        (OA, [P], False),  # an office admin is not a petugas by virtue of administering
    ],
)
def test_office_scoped_role_applies_only_at_its_office(offices, role, query_roles, expected):
    officer = OfficerFactory()
    OfficerRoleFactory(user=officer, role=role, office=offices["bekasi"])
    assert officer.has_office_role(offices["bekasi"], query_roles) is expected
    assert officer.has_office_role(offices["bekasi2"], query_roles) is False
    assert officer.has_any_role(query_roles) is expected


def test_city_admin_administers_offices_inside_their_city_only(offices):
    admin = OfficerFactory(city_admin=True, region=ensure_region("32.75"))
    assert admin.has_office_role(offices["bekasi"], [OA])
    assert admin.has_office_role(offices["bekasi2"], None)
    assert not admin.has_office_role(offices["bekasi"], [P, V, S])
    assert not admin.has_office_role(offices["tegal"], [OA])


def test_city_admin_code_prefix_does_not_leak_into_a_longer_code():
    admin = OfficerFactory(city_admin=True, region=ensure_region("32.75"))
    # An office whose region code merely starts with the same characters is elsewhere.
    lookalike = OfficeFactory.build(region_id="32.751")
    assert not admin.has_office_role(lookalike, [OA])


def test_system_admin_administers_everywhere_but_is_not_a_petugas(offices):
    admin = OfficerFactory(system_admin=True)
    assert all(admin.has_office_role(o, [OA]) for o in offices.values())
    assert not admin.has_office_role(offices["tegal"], [P])


def test_inactive_role_counts_for_nothing(offices):
    officer = OfficerFactory()
    OfficerRoleFactory(user=officer, role=P, office=offices["bekasi"], is_active=False)
    assert not officer.has_office_role(offices["bekasi"])
    assert not officer.has_any_role()


def test_role_at_a_closed_down_office_counts_for_nothing(offices):
    office = offices["bekasi"]
    officer = OfficerFactory(petugas=True, office=office)
    office.is_active = False
    office.save(update_fields=["is_active"])
    officer = type(officer).objects.get(pk=officer.pk)  # fresh object, no cached roles
    assert not officer.has_office_role(office)
    assert not officer.has_any_role([P])


def test_inactive_user_has_no_role(offices):
    officer = OfficerFactory(petugas=True, office=offices["bekasi"], is_active=False)
    assert not officer.has_office_role(offices["bekasi"])
    assert not officer.has_any_role([P])


def test_citizen_has_no_role(offices):
    citizen = CitizenFactory()
    assert not citizen.has_office_role(offices["bekasi"])
    assert not citizen.has_any_role()
