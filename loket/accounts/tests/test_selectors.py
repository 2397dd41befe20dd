import pytest

from loket.accounts import selectors
from loket.accounts.factories import CitizenFactory, OfficerFactory, OfficerRoleFactory
from loket.core.policy import Role
from loket.offices.factories import OfficeFactory, ensure_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices():
    return {
        "bekasi_timur": OfficeFactory(region_code="32.75.01", name="Kecamatan Bekasi Timur"),
        "bekasi_barat": OfficeFactory(region_code="32.75.02", name="Kecamatan Bekasi Barat"),
        "tegal": OfficeFactory(region_code="33.76.01", name="Kecamatan Tegal Barat"),
    }


def _names(qs):
    return sorted(o.name for o in qs)


def test_manageable_offices_follow_the_admin_scope(offices):
    assert _names(selectors.manageable_offices_for(OfficerFactory(office_admin=True, office=offices["tegal"]))) == [
        "Kecamatan Tegal Barat"
    ]
    city = OfficerFactory(city_admin=True, region=ensure_region("32.75"))
    assert _names(selectors.manageable_offices_for(city)) == ["Kecamatan Bekasi Barat", "Kecamatan Bekasi Timur"]
    assert len(selectors.manageable_offices_for(OfficerFactory(system_admin=True))) == 3


def test_non_admins_manage_no_office(offices):
    petugas = OfficerFactory(petugas=True, office=offices["tegal"])
    inactive_admin = OfficerFactory(office_admin=True, office=offices["tegal"], is_active=False)
    revoked = OfficerFactory()
    OfficerRoleFactory(user=revoked, role=Role.OFFICE_ADMIN, office=offices["tegal"], is_active=False)
    for user in (petugas, inactive_admin, revoked, CitizenFactory()):
        assert not selectors.manageable_offices_for(user).exists()
        assert not selectors.officers_for(user).exists()


def test_officers_for_lists_officers_at_managed_offices_only(offices):
    admin = OfficerFactory(office_admin=True, office=offices["bekasi_timur"])
    here = OfficerFactory(petugas=True, office=offices["bekasi_timur"])
    also_here = OfficerFactory(signer=True, office=offices["bekasi_timur"])
    OfficerRoleFactory(user=also_here, role=Role.VERIFIKATOR, office=offices["bekasi_timur"])
    OfficerFactory(petugas=True, office=offices["bekasi_barat"])
    assert set(selectors.officers_for(admin)) == {admin, here, also_here}
    city = OfficerFactory(city_admin=True, region=ensure_region("33.76"))
    assert list(selectors.officers_for(city)) == []


def test_roles_for_lists_active_roles_only(offices):
    officer = OfficerFactory(petugas=True, office=offices["tegal"])
    OfficerRoleFactory(user=officer, role=Role.VERIFIKATOR, office=offices["tegal"], is_active=False)
    assert [r.role for r in selectors.roles_for(officer)] == [Role.PETUGAS_LOKET]
    assert list(selectors.roles_for(CitizenFactory())) == []


def test_user_by_login_accepts_nik_with_separators_and_usernames_in_any_case():
    citizen = CitizenFactory()
    officer = OfficerFactory(username="Andi.P")
    nik = citizen.nik
    assert selectors.user_by_login(f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}") == citizen
    assert selectors.user_by_login(f"{nik[:2]}.{nik[2:4]}.{nik[4:6]}.{nik[6:]}") == citizen
    assert selectors.user_by_login("andi.p") == officer
    assert selectors.user_by_login("") is None
    assert selectors.user_by_login("tidak-ada") is None


def test_the_officers_page_reaches_offices_and_roles_in_the_admins_scope_only(offices):
    admin = OfficerFactory(office_admin=True, office=offices["bekasi_timur"])
    here = OfficerFactory(petugas=True, office=offices["bekasi_timur"]).roles.get()
    elsewhere = OfficerFactory(petugas=True, office=offices["tegal"]).roles.get()
    assert selectors.managed_office(admin, offices["bekasi_timur"].pk) == offices["bekasi_timur"]
    assert selectors.managed_office(admin, offices["tegal"].pk) is None
    assert selectors.managed_role(admin, here.pk) == here
    assert selectors.managed_role(admin, elsewhere.pk) is None
    rows = dict(selectors.officer_rows_for(admin))
    # An office admin revokes the petugas's role but not their own admin role (a city admin's to give).
    assert rows[here] is True
    assert rows[admin.roles.get()] is False
    assert elsewhere not in rows
    assert Role.OFFICE_ADMIN not in selectors.office_roles_grantable_by(admin)
    assert Role.PETUGAS_LOKET in selectors.office_roles_grantable_by(admin)


def test_offices_for_a_permission_lists_where_the_officer_holds_it_and_can_leave_out_closed_offices():
    from loket.accounts.factories import OfficerRoleFactory
    from loket.core import policy
    from loket.core.policy import Role
    from loket.offices import selectors

    open_office = OfficeFactory(region_code="32.75.01", name="Kecamatan Bekasi Timur")
    closed = OfficeFactory(region_code="32.75.02", name="Kecamatan Bekasi Barat", is_active=False)
    elsewhere = OfficeFactory(region_code="33.76.01", name="Kecamatan Tegal Barat")
    petugas = OfficerFactory()
    OfficerRoleFactory(user=petugas, role=Role.PETUGAS_LOKET, office=open_office)
    OfficerRoleFactory(user=petugas, role=Role.VERIFIKATOR, office=elsewhere)
    city_admin = OfficerFactory(city_admin=True, region=open_office.region.parent.parent)

    assert list(selectors.offices_for(petugas, policy.CALL_TICKETS)) == [open_office]
    assert list(selectors.offices_for(petugas)) == []  # a petugas manages no office
    # A city admin manages the closed-down office too; the desk list leaves it out.
    assert list(selectors.offices_for(city_admin)) == [open_office, closed]
    assert list(selectors.offices_for(city_admin, policy.CALL_TICKETS, active_only=True)) == [open_office]
    assert list(selectors.offices_for(None, policy.CALL_TICKETS)) == []
