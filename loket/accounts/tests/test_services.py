"""accounts.services: registration, officers, role grants within scope, audit rows."""

import pytest
from django.utils import translation

from loket.accounts import services
from loket.accounts.factories import DEFAULT_PASSWORD, CitizenFactory, OfficerFactory, make_nik
from loket.accounts.models import OfficerRole, User, UserKind
from loket.audit.models import AuditEntry
from loket.core import policy
from loket.core.errors import DomainError, NotAllowed
from loket.core.policy import Role
from loket.offices.factories import OfficeFactory, ensure_region

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Kopi-Tubruk-88"


@pytest.fixture(autouse=True)
def _indonesian():
    with translation.override("id"):
        yield


@pytest.fixture
def nik():
    ensure_region("36.74.04")
    return make_nik(4242)


def _register(nik, **overrides):
    fields = {"nik": nik, "full_name": "Siti Aminah", "phone": "0812-3456-7890", "password": GOOD_PASSWORD}
    fields.update(overrides)
    return services.register_citizen(**fields)


# --- registration -----------------------------------------------------------------------


def test_register_citizen_normalises_nik_and_phone_and_hashes_with_argon2(nik):
    spaced = f"{nik[:4]} {nik[4:8]}.{nik[8:12]}-{nik[12:]}"
    user = _register(spaced, full_name="  Siti   Aminah ")
    user.refresh_from_db()
    assert (user.username, user.nik, user.kind) == (nik, nik, UserKind.CITIZEN)
    assert user.full_name == "Siti Aminah"
    assert user.phone == "+6281234567890"
    assert user.password.startswith("argon2$")
    assert user.check_password(GOOD_PASSWORD)
    entry = AuditEntry.objects.get(action="accounts.register_citizen")
    assert (entry.actor_id, entry.object_id) == (user.pk, str(user.pk))
    assert nik not in str(entry.data) + entry.object_repr  # no NIK in the audit trail


def test_register_refuses_a_landline_saying_a_mobile_is_needed(nik):
    with pytest.raises(DomainError) as exc:
        _register(nik, phone="+62 21 5790 1234")
    assert exc.value.code == "phone" and "nomor ponsel" in str(exc.value.message)
    assert not User.objects.filter(nik=nik).exists()


@pytest.mark.parametrize("phone", ["+62 812 5790 1234", "6281234567890", "081234567890", "(0812) 3456-7890"])
def test_register_accepts_indonesian_numbers_in_the_forms_people_write(nik, phone):
    assert _register(nik, phone=phone).phone.startswith("+62")


@pytest.mark.parametrize("phone", ["12345", "0812", "+1 202 555 0123", "nomor saya", ""])
def test_register_refuses_a_bad_phone_number_in_indonesian(nik, phone):
    with pytest.raises(DomainError) as exc:
        _register(nik, phone=phone)
    assert exc.value.code == "phone"
    assert "Isi nomor HP Indonesia yang benar" in str(exc.value.message)
    assert not User.objects.filter(nik=nik).exists()


def test_register_refuses_an_invalid_nik_with_the_validator_message(db):
    ensure_region("36.74.04")
    with pytest.raises(DomainError) as exc:
        _register("3674049911870001")  # day 99 is no birth day
    assert exc.value.code == "nik"
    assert "99" in str(exc.value.message)
    with pytest.raises(DomainError) as exc:
        _register("")
    assert "Isi NIK Anda" in str(exc.value.message)
    assert User.objects.count() == 0


def test_register_refuses_a_duplicate_nik_clearly(nik):
    _register(nik)
    with pytest.raises(DomainError) as exc:
        _register(nik.replace(nik[:4], nik[:4] + " ", 1), full_name="Orang Lain")
    assert exc.value.code == "duplicate_nik"
    assert "sudah terdaftar" in str(exc.value.message)
    assert User.objects.filter(nik=nik).count() == 1


def test_register_refuses_a_weak_password_with_djangos_indonesian_messages(nik):
    with pytest.raises(DomainError) as exc:
        _register(nik, password="12345678")
    assert exc.value.code == "password"
    assert "kata sandi" in str(exc.value.message).lower()
    assert not User.objects.exists()


# --- officers ---------------------------------------------------------------------------


def test_office_admin_creates_an_officer_account_and_it_is_audited():
    admin = OfficerFactory(office_admin=True)
    officer = services.create_officer(
        actor=admin, username="budi.s", full_name="Budi Santoso", nip="198701122010011001", password=GOOD_PASSWORD
    )
    assert officer.kind == UserKind.OFFICER
    assert officer.password.startswith("argon2$")
    assert not officer.roles.exists()
    assert AuditEntry.objects.filter(action="accounts.create_officer", actor=admin, object_id=str(officer.pk)).exists()


def test_petugas_cannot_create_officers():
    with pytest.raises(NotAllowed):
        services.create_officer(
            actor=OfficerFactory(petugas=True), username="x-petugas", full_name="X", password=GOOD_PASSWORD
        )


@pytest.mark.parametrize("username", ["ab", "nama pakai spasi", "3674041211870001"])
def test_officer_username_must_be_usable(username):
    admin = OfficerFactory(system_admin=True)
    with pytest.raises(DomainError) as exc:
        services.create_officer(actor=admin, username=username, full_name="X Y", password=GOOD_PASSWORD)
    assert exc.value.code == "username"


def test_officer_username_is_unique_ignoring_case():
    admin = OfficerFactory(system_admin=True)
    OfficerFactory(username="Rina")
    with pytest.raises(DomainError, match="sudah dipakai"):
        services.create_officer(actor=admin, username="rina", full_name="Rina Dua", password=GOOD_PASSWORD)


# --- role scoping -----------------------------------------------------------------------


@pytest.fixture
def places():
    return {
        "bekasi_a": OfficeFactory(region_code="32.75.01", name="Kecamatan Bekasi Timur"),
        "bekasi_b": OfficeFactory(region_code="32.75.02", name="Kecamatan Bekasi Barat"),
        "tegal": OfficeFactory(region_code="33.76.01", name="Kecamatan Tegal Barat"),
    }


def test_office_admin_grants_basic_roles_at_their_own_office(places):
    admin = OfficerFactory(office_admin=True, office=places["bekasi_a"])
    officer = OfficerFactory()
    role = services.grant_role(
        actor=admin, user=officer, role=Role.PENANDATANGAN, office=places["bekasi_a"], title="Camat Bekasi Timur"
    )
    assert policy.holds(officer, Role.PENANDATANGAN, places["bekasi_a"])
    entry = AuditEntry.objects.get(action="accounts.grant_role")
    assert (entry.actor_id, entry.object_id, entry.to_state, entry.office_id) == (
        admin.pk,
        str(role.pk),
        Role.PENANDATANGAN,
        places["bekasi_a"].pk,
    )


def test_office_admin_of_office_a_cannot_grant_at_office_b(places):
    admin = OfficerFactory(office_admin=True, office=places["bekasi_a"])
    with pytest.raises(NotAllowed) as exc:
        services.grant_role(actor=admin, user=OfficerFactory(), role=Role.PETUGAS_LOKET, office=places["bekasi_b"])
    assert "tidak berwenang" in str(exc.value.message)
    assert not OfficerRole.objects.filter(office=places["bekasi_b"]).exists()


@pytest.mark.parametrize("role", [Role.OFFICE_ADMIN])
def test_office_admin_cannot_make_another_office_admin(places, role):
    admin = OfficerFactory(office_admin=True, office=places["bekasi_a"])
    with pytest.raises(NotAllowed):
        services.grant_role(actor=admin, user=OfficerFactory(), role=role, office=places["bekasi_a"])


def test_office_admin_cannot_grant_city_or_system_admin(places):
    admin = OfficerFactory(office_admin=True, office=places["bekasi_a"])
    with pytest.raises(NotAllowed):
        services.grant_role(actor=admin, user=OfficerFactory(), role=Role.CITY_ADMIN, region=ensure_region("32.75"))
    with pytest.raises(NotAllowed):
        services.grant_role(actor=admin, user=OfficerFactory(), role=Role.SYSTEM_ADMIN)


def test_city_admin_of_kota_bekasi_manages_bekasi_but_not_kota_tegal(places):
    admin = OfficerFactory(city_admin=True, region=ensure_region("32.75"))
    officer = OfficerFactory()
    services.grant_role(actor=admin, user=officer, role=Role.OFFICE_ADMIN, office=places["bekasi_b"])
    with pytest.raises(NotAllowed):
        services.grant_role(actor=admin, user=officer, role=Role.PETUGAS_LOKET, office=places["tegal"])
    tegal_role = OfficerFactory(petugas=True, office=places["tegal"]).roles.get()
    with pytest.raises(NotAllowed):
        services.revoke_role(actor=admin, officer_role=tegal_role, reason="pindah tugas")
    tegal_role.refresh_from_db()
    assert tegal_role.is_active


def test_city_admin_never_grants_city_or_system_admin(places):
    admin = OfficerFactory(city_admin=True, region=ensure_region("32.75"))
    with pytest.raises(NotAllowed):
        services.grant_role(actor=admin, user=OfficerFactory(), role=Role.CITY_ADMIN, region=ensure_region("32.75"))
    with pytest.raises(NotAllowed):
        services.grant_role(actor=admin, user=OfficerFactory(), role=Role.SYSTEM_ADMIN)


@pytest.mark.parametrize("trait", ["petugas", "verifikator", "signer"])
def test_officers_without_an_admin_role_cannot_grant_anything(places, trait):
    actor = OfficerFactory(office=places["bekasi_a"], **{trait: True})
    for role in (Role.PETUGAS_LOKET, Role.VERIFIKATOR, Role.PENANDATANGAN, Role.OFFICE_ADMIN):
        with pytest.raises(NotAllowed):
            services.grant_role(actor=actor, user=OfficerFactory(), role=role, office=places["bekasi_a"])
    assert not AuditEntry.objects.filter(action="accounts.grant_role").exists()


def test_citizen_cannot_grant_and_cannot_receive_roles(places):
    citizen = CitizenFactory()
    with pytest.raises(NotAllowed):
        services.grant_role(actor=citizen, user=OfficerFactory(), role=Role.PETUGAS_LOKET, office=places["tegal"])
    with pytest.raises(DomainError, match="bukan akun warga"):
        services.grant_role(
            actor=OfficerFactory(system_admin=True), user=citizen, role=Role.PETUGAS_LOKET, office=places["tegal"]
        )


def test_system_admin_grants_city_admin_for_a_kabupaten_kota_only(places):
    admin = OfficerFactory(system_admin=True)
    officer = OfficerFactory()
    services.grant_role(actor=admin, user=officer, role=Role.CITY_ADMIN, region=ensure_region("33.76"))
    assert policy.allows(officer, policy.MANAGE_OFFICE, places["tegal"])
    with pytest.raises(DomainError):  # a kecamatan is not a kabupaten/kota
        services.grant_role(actor=admin, user=officer, role=Role.CITY_ADMIN, region=ensure_region("32.75.01"))
    with pytest.raises(DomainError):  # an office role needs an office
        services.grant_role(actor=admin, user=officer, role=Role.VERIFIKATOR)


def test_granting_a_held_role_twice_is_refused(places):
    admin = OfficerFactory(system_admin=True)
    officer = OfficerFactory(petugas=True, office=places["tegal"])
    with pytest.raises(DomainError, match="sudah memegang"):
        services.grant_role(actor=admin, user=officer, role=Role.PETUGAS_LOKET, office=places["tegal"])


def test_revoke_then_regrant_reuses_the_row_and_both_are_audited(places):
    admin = OfficerFactory(office_admin=True, office=places["tegal"])
    officer = OfficerFactory(verifikator=True, office=places["tegal"])
    role = officer.roles.get()
    with pytest.raises(DomainError, match="alasan"):
        services.revoke_role(actor=admin, officer_role=role, reason="  ")
    services.revoke_role(actor=admin, officer_role=role, reason="Mutasi ke Disdukcapil")
    officer = User.objects.get(pk=officer.pk)
    assert not policy.holds(officer, Role.VERIFIKATOR)
    with pytest.raises(DomainError, match="sudah dicabut"):
        services.revoke_role(actor=admin, officer_role=role, reason="lagi")
    again = services.grant_role(actor=admin, user=officer, role=Role.VERIFIKATOR, office=places["tegal"])
    assert again.pk == role.pk and again.is_active
    revoked = AuditEntry.objects.get(action="accounts.revoke_role")
    assert (revoked.from_state, revoked.to_state, revoked.reason) == (
        Role.VERIFIKATOR,
        "revoked",
        "Mutasi ke Disdukcapil",
    )
    assert AuditEntry.objects.get(action="accounts.grant_role").from_state == "revoked"


def test_the_last_system_admin_cannot_be_revoked():
    admin = OfficerFactory(system_admin=True)
    with pytest.raises(DomainError, match="admin sistem terakhir"):
        services.revoke_role(actor=admin, officer_role=admin.roles.get(), reason="pensiun")
    other = OfficerFactory(system_admin=True)
    services.revoke_role(actor=other, officer_role=admin.roles.get(), reason="pensiun")
    assert not policy.holds(User.objects.get(pk=admin.pk), Role.SYSTEM_ADMIN)


# --- passwords --------------------------------------------------------------------------


def test_change_own_password_needs_the_old_one_and_is_audited():
    citizen = CitizenFactory()
    with pytest.raises(DomainError, match="Kata sandi lama Anda salah"):
        services.change_password(actor=citizen, user=citizen, old_password="salah", new_password=GOOD_PASSWORD)
    services.change_password(actor=citizen, user=citizen, old_password=DEFAULT_PASSWORD, new_password=GOOD_PASSWORD)
    citizen.refresh_from_db()
    assert citizen.check_password(GOOD_PASSWORD)
    assert citizen.password.startswith("argon2$")
    entry = AuditEntry.objects.get(action="accounts.change_password")
    assert GOOD_PASSWORD not in str(entry.data) + entry.reason


def test_only_a_system_admin_resets_someone_elses_password(places):
    officer = OfficerFactory(petugas=True, office=places["tegal"])
    office_admin = OfficerFactory(office_admin=True, office=places["tegal"])
    with pytest.raises(NotAllowed):
        services.change_password(actor=office_admin, user=officer, new_password=GOOD_PASSWORD)
    services.change_password(actor=OfficerFactory(system_admin=True), user=officer, new_password=GOOD_PASSWORD)
    officer.refresh_from_db()
    assert officer.check_password(GOOD_PASSWORD)


def test_ensure_system_admin_never_makes_a_citizen_an_admin():
    citizen = CitizenFactory()
    with pytest.raises(DomainError) as refused:
        services.ensure_system_admin(username=citizen.nik, full_name="X", password="Sangat-Rahasia-2026")
    assert refused.value.code == "user"
    assert not citizen.roles.exists()
