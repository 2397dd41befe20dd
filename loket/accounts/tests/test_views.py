"""Accounts pages through the test client: login (NIK or username), lockout, registration,
dashboard and the officers page, in Indonesian by default."""

import pytest
from django.urls import reverse

from loket.accounts.factories import DEFAULT_PASSWORD, CitizenFactory, OfficerFactory, make_nik
from loket.accounts.models import OfficerRole, User
from loket.audit.models import AuditEntry
from loket.core import policy
from loket.core.policy import Role
from loket.offices.factories import OfficeFactory, ensure_region

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def _login(client, login, password=DEFAULT_PASSWORD, **extra):
    return client.post(LOGIN, {"login": login, "password": password}, **extra)


def _logged_in_user(client):
    return client.get(reverse("accounts:dashboard")).context["user"]


# --- login ------------------------------------------------------------------------------


def test_login_page_is_indonesian(client):
    page = client.get(LOGIN).content.decode()
    assert "NIK atau nama pengguna" in page
    assert "Daftar dengan NIK Anda" in page


@pytest.mark.parametrize(
    "typed",
    [
        lambda nik: nik,
        lambda nik: f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}",
        lambda nik: f"{nik[:2]}.{nik[2:4]}.{nik[4:6]}.{nik[6:]}",
        lambda nik: f" {nik[:6]}-{nik[6:12]}-{nik[12:]} ",
    ],
    ids=["plain", "spaces", "dots", "dashes"],
)
def test_citizen_logs_in_with_nik_even_with_spaces_or_dots(client, typed):
    citizen = CitizenFactory()
    response = _login(client, typed(citizen.nik))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")
    assert _logged_in_user(client).pk == citizen.pk


def test_officer_logs_in_with_username_in_any_case(client):
    officer = OfficerFactory(username="rina.w", petugas=True)
    response = _login(client, "RINA.W")
    assert response.status_code == 302
    assert _logged_in_user(client).pk == officer.pk


def test_login_follows_a_safe_next_but_not_an_external_one(client):
    OfficerFactory(username="rina.w")
    response = client.post(
        LOGIN + "?next=/kantor/", {"login": "rina.w", "password": DEFAULT_PASSWORD, "next": "/kantor/"}
    )
    assert response["Location"] == "/kantor/"
    client.logout()
    response = client.post(LOGIN, {"login": "rina.w", "password": DEFAULT_PASSWORD, "next": "https://jahat.example/"})
    assert response["Location"] == reverse("accounts:dashboard")


def test_wrong_password_shows_an_indonesian_error_and_does_not_log_in(client):
    citizen = CitizenFactory()
    response = _login(client, citizen.nik, "salah-sekali")
    assert response.status_code == 200
    assert "NIK/nama pengguna atau kata sandi salah" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_inactive_account_cannot_log_in(client):
    officer = OfficerFactory(username="nonaktif", is_active=False)
    response = _login(client, officer.username)
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated


def test_five_failures_lock_the_account_from_that_address_with_an_indonesian_page(client, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    citizen = CitizenFactory()
    for _ in range(4):
        assert _login(client, citizen.nik, "salah").status_code == 200
    locked = _login(client, citizen.nik, "salah")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Login dikunci sementara" in page
    assert "5 kali berturut-turut" in page
    assert "Coba lagi dalam 15 menit" in page
    # Even the right password is refused while locked, also when typed with spaces.
    spaced = f"{citizen.nik[:4]} {citizen.nik[4:]}"
    assert _login(client, spaced).status_code == 429
    assert not client.get(reverse("accounts:dashboard")).wsgi_request.user.is_authenticated
    # The lock is for this account from this address: another device still gets in.
    assert _login(client, citizen.nik, REMOTE_ADDR="10.1.2.3").status_code == 302
    # The throttling table never holds the NIK itself.
    from axes.models import AccessAttempt, AccessFailureLog

    stored = list(AccessAttempt.objects.values_list("username", flat=True))
    stored += list(AccessFailureLog.objects.values_list("username", flat=True))
    assert stored and all(citizen.nik not in (name or "") for name in stored)


def test_a_successful_login_resets_the_failure_count(client):
    officer = OfficerFactory(username="budi")
    for _ in range(4):
        _login(client, "budi", "salah")
    assert _login(client, "budi").status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        assert _login(client, "budi", "salah").status_code == 200
    assert _login(client, "budi").status_code == 302
    assert officer.pk == _logged_in_user(client).pk


def test_logout_is_post_only(client):
    officer = OfficerFactory()
    client.force_login(officer)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


# --- registration -----------------------------------------------------------------------


def _register_data(nik, **overrides):
    data = {
        "nik": nik,
        "full_name": "Ahmad Fauzi",
        "phone": "0812 3456 7890",
        "email": "",
        "password1": "Kopi-Tubruk-88",
        "password2": "Kopi-Tubruk-88",
    }
    data.update(overrides)
    return data


def test_register_creates_a_citizen_logs_in_and_welcomes_in_indonesian(client):
    ensure_region("36.74.04")
    nik = make_nik(77)
    response = client.post(reverse("accounts:register"), _register_data(f"{nik[:6]} {nik[6:]}"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:dashboard")
    page = response.content.decode()
    assert "Akun Anda sudah siap" in page
    user = User.objects.get(nik=nik)
    assert user.phone == "+6281234567890"
    assert response.context["user"].pk == user.pk
    assert f"{nik[:4]}********{nik[12:]}" in page
    assert nik not in page


def test_register_shows_field_errors_in_indonesian_and_keeps_the_input(client):
    ensure_region("36.74.04")
    nik = make_nik(78)
    response = client.post(reverse("accounts:register"), _register_data(nik, phone="12345"))
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == [
        "Isi nomor HP Indonesia yang benar, misalnya 0812 3456 7890 atau +62 812 3456 7890."
    ]
    assert 'value="Ahmad Fauzi"' in response.content.decode()
    response = client.post(reverse("accounts:register"), _register_data(nik, password2="lain"))
    assert "Kedua kata sandi berbeda" in response.content.decode()
    assert not User.objects.exists()


def test_register_invalid_and_duplicate_nik_are_shown_on_the_nik_field(client):
    ensure_region("36.74.04")
    citizen = CitizenFactory()
    response = client.post(reverse("accounts:register"), _register_data(citizen.nik))
    assert "Akun dengan NIK ini sudah terdaftar" in " ".join(response.context["form"].errors["nik"])
    response = client.post(reverse("accounts:register"), _register_data("3674041311870001"))  # month 11, day 13: ok
    assert response.status_code == 302
    client.logout()
    response = client.post(reverse("accounts:register"), _register_data("36740412118700"))
    assert response.context["form"].errors["nik"]
    assert User.objects.count() == 2


# --- dashboard --------------------------------------------------------------------------


def test_citizen_dashboard_shows_own_data_with_masked_nik(client):
    citizen = CitizenFactory(full_name="Dewi Lestari")
    other = CitizenFactory(full_name="Orang Lain")
    client.force_login(citizen)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Dewi Lestari" in page
    assert citizen.masked_nik in page
    assert citizen.nik not in page
    assert "Orang Lain" not in page and other.masked_nik not in page


def test_officer_dashboard_lists_only_the_offices_they_administer(client):
    mine = OfficeFactory(name="Kelurahan Sawah Baru")
    theirs = OfficeFactory(name="Kelurahan Serua")
    officer = OfficerFactory(office_admin=True, office=mine)
    OfficerFactory(office_admin=True, office=theirs)
    client.force_login(officer)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Peran saya" in page
    assert "Admin kantor" in page
    assert "Kantor yang saya kelola" in page
    assert "Kelurahan Sawah Baru" in page
    assert "Kelurahan Serua" not in page
    assert reverse("accounts:officers") in page
    assert reverse("offices:manage_hours", kwargs={"slug": mine.slug}) in page
    assert reverse("offices:manage_hours", kwargs={"slug": theirs.slug}) not in page
    assert reverse("offices:manage_holidays") not in page  # local closures are a city admin's task


def test_city_admin_dashboard_links_to_holidays_and_local_closures(client):
    office = OfficeFactory(name="Kelurahan Sawah")
    client.force_login(OfficerFactory(city_admin=True, region=office.region.parent.parent))
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert reverse("offices:manage_holidays") in page
    assert "Hari libur dan libur lokal" in page


def test_petugas_dashboard_has_no_admin_links(client):
    office = OfficeFactory(name="Kelurahan Jombang")
    client.force_login(OfficerFactory(petugas=True, office=office))
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Petugas loket" in page and "Kelurahan Jombang" in page
    assert "Kantor yang saya kelola" not in page
    assert reverse("accounts:officers") not in page


# --- officers page ----------------------------------------------------------------------


@pytest.fixture
def two_offices():
    return OfficeFactory(name="Kelurahan Cipayung"), OfficeFactory(name="Kelurahan Serua Indah")


def test_officers_page_lists_only_officers_of_managed_offices(client, two_offices):
    a, b = two_offices
    admin = OfficerFactory(office_admin=True, office=a)
    OfficerFactory(petugas=True, office=a, full_name="Agus Petugas A")
    OfficerFactory(petugas=True, office=b, full_name="Bambang Petugas B")
    client.force_login(admin)
    page = client.get(reverse("accounts:officers")).content.decode()
    assert "Petugas dan peran" in page
    assert "Agus Petugas A" in page
    assert "Bambang Petugas B" not in page


def test_officers_page_refuses_petugas(client, two_offices):
    client.force_login(OfficerFactory(petugas=True, office=two_offices[0]))
    assert client.get(reverse("accounts:officers")).status_code == 403


def test_office_admin_grants_and_revokes_a_role_through_the_page(client, two_offices):
    a, _ = two_offices
    admin = OfficerFactory(office_admin=True, office=a)
    officer = OfficerFactory(username="sari", full_name="Sari Verifikator")
    client.force_login(admin)
    url = reverse("accounts:officers")
    response = client.post(
        url, {"action": "grant", "username": "sari", "office": a.pk, "role": Role.VERIFIKATOR, "title": ""}, follow=True
    )
    assert "Sari Verifikator sekarang menjadi Verifikator di Kelurahan Cipayung" in response.content.decode()
    role = OfficerRole.objects.get(user=officer, office=a, role=Role.VERIFIKATOR, is_active=True)
    response = client.post(url, {"action": "revoke", "officer_role": role.pk, "reason": "Pindah tugas"}, follow=True)
    assert "Peran telah dicabut" in response.content.decode()
    role.refresh_from_db()
    assert not role.is_active
    assert list(AuditEntry.objects.filter(actor=admin).values_list("action", flat=True).order_by("id")) == [
        "accounts.grant_role",
        "accounts.revoke_role",
    ]


def test_office_admin_cannot_revoke_a_role_at_another_office_by_posting_its_id(client, two_offices):
    a, b = two_offices
    admin = OfficerFactory(office_admin=True, office=a)
    elsewhere = OfficerFactory(petugas=True, office=b).roles.get()
    client.force_login(admin)
    response = client.post(
        reverse("accounts:officers"), {"action": "revoke", "officer_role": elsewhere.pk, "reason": "x"}
    )
    assert "Peran ini tidak ada di kantor yang Anda kelola" in response.content.decode()
    elsewhere.refresh_from_db()
    assert elsewhere.is_active


def test_office_admin_cannot_grant_at_another_office_through_the_page(client, two_offices):
    a, b = two_offices
    client.force_login(OfficerFactory(office_admin=True, office=a))
    OfficerFactory(username="dodi")
    response = client.post(
        reverse("accounts:officers"),
        {"action": "grant", "username": "dodi", "office": b.pk, "role": Role.PETUGAS_LOKET},
    )
    assert response.status_code == 200
    assert response.context["grant_form"].errors["office"]
    assert not OfficerRole.objects.filter(office=b, user__username="dodi").exists()


def test_office_admin_creates_an_officer_account_through_the_page(client, two_offices):
    client.force_login(OfficerFactory(office_admin=True, office=two_offices[0]))
    data = {"action": "create", "username": "tono", "full_name": "Tono Sutono", "password": "Kopi-Tubruk-88"}
    response = client.post(reverse("accounts:officers"), data, follow=True)
    assert "Akun tono telah dibuat" in response.content.decode()
    assert User.objects.get(username="tono").is_officer
    response = client.post(reverse("accounts:officers"), data)
    assert "Nama pengguna ini sudah dipakai" in response.content.decode()


def test_no_nik_appears_in_log_lines_about_failed_logins_and_lockouts(client, caplog):
    citizen = CitizenFactory()
    with caplog.at_level("DEBUG"):
        for _ in range(6):
            _login(client, citizen.nik, "salah")
    # Axes logs the attempt under the keyed hash that stands for the NIK, never the NIK itself.
    assert any("nik:" in r.getMessage() for r in caplog.records)
    assert not [r.getMessage() for r in caplog.records if citizen.nik in r.getMessage()]


def test_city_admin_page_covers_their_city_and_not_another(client):
    bekasi = OfficeFactory(region_code="32.75.01", name="Kecamatan Bekasi Timur")
    tegal = OfficeFactory(region_code="33.76.01", name="Kecamatan Tegal Barat")
    OfficerFactory(petugas=True, office=bekasi, full_name="Petugas Bekasi")
    OfficerFactory(petugas=True, office=tegal, full_name="Petugas Tegal")
    OfficerFactory(username="baru")
    client.force_login(OfficerFactory(city_admin=True, region=ensure_region("32.75")))
    url = reverse("accounts:officers")
    page = client.get(url).content.decode()
    assert "Petugas Bekasi" in page and "Petugas Tegal" not in page
    assert "Kecamatan Tegal Barat" not in page
    client.post(url, {"action": "grant", "username": "baru", "office": bekasi.pk, "role": Role.OFFICE_ADMIN})
    assert policy.allows(User.objects.get(username="baru"), policy.MANAGE_OFFICE, bekasi)
    response = client.post(url, {"action": "grant", "username": "baru", "office": tegal.pk, "role": Role.PETUGAS_LOKET})
    assert response.context["grant_form"].errors["office"]
    assert not policy.allows(User.objects.get(username="baru"), policy.MANAGE_OFFICE, tegal)
