"""The Django admin saves settings and templates through the services (their Indonesian refusals as
form errors, their audit rows); issued letters are read-only."""

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from loket.audit.models import AuditEntry
from loket.letters import services
from loket.letters.factories import SIGNER, SKU_VALUES, png_bytes
from loket.letters.models import LetterTemplate, OfficeLetterSettings
from loket.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = apps.get_model("accounts", "User").objects.create_superuser("root", None, full_name="Admin Sistem")
    client.force_login(user)
    return user


def template_data(service, **extra):
    return {
        "service": service.pk,
        "office": "",
        "classification_code": "500",
        "title": "SURAT KETERANGAN USAHA",
        "body": "Yang bertanda tangan di bawah ini menerangkan bahwa:\n\nNama : {{ nama }}\nUsaha : {{ nama_usaha }}",
        **extra,
    }


def test_a_template_with_an_unknown_placeholder_shows_the_services_message(client, superuser, service):
    url = reverse("admin:letters_lettertemplate_add")
    response = client.post(url, template_data(service, body="Nama : {{ nama_toko }}"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Penanda isian {{ nama_toko }} pada baris 1 tidak dikenal." in page
    assert "nama_usaha" in page
    assert not LetterTemplate.objects.exists()

    response = client.post(url, template_data(service, classification_code="47/0"))
    assert "bukan kode klasifikasi" in response.content.decode()


def test_a_template_saved_in_the_admin_is_audited_once_by_the_service(client, superuser, service):
    response = client.post(reverse("admin:letters_lettertemplate_add"), template_data(service))
    assert response.status_code == 302, response.content.decode()[:3000]
    template = LetterTemplate.objects.get()
    assert template.office is None and template.updated_at is not None
    rows = AuditEntry.objects.filter(object_type="letters.lettertemplate")
    assert [r.action for r in rows] == ["letters.template.save"]
    assert rows.get().actor == superuser

    url = reverse("admin:letters_lettertemplate_change", args=[template.pk])
    assert "{{ mulai_usaha }}" in client.get(url).content.decode()  # the allowed placeholders are listed
    response = client.post(url, template_data(service, title="SURAT KETERANGAN USAHA (SKU)"))
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.title == "SURAT KETERANGAN USAHA (SKU)"

    response = client.post(reverse("admin:letters_lettertemplate_add"), template_data(service))
    assert "Sudah ada templat surat bawaan untuk layanan ini." in response.content.decode()

    response = client.post(reverse("admin:letters_lettertemplate_delete", args=[template.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not LetterTemplate.objects.exists()
    deleted = AuditEntry.objects.get(object_type="letters.lettertemplate", action="letters.template.delete")
    assert deleted.data["title"] == "SURAT KETERANGAN USAHA (SKU)"
    assert not AuditEntry.objects.filter(action="admin.delete").exists()


def test_a_template_letters_were_issued_from_cannot_be_deleted_in_the_admin(client, superuser, template, office):
    services.issue_letter(actor=None, template=template, office=office, values=SKU_VALUES, signer=SIGNER, reference="")
    response = client.post(reverse("admin:letters_lettertemplate_delete", args=[template.pk]), {"post": "yes"})
    assert response.status_code == 200  # the admin lists the protected letters instead of deleting
    assert LetterTemplate.objects.filter(pk=template.pk).exists()
    assert not AuditEntry.objects.filter(action="letters.template.delete").exists()


def settings_data(office, **extra):
    return {
        "office": office.pk,
        "government_line": "PEMERINTAH KOTA PADANG",
        "unit_lines": "KECAMATAN PADANG UTARA\r\nKELURAHAN GUNUNG PANGILUN",
        "address_line": "Jl. Gunung Pangilun No. 21, Padang Utara, Kota Padang 25137",
        "contact_line": "Laman www.padang.go.id",
        "place_name": "Padang",
        "unit_code": "Kel.GP",
        "number_format": "{kode}/{nomor:03}/{unit}/{bulan_romawi}/{tahun}",
        **extra,
    }


def test_office_settings_in_the_admin_go_through_the_service(client, superuser, private_storage):
    office = OfficeFactory(kelurahan=True)
    url = reverse("admin:letters_officelettersettings_add")
    response = client.post(url, settings_data(office, number_format="{kode}/{unit}/{tahun}"))
    assert response.status_code == 200
    assert "Format nomor harus memuat {nomor}" in response.content.decode()

    bad_logo = SimpleUploadedFile("logo.png", b"bukan gambar", content_type="image/png")
    response = client.post(url, {**settings_data(office), "logo": bad_logo})
    assert "Logo harus berupa gambar PNG atau JPEG." in response.content.decode()

    logo = SimpleUploadedFile("lambang.png", png_bytes(50, 60), content_type="image/png")
    response = client.post(url, {**settings_data(office), "logo": logo})
    assert response.status_code == 302, response.content.decode()[:3000]
    row = OfficeLetterSettings.objects.get(office=office)
    assert row.unit_line_list == ["KECAMATAN PADANG UTARA", "KELURAHAN GUNUNG PANGILUN"]
    assert row.logo and private_storage.exists(row.logo.name)
    assert [e.action for e in AuditEntry.objects.filter(object_type="letters.officelettersettings")] == [
        "letters.settings.save"
    ]
    page = client.get(reverse("admin:letters_officelettersettings_change", args=[row.pk])).content.decode()
    assert "data:image/png;base64," in page  # shown inline: the private file has no URL
    assert row.logo.name not in page.replace("data:image", "")


def test_issued_letters_are_read_only(client, superuser, template, office):
    letter = services.issue_letter(
        actor=None, template=template, office=office, values=SKU_VALUES, signer=SIGNER, reference="permohonan:PMH-1"
    )
    assert client.get(reverse("admin:letters_letter_changelist")).status_code == 200
    change = reverse("admin:letters_letter_change", args=[letter.pk])
    page = client.get(change)
    assert page.status_code == 200 and letter.number in page.content.decode()
    assert client.post(change, {"number": "palsu"}).status_code == 403
    assert client.get(reverse("admin:letters_letter_add")).status_code == 403
    assert client.post(reverse("admin:letters_letter_delete", args=[letter.pk]), {"post": "yes"}).status_code == 403
    letter.refresh_from_db()
    assert letter.number.startswith("500/001/")
