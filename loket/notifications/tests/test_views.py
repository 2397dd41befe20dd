"""The pages: verify the phone, log in with a code (neutral about accounts), choose the channels."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.audit.models import AuditEntry
from loket.notifications.models import ContactPreference, Notification, OneTimeCode

pytestmark = pytest.mark.django_db

VERIFY = reverse("notifications:verify_phone")
LOGIN = reverse("notifications:login_code")
PREFERENCES = reverse("notifications:preferences")


def test_the_routes_are_mounted_under_notifikasi():
    assert VERIFY == "/notifikasi/verifikasi-telepon/"
    assert LOGIN == "/notifikasi/masuk-kode/"
    assert PREFERENCES == "/notifikasi/preferensi/"


def last_code() -> str:
    return re.search(r"\b\d{6}\b", Notification.objects.order_by("-pk").first().text).group()


def page(response) -> str:
    return response.content.decode()


def verified_citizen():
    citizen = CitizenFactory()
    ContactPreference.objects.create(
        user=citizen, verified_phone=citizen.phone, phone_verified_at=dt.datetime.now(dt.UTC)
    )
    return citizen


# --- verifying the phone --------------------------------------------------------------------


def test_a_citizen_verifies_their_phone_with_a_code(client):
    citizen = CitizenFactory()
    client.force_login(citizen)
    body = page(client.get(VERIFY))
    assert "Verifikasi nomor HP saya" in body and "Belum diverifikasi" in body and citizen.phone in body
    response = client.post(VERIFY, {"action": "send"}, follow=True)
    assert f"Kami sudah mengirim kode ke {citizen.phone}. Kode berlaku 5 menit." in page(response)
    code = last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"action": "verify", "code": wrong})
    assert "Kode salah atau sudah tidak berlaku. Periksa lagi, atau minta kode baru." in page(response)
    response = client.post(VERIFY, {"action": "verify", "code": code}, follow=True)
    body = page(response)
    assert "Nomor HP Anda sudah terverifikasi." in body
    assert re.search(r'data-testid="phone-status">Terverifikasi<', body)
    assert ContactPreference.objects.get(user=citizen).verified_phone == citizen.phone
    assert code not in body


def test_asking_too_many_codes_is_refused_in_indonesian(client):
    citizen = CitizenFactory()
    client.force_login(citizen)
    for _ in range(3):
        client.post(VERIFY, {"action": "send"})
    body = page(client.post(VERIFY, {"action": "send"}))
    assert "Terlalu banyak kode diminta untuk nomor ini. Tunggu 15 menit, lalu minta lagi." in body
    assert OneTimeCode.objects.count() == 3


def test_an_account_without_a_phone_is_told_so(client):
    officer = OfficerFactory()
    client.force_login(officer)
    assert "Akun Anda belum punya nomor HP" in page(client.get(VERIFY))
    assert "Akun Anda belum punya nomor HP." in page(client.post(VERIFY, {"action": "send"}))


# --- logging in with a code ------------------------------------------------------------------


def _start(client, login):
    response = client.post(LOGIN, {"action": "start", "login": login}, follow=True)
    assert response.redirect_chain == [(LOGIN, 302)]
    return response


NEUTRAL = (
    "Bila NIK atau nomor ini milik akun dengan nomor HP terverifikasi, kami sudah mengirim kode 6 angka ke HP "
    "tersebut lewat SMS atau WhatsApp. Kode berlaku 5 menit."
)


def test_a_citizen_logs_in_with_a_code_sent_to_the_verified_phone(client):
    citizen = verified_citizen()
    assert "Masuk dengan kode" in page(client.get(LOGIN))
    response = _start(client, citizen.nik)
    assert NEUTRAL in page(response) and "Kode dari pesan" in page(response)
    notification = Notification.objects.get()
    assert notification.recipient == citizen and notification.template == "otp_login"
    response = client.post(LOGIN, {"action": "code", "code": last_code()}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:dashboard")
    assert response.context["user"].pk == citizen.pk
    assert f"Selamat datang, {citizen.full_name}!" in page(response)
    assert AuditEntry.objects.filter(action="notifications.otp.login", actor=citizen).count() == 1
    assert "_auth_user_backend" in client.session
    assert client.session["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"


def test_the_answer_is_the_same_whether_or_not_the_account_exists(client):
    citizen = verified_citizen()
    real = page(_start(client, citizen.nik))
    client.post(LOGIN, {"action": "restart"})
    unknown = page(_start(client, "3674041311879999"))
    client.post(LOGIN, {"action": "restart"})
    unverified = page(_start(client, CitizenFactory().nik))
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", real) == strip.sub("", unknown) == strip.sub("", unverified)
    assert Notification.objects.count() == 1  # only the real, verified account got a code
    # a wrong code reads the same too
    wrong_for_nobody = page(client.post(LOGIN, {"action": "code", "code": "123456"}))
    assert "Kode salah atau sudah tidak berlaku. Periksa lagi, atau minta kode baru." in wrong_for_nobody
    assert not response_is_logged_in(client)


def response_is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_codes_end_the_attempt(client):
    citizen = verified_citizen()
    _start(client, citizen.nik)
    code = last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert "Kode salah" in page(client.post(LOGIN, {"action": "code", "code": wrong}))
    response = client.post(LOGIN, {"action": "code", "code": wrong}, follow=True)
    body = page(response)
    assert "Terlalu banyak salah: kode ini tidak berlaku lagi. Minta kode baru." in body
    assert "NIK atau nomor HP" in body  # back at the first step
    assert not response_is_logged_in(client)
    # the code itself is void too
    _start(client, citizen.nik)
    client.post(LOGIN, {"action": "code", "code": code})
    assert not response_is_logged_in(client)


def test_a_code_that_is_not_six_digits_is_not_counted(client):
    _start(client, "3674041311879999")
    body = page(client.post(LOGIN, {"action": "code", "code": "12"}))
    assert "Isi kode 6 angka dari pesan." in body


def test_input_that_is_neither_a_nik_nor_a_phone_is_refused(client):
    body = page(client.post(LOGIN, {"action": "start", "login": "budi"}))
    assert "Isi NIK (16 digit) atau nomor HP Anda, misalnya 0812 3456 7890." in body


def test_requests_from_one_address_are_limited(client, settings):
    settings.OTP_REQUESTS_PER_IP_PER_HOUR = 2
    citizen = verified_citizen()
    _start(client, citizen.nik)
    client.post(LOGIN, {"action": "restart"})
    _start(client, "3674041311879999")
    client.post(LOGIN, {"action": "restart"})
    body = page(client.post(LOGIN, {"action": "start", "login": citizen.nik}))
    assert "Terlalu banyak permintaan dari koneksi ini." in body
    assert Notification.objects.count() == 1


def test_a_logged_in_user_is_sent_to_the_dashboard(client):
    client.force_login(CitizenFactory())
    assert client.get(LOGIN)["Location"] == reverse("accounts:dashboard")


# --- channel preferences --------------------------------------------------------------------


def test_a_citizen_chooses_the_channel_order(client):
    citizen = CitizenFactory(email="warga@contoh.id")
    client.force_login(citizen)
    body = page(client.get(PREFERENCES))
    assert "Cara kami menghubungi Anda" in body and "belum diverifikasi: kami belum mengirim email" in body
    assert re.search(r'data-testid="reachable">SMS, WhatsApp<', body)
    response = client.post(PREFERENCES, {"first": "sms", "second": "email", "third": ""}, follow=True)
    assert "Tersimpan: kami akan menghubungi Anda dengan urutan ini." in page(response)
    assert ContactPreference.objects.get(user=citizen).channels == ["sms", "email"]
    entry = AuditEntry.objects.get(action="notifications.preference.set")
    assert (entry.actor, entry.to_state) == (citizen, "sms,email")
    body = page(client.post(PREFERENCES, {"first": "sms", "second": "sms"}))
    assert "Pilih setiap cara hanya sekali." in body


def test_officers_cannot_open_the_preferences(client):
    client.force_login(OfficerFactory(petugas=True))
    assert client.get(PREFERENCES).status_code == 403
