"""The texts: Indonesian defaults for every kind of message, variables only, checked at save."""

import datetime as dt

import pytest
from django.db import transaction

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.core.errors import DomainError, NotAllowed
from loket.notifications import services, templating
from loket.notifications.models import MessageTemplate, TemplateKey
from loket.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db

CONTEXTS = {
    "booking_confirmed": {
        "nomor": "A-012",
        "layanan": "KTP-el",
        "kantor": "Kecamatan Ciputat",
        "tanggal": dt.date(2026, 9, 9),
        "sesi": "08.00-12.00 WIB",
    },
    "booking_reminder": {
        "nomor": "A-012",
        "layanan": "KTP-el",
        "kantor": "Kecamatan Ciputat",
        "tanggal": dt.date(2026, 9, 9),
        "sesi": "08.00-12.00 WIB",
    },
    "turn_near": {"nomor": "A-012", "kantor": "Kecamatan Ciputat", "sisa": 3},
    "called": {"nomor": "A-012", "loket": "Loket 2", "kantor": "Kecamatan Ciputat"},
    "request_returned": {"kode_permohonan": "PMH-7K3Q-9XTA", "layanan": "SKU", "alasan": "foto KTP buram"},
    "request_rejected": {"kode_permohonan": "PMH-7K3Q-9XTA", "layanan": "SKU", "alasan": "bukan warga kelurahan ini"},
    "document_ready": {
        "kode_permohonan": "PMH-7K3Q-9XTA",
        "layanan": "SKU",
        "tempat": "Kantor Kelurahan Sawah, Jl. Sawah 1",
    },
    "document_signed": {"kode_permohonan": "PMH-7K3Q-9XTA", "layanan": "SKU"},
    "otp_login": {"kode": "123456", "menit": 5},
    "otp_phone": {"kode": "123456", "menit": 5},
    "email_verify": {"tautan": "https://loket.example/v/abc"},
}
EXPECTED = {
    "booking_confirmed": "Loket: tiket A-012 untuk KTP-el di Kecamatan Ciputat, Rabu, 9 September 2026 sesi "
    "08.00-12.00 WIB. Tunjukkan kode QR di kantor.",
    "booking_reminder": "Loket: besok Rabu, 9 September 2026 sesi 08.00-12.00 WIB, tiket A-012 (KTP-el) di "
    "Kecamatan Ciputat. Bila berhalangan, batalkan di Loket.",
    "turn_near": "Loket: giliran tiket A-012 di Kecamatan Ciputat tinggal 3 nomor lagi. Mohon bersiap di dekat loket.",
    "called": "Loket: tiket A-012 dipanggil ke Loket 2, Kecamatan Ciputat. Silakan menuju loket sekarang.",
    "request_returned": "Loket: permohonan PMH-7K3Q-9XTA (SKU) dikembalikan untuk diperbaiki: foto KTP buram. "
    "Perbaiki di Loket.",
    "request_rejected": "Loket: permohonan PMH-7K3Q-9XTA (SKU) ditolak. Alasan: bukan warga kelurahan ini",
    "document_ready": "Loket: dokumen SKU (permohonan PMH-7K3Q-9XTA) sudah siap. Ambil di Kantor Kelurahan Sawah, "
    "Jl. Sawah 1 dengan kode QR permohonan.",
    "document_signed": "Loket: SKU (permohonan PMH-7K3Q-9XTA) sudah ditandatangani secara elektronik. Unduh suratnya "
    "di halaman permohonan di Loket.",
    "otp_login": "Kode masuk Loket: 123456. Berlaku 5 menit. JANGAN berikan kode ini kepada siapa pun, termasuk petugas.",
    "otp_phone": "Kode verifikasi nomor HP di Loket: 123456. Berlaku 5 menit. Jangan berikan kepada siapa pun.",
    "email_verify": "Loket: buka tautan ini dalam 2 hari untuk memastikan email Anda: https://loket.example/v/abc "
    "Abaikan bila tidak meminta.",
}


def test_every_kind_of_message_has_a_default_and_a_test_context():
    assert set(templating.KINDS) == set(TemplateKey.values) == set(CONTEXTS) == set(EXPECTED)


@pytest.mark.parametrize("key", TemplateKey.values)
def test_each_default_text_renders_in_indonesian_within_one_sms(key):
    spec = templating.kind(key)
    rendered = templating.render(key, text=spec.text, subject=spec.subject, context=CONTEXTS[key])
    assert rendered.text == EXPECTED[key]
    assert len(rendered.text) <= 160, len(rendered.text)
    assert set(rendered.text) <= templating.GSM7_BASIC  # one SMS of 160, not UCS-2
    assert "{" not in rendered.subject and rendered.subject
    # the defaults pass the admin's own validation
    assert templating.validate_text(key, spec.text) == spec.text


def test_a_one_time_code_has_a_redacted_twin():
    spec = templating.kind("otp_login")
    rendered = templating.render("otp_login", text=spec.text, subject=spec.subject, context=CONTEXTS["otp_login"])
    assert "123456" in rendered.text
    assert rendered.redacted_text.startswith("Kode masuk Loket: ******. Berlaku 5 menit.")
    plain = templating.render("called", text="{{ nomor }}", subject="", context=CONTEXTS["called"])
    assert plain.redacted_text == ""


def test_values_are_plain_one_line_text():
    rendered = templating.render(
        "request_returned",
        text=templating.kind("request_returned").text,
        subject="",
        context={"kode_permohonan": "PMH-1", "layanan": "SKU", "alasan": "baris satu\nbaris {{ dua }}\t\x07"},
    )
    assert "baris satu baris {{ dua }}" in rendered.text  # a value is never read as a placeholder
    assert "\n" not in rendered.text and "\x07" not in rendered.text
    empty = templating.render(
        "called", text="{{ nomor }} {{ loket }}", subject="", context={**CONTEXTS["called"], "loket": ""}
    )
    assert empty.text == "A-012 -"


def test_an_unknown_variable_is_refused_with_the_allowed_ones_in_indonesian():
    with pytest.raises(DomainError) as exc:
        templating.validate_text("called", "Tiket {{ nomor }} ke {{ counter }}")
    message = str(exc.value.message)
    assert "{{ counter }}" in message
    assert "nomor, loket, kantor" in message
    assert (
        message == "Penanda isian {{ counter }} pada baris 1 tidak dikenal. Yang boleh dipakai: nomor, loket, kantor."
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Isi teks pesan"),
        ("x" * 321, "paling banyak 320"),
        ("Tiket {{ nomor }", "kurung kurawal"),
        ("Tiket {{ nomor|upper }}", "bukan penanda isian"),
        ("Tiket {{ nomor }} – {{ kantor }}", "“–”"),
        ("Tiket “{{ nomor }}”", "“”"),
        ("NIK 3674041311870001 {{ nomor }}", "16 digit"),
    ],
)
def test_bad_texts_are_refused_saying_what_to_fix(text, fragment):
    with pytest.raises(DomainError) as exc:
        templating.validate_text("called", text)
    assert fragment in str(exc.value.message)


def test_datetimes_must_be_passed_as_local_text():
    with pytest.raises(TypeError):
        templating.value_text(dt.datetime(2026, 9, 9, 8, tzinfo=dt.UTC))
    start = dt.datetime(2026, 9, 9, 0, 0, tzinfo=dt.UTC)
    office = OfficeFactory(wita=True)
    assert templating.format_session(start, start + dt.timedelta(hours=4), office=office) == "08.00-12.00 WITA"
    assert templating.format_day(dt.date(2026, 9, 13)) == "Minggu, 13 September 2026"


def test_ensure_default_templates_is_idempotent_and_keeps_edits():
    MessageTemplate.objects.all().delete()
    assert services.ensure_default_templates() == len(TemplateKey.values)
    MessageTemplate.objects.filter(key="called").update(text="Diubah {{ nomor }}")
    assert services.ensure_default_templates() == 0
    assert MessageTemplate.objects.get(key="called").text == "Diubah {{ nomor }}"


def test_save_template_checks_the_actor_and_audits():
    from loket.audit.models import AuditEntry

    admin = OfficerFactory(system_admin=True)
    row = services.save_template(actor=admin, key="called", text="Tiket {{ nomor }} ke {{ loket }}.", subject="")
    assert row.text == "Tiket {{ nomor }} ke {{ loket }}." and row.updated_by == admin
    entry = AuditEntry.objects.get(action="notifications.template.save")
    assert entry.data["after"]["text"] == row.text
    with pytest.raises(NotAllowed):
        services.save_template(actor=OfficerFactory(petugas=True), key="called", text="{{ nomor }}")
    with pytest.raises(NotAllowed):
        services.save_template(actor=CitizenFactory(), key="called", text="{{ nomor }}")
    with pytest.raises(DomainError, match="tidak dapat dimatikan"):
        services.save_template(actor=admin, key="otp_login", text="Kode {{ kode }}", active=False)
    services.reset_template(actor=admin, key="called")
    assert MessageTemplate.objects.get(key="called").text == templating.kind("called").text


def test_an_otp_template_cannot_be_switched_off_even_in_the_database():
    services.ensure_default_templates()
    MessageTemplate.objects.filter(key="otp_login").update(active=False)
    with transaction.atomic():
        row = services.enqueue(
            event_key="otp.login:code:1",
            template="otp_login",
            recipient=CitizenFactory(),
            context={"kode": "000111", "menit": 5},
        )
    assert row is not None
