"""The access policy (loket.core.policy) over real role rows: the truth table every app relies on.

It lives with accounts' tests because it needs officers and their roles in the database."""

import pytest

from loket.accounts.factories import CitizenFactory, OfficerFactory, OfficerRoleFactory
from loket.core import policy
from loket.core.policy import Role
from loket.offices.factories import OfficeFactory, ensure_region

pytestmark = pytest.mark.django_db

P, V, S, K, OA = Role.PETUGAS_LOKET, Role.VERIFIKATOR, Role.PENANDATANGAN, Role.KIOSK, Role.OFFICE_ADMIN


@pytest.fixture
def offices():
    return {
        "bekasi": OfficeFactory(region_code="32.75.01", name="Kecamatan Bekasi Timur"),
        "bekasi2": OfficeFactory(region_code="32.75.02", name="Kecamatan Bekasi Barat"),
        "tegal": OfficeFactory(region_code="33.76.01", name="Kecamatan Tegal Barat"),
    }


@pytest.mark.parametrize(
    ("role", "permission", "expected"),
    [
        (P, policy.CALL_TICKETS, True),
        (P, policy.HAND_OUT_TICKETS, True),
        (P, policy.HANDLE_REQUESTS, True),
        (P, policy.SIGN, False),
        (P, policy.MANAGE_OFFICE, False),
        (V, policy.HANDLE_REQUESTS, True),
        (V, policy.CALL_TICKETS, False),
        (S, policy.SIGN, True),
        (S, policy.SEE_REQUESTS, True),
        (S, policy.HANDLE_REQUESTS, False),
        (K, policy.HAND_OUT_TICKETS, True),
        (K, policy.CALL_TICKETS, False),
        (K, policy.SEE_REQUESTS, False),
        (OA, policy.MANAGE_OFFICE, True),
        (OA, policy.CALL_TICKETS, True),
        (OA, policy.SIGN, False),  # an office admin never signs for the lurah
        (OA, policy.MANAGE_CITY, False),
    ],
)
def test_an_office_role_grants_its_permissions_only_at_its_office(offices, role, permission, expected):
    officer = OfficerFactory()
    OfficerRoleFactory(user=officer, role=role, office=offices["bekasi"])
    assert policy.allows(officer, permission, offices["bekasi"]) is expected
    assert policy.allows(officer, permission, offices["bekasi2"]) is False
    assert policy.allows_somewhere(officer, permission) is expected
    scope = policy.office_scope(officer, permission)
    assert scope.office_ids == ({offices["bekasi"].pk} if expected else set())
    assert not scope.everywhere and not scope.region_codes


def test_city_admin_administers_offices_inside_their_city_only(offices):
    admin = OfficerFactory(city_admin=True, region=ensure_region("32.75"))
    assert policy.allows(admin, policy.MANAGE_OFFICE, offices["bekasi"])
    assert policy.allows(admin, policy.MANAGE_OFFICE, offices["bekasi2"])
    assert not policy.allows(admin, policy.SIGN, offices["bekasi"])
    assert not policy.allows(admin, policy.SEE_TICKETS, offices["bekasi"])
    assert not policy.allows(admin, policy.MANAGE_OFFICE, offices["tegal"])
    assert policy.allows_in_region(admin, policy.MANAGE_CITY, "32.75.01")
    assert not policy.allows_in_region(admin, policy.MANAGE_CITY, "33.76")
    assert policy.office_scope(admin, policy.MANAGE_OFFICE).region_codes == ("32.75",)


def test_city_admin_code_prefix_does_not_leak_into_a_longer_code():
    admin = OfficerFactory(city_admin=True, region=ensure_region("32.75"))
    # An office whose region code merely starts with the same characters is elsewhere.
    lookalike = OfficeFactory.build(region_id="32.751")
    assert not policy.allows(admin, policy.MANAGE_OFFICE, lookalike)
    assert not policy.allows_in_region(admin, policy.MANAGE_CITY, "32.751")


def test_an_office_scope_filters_offices_the_way_allows_answers(offices):
    from loket.offices.models import Office

    admin = OfficerFactory(city_admin=True, region=ensure_region("32.75"))
    condition = policy.office_scope(admin, policy.MANAGE_OFFICE).office_q()
    listed = set(Office.objects.filter(condition).values_list("pk", flat=True))
    assert listed == {o.pk for o in Office.objects.all() if policy.allows(admin, policy.MANAGE_OFFICE, o)}
    assert offices["tegal"].pk not in listed
    assert policy.office_scope(admin, policy.SIGN).office_q() is None


def test_system_admin_administers_everywhere_but_is_not_a_petugas(offices):
    admin = OfficerFactory(system_admin=True)
    assert all(policy.allows(admin, policy.MANAGE_OFFICE, o) for o in offices.values())
    assert not policy.allows(admin, policy.SIGN, offices["tegal"])
    assert policy.allows_in_region(admin, policy.MANAGE_CITY, None)
    assert policy.manages_system(admin)
    assert policy.office_scope(admin, policy.SEE_TICKETS).everywhere


def test_only_a_system_admin_or_an_active_superuser_manages_the_system(offices):
    assert not policy.manages_system(OfficerFactory(city_admin=True, region=ensure_region("32.75")))
    superuser = OfficerFactory(is_superuser=True)
    assert policy.manages_system(superuser)
    superuser.is_active = False
    assert not policy.manages_system(superuser)
    assert not policy.manages_system(None)


def test_inactive_role_counts_for_nothing(offices):
    officer = OfficerFactory()
    OfficerRoleFactory(user=officer, role=P, office=offices["bekasi"], is_active=False)
    assert not policy.allows(officer, policy.CALL_TICKETS, offices["bekasi"])
    assert not policy.holds(officer, P)


def test_role_at_a_closed_down_office_counts_for_nothing(offices):
    office = offices["bekasi"]
    officer = OfficerFactory(petugas=True, office=office)
    office.is_active = False
    office.save(update_fields=["is_active"])
    officer = type(officer).objects.get(pk=officer.pk)  # fresh object, no cached roles
    assert not policy.allows(officer, policy.CALL_TICKETS, office)
    assert not policy.allows_somewhere(officer, policy.CALL_TICKETS)


def test_inactive_user_has_no_role(offices):
    officer = OfficerFactory(petugas=True, office=offices["bekasi"], is_active=False)
    assert not policy.allows(officer, policy.CALL_TICKETS, offices["bekasi"])
    assert not policy.holds(officer, P, offices["bekasi"])


def test_citizen_and_anonymous_have_no_role(offices):
    from django.contrib.auth.models import AnonymousUser

    for nobody in (CitizenFactory(), AnonymousUser(), None):
        assert not policy.allows(nobody, policy.CALL_TICKETS, offices["bekasi"])
        assert not policy.allows_somewhere(nobody, policy.SEE_REQUESTS)
        assert policy.office_scope(nobody, policy.MANAGE_OFFICE).is_empty


@pytest.mark.parametrize(
    ("granter", "expected_at_bekasi", "expected_at_tegal"),
    [
        ("office_admin", {P, V, S, K}, set()),
        ("city_admin", {P, V, S, K, OA}, set()),
        ("system_admin", set(Role.values), set(Role.values)),
        ("petugas", set(), set()),
    ],
)
def test_who_grants_which_roles(offices, granter, expected_at_bekasi, expected_at_tegal):
    traits = {
        "office_admin": {"office_admin": True, "office": offices["bekasi"]},
        "city_admin": {"city_admin": True, "region": ensure_region("32.75")},
        "system_admin": {"system_admin": True},
        "petugas": {"petugas": True, "office": offices["bekasi"]},
    }[granter]
    actor = OfficerFactory(**traits)
    assert set(policy.grantable_roles(actor, office=offices["bekasi"])) == expected_at_bekasi
    assert set(policy.grantable_roles(actor, office=offices["tegal"])) == expected_at_tegal


def test_every_role_has_a_scope_and_every_permission_names_known_roles():
    assert all(policy.scope_of(role) for role in Role.values)
    assert policy.scope_of("lurah") == ""
    for permission in policy.PERMISSIONS:
        assert permission.office_roles <= policy.OFFICE_ROLES, permission
