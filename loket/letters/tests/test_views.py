"""The office admin's letter pages (/surat/kelola/…): letterhead and numbering, letter templates per
service with a preview of the typed text, back to the default; in Indonesian by default."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.audit.models import AuditEntry
from loket.catalog.factories import ServiceFactory
from loket.letters import selectors, services
from loket.letters.factories import SIGNER, SKU_VALUES, LetterTemplateFactory, png_bytes, sku_template
from loket.letters.models import LetterTemplate, OfficeLetterSettings
from loket.letters.tests.conftest import one_line, pdf_text
from loket.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db

# Tuesday 1 December 2026, 10:00 WIB
NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen(freeze):
    freeze(NOW)


@pytest.fixture
def admin(office):
    return OfficerFactory(office_admin=True, office=office)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def manage_url(office) -> str:
    return reverse("letters:manage", kwargs={"slug": office.slug})


def template_url(office, service) -> str:
    return reverse("letters:template", kwargs={"slug": office.slug, "service_slug": service.slug})


def text(response) -> str:
    """The page's text with entities unescaped; a textarea keeps the typed CRLF line ends, read as LF."""
    return html_lib.unescape(response.content.decode()).replace("\r\n", "\n")


SETTINGS_POST = {
    "kop-government_line": "PEMERINTAH KOTA TANGERANG SELATAN",
    "kop-unit_lines": "KECAMATAN CIPUTAT\r\nKELURAHAN CIPUTAT",
    "kop-address_line": "Jl. Aria Putra No. 12, Ciputat, Kota Tangerang Selatan 15411",
    "kop-contact_line": "Telepon (021) 7401234 · Laman www.tangerangselatankota.go.id",
    "kop-place_name": "Tangerang Selatan",
    "kop-unit_code": "Kel.Cpt",
    "kop-number_format": "{kode}/{nomor:04}/{unit}/{bulan_romawi}/{tahun}",
}


def template_post(action: str, **fields) -> dict:
    data = {
        "action": action,
        "templat-classification_code": "500",
        "templat-title": "SURAT KETERANGAN USAHA KELURAHAN CIPUTAT",
        "templat-body": "Yang bertanda tangan di bawah ini menerangkan bahwa:\r\n\r\n"
        "Nama : {{ nama }}\r\nNama Usaha : {{ nama_usaha }}\r\n\r\nDemikian.",
    }
    data.update({f"templat-{key}": value for key, value in fields.items()})
    return data


# --- the letterhead and numbering page --------------------------------------------------------


def test_the_page_shows_the_letterhead_form_and_the_services_with_their_templates(admin_client, office, template):
    own_service = ServiceFactory(name="Surat keterangan domisili", slug="domisili")
    LetterTemplateFactory(service=own_service, office=office, title="SURAT KETERANGAN DOMISILI CIPUTAT")
    bare = ServiceFactory(name="Surat keterangan tidak mampu", slug="sktm")
    ServiceFactory(name="Legalisir fotokopi", slug="legalisir", allows_online_request=False)
    ServiceFactory(name="KTP-el", slug="ktp", office_kinds=["disdukcapil"])

    response = admin_client.get(manage_url(office))
    assert response.status_code == 200
    body = text(response)
    assert f"Kop dan templat surat {office.name}" in body
    # The letterhead form, filled with the office's settings.
    assert 'name="kop-government_line" value="PEMERINTAH KOTA TANGERANG SELATAN"' in body
    assert "KECAMATAN CIPUTAT\nKELURAHAN CIPUTAT</textarea>" in body
    assert 'name="kop-number_format" value="{kode}/{nomor:03}/{unit}/{bulan_romawi}/{tahun}"' in body
    assert "Kop surat tidak memakai logo." in body
    # The number format explained, with this month's example (series of the first template used).
    assert "{nomor:04}" in body and "bilangan Romawi" in body
    assert '<td class="code">XII</td>' in body and '<td class="code">0012</td>' in body
    assert "mendapat nomor 470/012/Kel.Cpt/XII/2026." in one_line(
        body.replace('<strong class="code">', "").replace("</strong>", "")
    )
    # Only the services requested online at this office, each with the template that applies.
    rows = {row.service.slug: row for row in response.context["rows"]}
    assert set(rows) == {template.service.slug, "domisili", "sktm"}
    assert rows[template.service.slug].own is None and rows[template.service.slug].default == template
    assert rows["domisili"].own.title == "SURAT KETERANGAN DOMISILI CIPUTAT"
    assert rows["sktm"].applies is None
    assert "Bawaan: SURAT KETERANGAN USAHA" in body
    assert "Milik kantor ini: SURAT KETERANGAN DOMISILI CIPUTAT" in body
    assert "Belum ada: surat belum dapat dibuat" in body
    assert template_url(office, bare) in body
    assert "Legalisir fotokopi" not in body and "KTP-el" not in body


def test_an_office_without_letterhead_gets_an_empty_form_and_a_warning(client):
    office = OfficeFactory(kelurahan=True)
    client.force_login(OfficerFactory(office_admin=True, office=office))
    response = client.get(manage_url(office))
    assert response.status_code == 200
    body = text(response)
    assert "Kantor ini belum memiliki kop surat" in body
    assert 'name="kop-number_format" value="{kode}/{nomor:03}/{unit}/{bulan_romawi}/{tahun}"' in body


def test_saving_the_letterhead_and_numbering(admin_client, admin, office):
    response = admin_client.post(manage_url(office), SETTINGS_POST)
    assert response.status_code == 302 and response["Location"] == manage_url(office)
    row = OfficeLetterSettings.objects.get(office=office)
    assert row.number_format == "{kode}/{nomor:04}/{unit}/{bulan_romawi}/{tahun}"
    assert row.contact_line == "Telepon (021) 7401234 · Laman www.tangerangselatankota.go.id"
    assert row.unit_line_list == ["KECAMATAN CIPUTAT", "KELURAHAN CIPUTAT"]
    assert AuditEntry.objects.get(action="letters.settings.save").actor == admin
    body = text(admin_client.get(response["Location"]))
    assert f"Tersimpan: kop surat dan penomoran surat {office.name}." in body
    assert "470/0012/Kel.Cpt/XII/2026" in body


def test_a_bad_number_format_keeps_the_typed_values_with_the_indonesian_error(admin_client, office):
    data = {**SETTINGS_POST, "kop-number_format": "{kode}/{unit}/{tahun}", "kop-place_name": "Ciputat"}
    response = admin_client.post(manage_url(office), data)
    assert response.status_code == 400
    body = text(response)
    assert "Format nomor harus memuat {nomor}, misalnya {kode}/{nomor:03}/{unit}/{bulan_romawi}/{tahun}." in body
    assert 'value="{kode}/{unit}/{tahun}"' in body and 'value="Ciputat"' in body
    assert OfficeLetterSettings.objects.get(office=office).place_name == "Tangerang Selatan"
    assert 'data-testid="example-number"' not in body


def test_a_refusal_of_the_service_shows_on_the_form(admin_client, office):
    data = {**SETTINGS_POST, "kop-unit_code": "Kel.{GP}"}
    response = admin_client.post(manage_url(office), data)
    assert response.status_code == 400
    body = text(response)
    assert "Kode unit tidak boleh memuat kurung kurawal." in body
    assert 'value="Kel.{GP}"' in body


def test_a_logo_is_uploaded_and_removed(admin_client, office):
    logo = SimpleUploadedFile("lambang.png", png_bytes(), content_type="image/png")
    assert admin_client.post(manage_url(office), {**SETTINGS_POST, "kop-logo": logo}).status_code == 302
    row = OfficeLetterSettings.objects.get(office=office)
    assert row.logo and row.logo_sha256
    body = text(admin_client.get(manage_url(office)))
    assert "Kop surat memakai logo." in body and 'name="kop-remove_logo"' in body
    not_an_image = SimpleUploadedFile("lambang.png", b"GIF89a not a png", content_type="image/png")
    response = admin_client.post(manage_url(office), {**SETTINGS_POST, "kop-logo": not_an_image})
    assert response.status_code == 400 and "Logo harus berupa gambar PNG atau JPEG." in text(response)
    assert admin_client.post(manage_url(office), {**SETTINGS_POST, "kop-remove_logo": "on"}).status_code == 302
    row.refresh_from_db()
    assert not row.logo


# --- a service's template ---------------------------------------------------------------------


def test_the_template_page_starts_from_a_copy_of_the_default_and_lists_the_placeholders(admin_client, office, template):
    response = admin_client.get(template_url(office, template.service))
    assert response.status_code == 200
    body = text(response)
    assert "memakai templat bawaan untuk layanan ini" in body
    assert 'name="templat-title" value="SURAT KETERANGAN USAHA"' in body
    assert "Nama Usaha : {{ nama_usaha }}" in body  # the default's body in the textarea
    # The allowed placeholders: the standard ones explained, the service's own with their labels.
    placeholders = {p.token: p for p in response.context["placeholders"]}
    assert list(placeholders) == [f"{{{{ {key} }}}}" for key in selectors.allowed_placeholders(template.service)]
    assert placeholders["{{ nik }}"].meaning == "NIK pemohon (16 digit)"
    assert placeholders["{{ nama_usaha }}"].meaning == "Nama usaha"
    assert placeholders["{{ mulai_usaha }}"].optional
    assert all(placeholders[f"{{{{ {key} }}}}"].sample for key in ("nama", "nik", "kelurahan", "mulai_usaha"))
    assert "<code>{{ tanggal_permohonan }}</code>" in body and "Tanggal permohonan diajukan" in body
    # The rules in plain words.
    assert "Baris kosong memulai paragraf baru" in body
    assert "<code>Nama : {{ nama }}</code>" in body
    assert "Pratinjau" in body and "Simpan" in body
    assert "Kembali ke templat bawaan" not in body  # nothing of its own to delete yet


def test_a_template_with_an_unknown_placeholder_is_refused_and_the_typed_body_kept(admin_client, office, template):
    typed = "Nama : {{ nama }}\r\nNama Ibu : {{ nama_ibu }}\r\n\r\nTeks yang sudah diketik #1."
    response = admin_client.post(template_url(office, template.service), template_post("save", body=typed))
    assert response.status_code == 400
    body = text(response)
    assert "Penanda isian {{ nama_ibu }} pada baris 2 tidak dikenal. Yang boleh dipakai: nama, nik," in body
    assert "nama_usaha, jenis_usaha, alamat_usaha, mulai_usaha." in body
    assert "Nama Ibu : {{ nama_ibu }}\n\nTeks yang sudah diketik #1.</textarea>" in body
    assert not LetterTemplate.objects.filter(office=office).exists()


def test_unbalanced_braces_are_refused_with_the_line(admin_client, office, template):
    response = admin_client.post(
        template_url(office, template.service), template_post("save", body="Nama : {{ nama }\n")
    )
    assert response.status_code == 400
    assert "Baris 1 memiliki kurung kurawal yang tidak berpasangan." in text(response)


def test_the_preview_renders_the_typed_text_unsaved(admin_client, office, template):
    response = admin_client.post(
        template_url(office, template.service), template_post("preview", title="SURAT KETERANGAN USAHA BARU")
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    pdf = pdf_text(response.content)
    assert "SURAT KETERANGAN USAHA BARU" in pdf
    assert "PRATINJAU" in pdf
    assert "Nama : Siti Rahmawati" in pdf and "Nama Usaha : Warung Makan Sederhana Bu Sri" in pdf
    assert "NAMA PEJABAT" in pdf and "LURAH CIPUTAT" in pdf
    assert "Nomor : 500/.../Kel.Cpt/XII/2026" in pdf
    assert not LetterTemplate.objects.filter(office=office).exists()
    assert selectors.template_for(office, template.service) == template


def test_typst_markup_typed_in_the_body_is_printed_literally(admin_client, office, template):
    typed = 'Catatan #set text(red) dan $x$ *tebal* #pagebreak() #read("/etc/passwd")\r\n\r\nNama : {{ nama }}'
    response = admin_client.post(template_url(office, template.service), template_post("preview", body=typed))
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1  # #pagebreak() did not run
    pdf = one_line(pdf_text(response.content))
    assert 'Catatan #set text(red) dan $x$ *tebal* #pagebreak() #read("/etc/passwd")' in pdf
    assert "root:" not in pdf


def test_a_broken_typed_template_shows_the_refusal_instead_of_a_preview(admin_client, office, template):
    response = admin_client.post(
        template_url(office, template.service), template_post("preview", body="Nama : {{ Nama }}", title="")
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    body = text(response)
    assert "Isi judul surat, misalnya SURAT KETERANGAN USAHA." in body
    assert "Nama : {{ Nama }}</textarea>" in body


def test_no_preview_before_the_office_has_a_letterhead(client, service):
    office = OfficeFactory(kelurahan=True)
    client.force_login(OfficerFactory(office_admin=True, office=office))
    response = client.post(template_url(office, service), template_post("preview"))
    assert response.status_code == 400
    assert "belum memiliki kop surat" in text(response)


def test_saving_creates_the_offices_own_template(admin_client, admin, office, template):
    response = admin_client.post(template_url(office, template.service), template_post("save"))
    assert response.status_code == 302 and response["Location"] == template_url(office, template.service)
    own = LetterTemplate.objects.get(office=office)
    assert selectors.template_for(office, template.service) == own
    assert own.title == "SURAT KETERANGAN USAHA KELURAHAN CIPUTAT"
    assert own.body.endswith("Nama Usaha : {{ nama_usaha }}\n\nDemikian.")
    assert AuditEntry.objects.get(action="letters.template.save").actor == admin
    body = text(admin_client.get(response["Location"]))
    assert f"Tersimpan: templat surat {office.name} untuk {template.service.name}." in body
    assert "memakai templatnya sendiri" in body
    assert "Kembali ke templat bawaan" in body
    # Saving again changes the same row.
    admin_client.post(template_url(office, template.service), template_post("save", title="SURAT KETERANGAN USAHA"))
    assert LetterTemplate.objects.get(office=office).pk == own.pk


def test_a_service_without_any_template_gets_a_start(admin_client, office):
    service = ServiceFactory(name="Surat keterangan tidak mampu (SKTM)", slug="sktm")
    body = text(admin_client.get(template_url(office, service)))
    assert "Belum ada templat untuk layanan ini" in body
    assert 'name="templat-title" value="SURAT KETERANGAN TIDAK MAMPU"' in body
    assert "NIK : {{ nik }}" in body


def test_back_to_the_default_deletes_the_offices_template(admin_client, admin, office, template):
    own = sku_template(template.service, office=office, title="SURAT KETERANGAN USAHA CIPUTAT")
    response = admin_client.post(template_url(office, template.service), {"action": "revert"})
    assert response.status_code == 302 and response["Location"] == manage_url(office) + "#templat"
    assert not LetterTemplate.objects.filter(pk=own.pk).exists()
    assert selectors.template_for(office, template.service) == template
    entry = AuditEntry.objects.get(action="letters.template.delete")
    assert entry.actor == admin and entry.office_id == office.pk and entry.object_id == str(own.pk)
    body = text(admin_client.get(response["Location"]))
    assert "Templat milik kantor dihapus: surat untuk" in body


def test_back_to_the_default_is_refused_once_letters_were_issued_from_it(admin_client, office, template):
    own = sku_template(template.service, office=office)
    services.issue_letter(actor=None, template=own, office=office, values=SKU_VALUES, signer=SIGNER, reference="")
    body = text(admin_client.get(template_url(office, template.service)))
    assert "1 surat sudah diterbitkan dari templat kantor ini" in body and 'data-testid="revert-form"' not in body
    response = admin_client.post(template_url(office, template.service), {"action": "revert"}, follow=True)
    assert LetterTemplate.objects.filter(pk=own.pk).exists()
    assert not AuditEntry.objects.filter(action="letters.template.delete").exists()
    assert "Templat ini tidak dapat dihapus: 1 surat sudah diterbitkan darinya" in text(response)
    assert "Ubah saja templatnya" in text(response)


def test_delete_template_refuses_others():
    office = OfficeFactory(kelurahan=True)
    own = LetterTemplateFactory(office=office)
    from loket.core.errors import NotAllowed

    for outsider in (OfficerFactory(petugas=True, office=office), OfficerFactory(office_admin=True)):
        with pytest.raises(NotAllowed):
            services.delete_template(actor=outsider, template=own)
    default = LetterTemplateFactory()
    with pytest.raises(NotAllowed):
        services.delete_template(actor=OfficerFactory(office_admin=True, office=office), template=default)
    assert LetterTemplate.objects.count() == 2


def test_unknown_offices_and_services_are_404(admin_client, office, template):
    assert admin_client.get(reverse("letters:manage", kwargs={"slug": "tidak-ada"})).status_code == 404
    assert (
        admin_client.get(template_url(office, ServiceFactory(slug="lain", office_kinds=["kecamatan"]))).status_code
        == 404
    )
    url = reverse("letters:template", kwargs={"slug": office.slug, "service_slug": "tidak-ada"})
    assert admin_client.get(url).status_code == 404


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["petugas", "signer", "other_office_admin", "citizen"])
def test_others_are_refused(client, office, template, who):
    if who == "citizen":
        user = CitizenFactory()
    elif who == "other_office_admin":
        user = OfficerFactory(office_admin=True, office=OfficeFactory(kelurahan=True))
    else:
        user = OfficerFactory(office=office, **{who: True})
    client.force_login(user)
    assert client.get(manage_url(office)).status_code == 403
    assert client.post(manage_url(office), SETTINGS_POST).status_code == 403
    assert client.get(template_url(office, template.service)).status_code == 403
    assert client.post(template_url(office, template.service), template_post("save")).status_code == 403
    assert client.post(template_url(office, template.service), template_post("preview")).status_code == 403
    assert client.post(template_url(office, template.service), {"action": "revert"}).status_code == 403
    assert not LetterTemplate.objects.filter(office=office).exists()
    assert OfficeLetterSettings.objects.get(office=office).number_format.startswith("{kode}/{nomor:03}")


def test_a_city_admin_manages_the_offices_of_their_city(client, office, template):
    client.force_login(OfficerFactory(city_admin=True, office=office))
    assert client.get(manage_url(office)).status_code == 200
    assert client.post(template_url(office, template.service), template_post("save")).status_code == 302


def test_the_index_goes_straight_to_the_only_office_or_lists_them(client, admin_client, office):
    response = admin_client.get(reverse("letters:manage_index"))
    assert response.status_code == 302 and response["Location"] == manage_url(office)
    client.force_login(OfficerFactory(system_admin=True))
    other = OfficeFactory(kelurahan=True, name="Kelurahan Sawah")
    body = text(client.get(reverse("letters:manage_index")))
    assert office.name in body and other.name in body and manage_url(other) in body


def test_the_dashboard_links_to_the_letter_pages(admin_client, office):
    body = text(admin_client.get(reverse("accounts:dashboard")))
    assert f'<a href="{manage_url(office)}">Kop dan templat surat</a>' in body
