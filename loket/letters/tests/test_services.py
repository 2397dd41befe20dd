"""Services: settings and templates (validation, permission, audit), issuing (numbers per office,
series and office-local year; no gaps after a rollback), previews (marked, no number taken)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.audit.models import AuditEntry
from loket.catalog.factories import ServiceFactory
from loket.core.errors import DomainError, NotAllowed
from loket.letters import rendering, services
from loket.letters.factories import (
    SIGNER,
    SKU_VALUES,
    LetterTemplateFactory,
    OfficeLetterSettingsFactory,
    png_bytes,
    sku_template,
)
from loket.letters.models import Letter, LetterCounter, LetterTemplate, OfficeLetterSettings
from loket.letters.selectors import letter_pdf
from loket.letters.tests.conftest import pdf_text
from loket.offices.factories import OfficeFactory, ensure_region
from loket.offices.models import OfficeKind

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
WIT = ZoneInfo("Asia/Jayapura")


def at(zone, *args):
    return dt.datetime(*args, tzinfo=zone).astimezone(dt.UTC)


def issue(template, office, actor=None, **kw):
    return services.issue_letter(
        actor=actor,
        template=template,
        office=office,
        values=kw.pop("values", SKU_VALUES),
        signer=kw.pop("signer", SIGNER),
        reference=kw.pop("reference", "permohonan:PMH-7K3Q-9XTA"),
    )


SETTINGS = {
    "unit_code": "Kel.GP",
    "government_line": "PEMERINTAH KOTA PADANG",
    "unit_lines": ["KECAMATAN PADANG UTARA", "KELURAHAN GUNUNG PANGILUN"],
    "address_line": "Jl. Gunung Pangilun No. 21, Padang Utara, Kota Padang 25137",
    "contact_line": "Laman www.padang.go.id",
    "place_name": "Padang",
}


# --- office settings --------------------------------------------------------------------------


def test_an_office_admin_saves_the_settings_of_their_office():
    office = OfficeFactory(kelurahan=True)
    admin = OfficerFactory(office_admin=True, office=office)
    row = services.save_office_settings(actor=admin, office=office, settings=services.LetterSettings(**SETTINGS))
    assert row.unit_line_list == ["KECAMATAN PADANG UTARA", "KELURAHAN GUNUNG PANGILUN"]
    assert row.number_format == "{kode}/{nomor:03}/{unit}/{bulan_romawi}/{tahun}"
    entry = AuditEntry.objects.get(action="letters.settings.save")
    assert entry.actor == admin and entry.office_id == office.pk and entry.data["created"] is True
    services.save_office_settings(
        actor=admin, office=office, settings=services.LetterSettings(**{**SETTINGS, "place_name": "Kota Padang"})
    )
    assert OfficeLetterSettings.objects.get(office=office).place_name == "Kota Padang"
    assert AuditEntry.objects.filter(action="letters.settings.save").order_by("id").last().data["changed"] == [
        "place_name"
    ]


@pytest.mark.parametrize(
    "who",
    ["other_office_admin", "petugas", "signer", "citizen", "city_admin_elsewhere"],
)
def test_others_may_not_change_an_offices_settings(who):
    office = OfficeFactory(kelurahan=True)
    actor = {
        "other_office_admin": lambda: OfficerFactory(office_admin=True, office=OfficeFactory()),
        "petugas": lambda: OfficerFactory(petugas=True, office=office),
        "signer": lambda: OfficerFactory(signer=True, office=office),
        "citizen": CitizenFactory,
        "city_admin_elsewhere": lambda: OfficerFactory(city_admin=True, region=ensure_region("91.71")),
    }[who]()
    with pytest.raises(NotAllowed) as err:
        services.save_office_settings(actor=actor, office=office, settings=services.LetterSettings(**SETTINGS))
    assert "Hanya admin" in str(err.value.message) and office.name in str(err.value.message)
    assert not OfficeLetterSettings.objects.exists()
    assert not AuditEntry.objects.filter(action="letters.settings.save").exists()


def test_city_and_system_admins_may_change_an_offices_settings():
    office = OfficeFactory(kelurahan=True)  # in Kota Tangerang Selatan
    services.save_office_settings(
        actor=OfficerFactory(city_admin=True), office=office, settings=services.LetterSettings(**SETTINGS)
    )
    services.save_office_settings(
        actor=OfficerFactory(system_admin=True), office=office, settings=services.LetterSettings(**SETTINGS)
    )


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"number_format": "{kode}/{unit}/{tahun}"}, "harus memuat {nomor}"),
        ({"number_format": "{kode}/{nomor}/{unit}"}, "harus memuat {tahun}"),
        ({"unit_code": " "}, "Isi kode unit."),
        ({"unit_lines": []}, "paling sedikit satu baris unit kerja"),
        ({"unit_lines": ["A", "B", "C", "D", "E"]}, "paling banyak 4 baris"),
        ({"place_name": ""}, "Isi nama tempat."),
        ({"government_line": "X" * 121}, "terlalu panjang"),
        ({"logo": b"GIF89a"}, "PNG atau JPEG"),
    ],
)
def test_bad_settings_are_refused_in_indonesian(change, fragment):
    office = OfficeFactory(kelurahan=True)
    with pytest.raises(DomainError) as err:
        services.save_office_settings(
            actor=None, office=office, settings=services.LetterSettings(**{**SETTINGS, **change})
        )
    assert fragment in str(err.value.message)


def test_a_logo_is_stored_privately_replaced_and_removed(private_storage, django_capture_on_commit_callbacks):
    office = OfficeFactory(kelurahan=True)
    row = services.save_office_settings(
        actor=None, office=office, settings=services.LetterSettings(**SETTINGS, logo=png_bytes(30, 30))
    )
    first = row.logo.name
    assert first.startswith("letters/logos/") and private_storage.exists(first)
    assert len(row.logo_sha256) == 64
    with django_capture_on_commit_callbacks(execute=True):
        row = services.save_office_settings(
            actor=None, office=office, settings=services.LetterSettings(**SETTINGS, logo=png_bytes(40, 40))
        )
    assert row.logo.name != first and private_storage.exists(row.logo.name) and not private_storage.exists(first)
    kept = services.save_office_settings(
        actor=None, office=office, settings=services.LetterSettings(**SETTINGS)
    )  # no logo given: kept
    assert kept.logo.name == row.logo.name
    with django_capture_on_commit_callbacks(execute=True):
        gone = services.save_office_settings(
            actor=None, office=office, settings=services.LetterSettings(**SETTINGS), remove_logo=True
        )
    assert not gone.logo and not private_storage.exists(row.logo.name)


# --- templates --------------------------------------------------------------------------------


def test_office_admins_write_their_offices_templates_and_only_system_admins_the_defaults(service, office):
    admin = OfficerFactory(office_admin=True, office=office)
    own = services.save_template(
        actor=admin, service=service, office=office, classification_code="500", title="SKU", body="Nama : {{ nama }}"
    )
    assert own.office == office
    entry = AuditEntry.objects.get(action="letters.template.save")
    assert entry.office_id == office.pk and entry.data["service"] == "KEL-SKU"
    with pytest.raises(NotAllowed) as err:
        services.save_template(
            actor=admin, service=service, office=None, classification_code="500", title="SKU", body="{{ nama }}"
        )
    assert str(err.value.message) == "Hanya admin sistem yang boleh mengubah templat surat bawaan."
    with pytest.raises(NotAllowed):
        services.save_template(
            actor=OfficerFactory(city_admin=True), service=service, office=None, classification_code="500",
            title="SKU", body="{{ nama }}",
        )  # fmt: skip
    with pytest.raises(NotAllowed):
        services.save_template(
            actor=OfficerFactory(office_admin=True, office=OfficeFactory(kelurahan=True)),
            service=service,
            office=office,
            classification_code="500",
            title="SKU",
            body="{{ nama }}",
        )
    default = services.save_template(
        actor=OfficerFactory(system_admin=True),
        service=service,
        office=None,
        classification_code="500",
        title="SKU",
        body="{{ nama }}",
    )
    assert default.office is None


def test_saving_again_changes_the_one_template_of_a_service_and_office(service, office):
    first = services.save_template(
        actor=None, service=service, office=None, classification_code="500", title="A", body="{{ nama }}"
    )
    second = services.save_template(
        actor=None, service=service, office=None, classification_code="500.16", title="B", body="{{ nik }}"
    )
    assert first.pk == second.pk and LetterTemplate.objects.count() == 1
    assert second.classification_code == "500.16"


def test_a_template_with_an_unknown_placeholder_is_refused_naming_the_allowed_ones(service):
    with pytest.raises(DomainError) as err:
        services.save_template(
            actor=None,
            service=service,
            office=None,
            classification_code="500",
            title="SURAT KETERANGAN USAHA",
            body="Nama usaha: {{ nama_toko }}",
        )
    message = str(err.value.message)
    assert "Penanda isian {{ nama_toko }} pada baris 1 tidak dikenal." in message
    assert "nama_usaha, jenis_usaha, alamat_usaha, mulai_usaha" in message  # the service's own fields
    assert not LetterTemplate.objects.exists()


def test_the_service_fields_of_another_service_are_not_allowed(service):
    other = ServiceFactory()
    with pytest.raises(DomainError):
        services.save_template(
            actor=None, service=other, office=None, classification_code="470", title="X", body="{{ nama_usaha }}"
        )


def test_a_template_for_a_service_the_office_does_not_provide_is_refused(office):
    kecamatan_only = ServiceFactory(office_kinds=[OfficeKind.KECAMATAN])
    with pytest.raises(DomainError) as err:
        services.save_template(
            actor=None, service=kecamatan_only, office=office, classification_code="593", title="X", body="{{ nama }}"
        )
    assert "tidak melayani" in str(err.value.message)


# --- issuing ----------------------------------------------------------------------------------


def test_issuing_numbers_the_letter_stores_the_pdf_privately_and_audits(template, office, private_storage, freeze):
    freeze(at(WIB, 2026, 12, 1, 10, 15))
    petugas = OfficerFactory(petugas=True, office=office)
    letter = issue(template, office, actor=petugas)
    assert (letter.sequence, letter.series, letter.year, letter.issued_on) == (1, "500", 2026, dt.date(2026, 12, 1))
    assert letter.number == "500/001/Kel.Cpt/XII/2026"
    assert letter.created_at == at(WIB, 2026, 12, 1, 10, 15)
    assert letter.pdf.name.startswith(f"letters/{office.pk}/2026/500-00001-") and private_storage.exists(
        letter.pdf.name
    )
    assert letter_pdf(letter).startswith(b"%PDF-")
    assert letter.values["nama"] == "Budi Santoso" and letter.values["tanggal_lahir"] == "17 Agustus 1990"
    assert letter.created_by == petugas and letter.reference == "permohonan:PMH-7K3Q-9XTA"
    assert (letter.signer_name, letter.signer_title, letter.signer_nip) == (
        "Hendra Gunawan, S.Sos.",
        "Lurah Ciputat",
        "198507142010011002",
    )
    entry = AuditEntry.objects.get(action="letters.issue")
    assert entry.actor == petugas and entry.to_state == letter.number and entry.data["sha256"] == letter.pdf_sha256
    assert issue(template, office).number == "500/002/Kel.Cpt/XII/2026"


def test_numbers_count_per_office_and_series(template, office, service):
    other_office = OfficeLetterSettingsFactory(unit_code="Kel.Swh").office
    other_series = sku_template(ServiceFactory(code="KEL-DOMISILI"), classification_code="470", body="{{ nama }}")
    assert [issue(template, office).sequence for _ in range(3)] == [1, 2, 3]
    assert issue(template, other_office).sequence == 1
    assert issue(other_series, office).number.startswith("470/001/")
    assert issue(template, office).sequence == 4
    assert LetterCounter.objects.get(office=office, series="500").last_number == 4


def test_a_number_format_without_kode_counts_all_the_offices_letters_in_one_series(template, office):
    # Some offices run one agenda number for all their letters: "012/Kel.Cpt/2026". Counted per
    # classification code, two letters of different codes would then read the same.
    OfficeLetterSettings.objects.filter(office=office).update(number_format="{nomor:03}/{unit}/{tahun}")
    other_series = sku_template(ServiceFactory(code="KEL-DOMISILI"), classification_code="470", body="{{ nama }}")
    numbers = [issue(template, office).number, issue(other_series, office).number, issue(template, office).number]
    assert numbers == ["001/Kel.Cpt/2026", "002/Kel.Cpt/2026", "003/Kel.Cpt/2026"]
    assert Letter.objects.filter(office=office).values_list("series", flat=True).distinct().get() == "*"
    assert not LetterCounter.objects.filter(office=office, series__in=["500", "470"]).exists()


def test_the_year_is_the_offices_local_year_wib(template, office, freeze):
    freeze(at(WIB, 2026, 12, 31, 23, 30))  # 16:30 UTC, 31 December
    december = issue(template, office)
    freeze(at(WIB, 2027, 1, 1, 0, 30))  # 17:30 UTC, still 31 December on the server's UTC clock
    january = issue(template, office)
    assert (december.issued_on, december.year, december.number) == (
        dt.date(2026, 12, 31),
        2026,
        "500/001/Kel.Cpt/XII/2026",
    )
    assert (january.issued_on, january.year, january.number) == (dt.date(2027, 1, 1), 2027, "500/001/Kel.Cpt/I/2027")
    assert "Tangerang Selatan, 1 Januari 2027" in pdf_text(letter_pdf(january))
    assert "Tangerang Selatan, 31 Desember 2026" in pdf_text(letter_pdf(december))


def test_the_year_is_the_offices_local_year_wit(template, freeze):
    jayapura = OfficeLetterSettingsFactory(
        office=OfficeFactory(wit=True, kind=OfficeKind.KELURAHAN), unit_code="Kel.Jpr", place_name="Jayapura"
    ).office
    freeze(at(WIT, 2027, 1, 1, 0, 30))  # 15:30 UTC on 31 December; still 2026 in WIB too
    letter = issue(template, jayapura)
    assert letter.issued_on == dt.date(2027, 1, 1) and letter.number == "500/001/Kel.Jpr/I/2027"
    assert "Jayapura, 1 Januari 2027" in pdf_text(letter_pdf(letter))


def test_a_rollback_after_taking_a_number_leaves_no_gap(template, office):
    issue(template, office)
    with pytest.raises(RuntimeError), transaction.atomic():
        letter = issue(template, office)
        assert letter.sequence == 2
        raise RuntimeError("the caller's transaction fails after the letter was made")
    assert issue(template, office).sequence == 2
    assert list(Letter.objects.order_by("sequence").values_list("sequence", flat=True)) == [1, 2]


def test_a_failing_render_returns_the_number(template, office, monkeypatch):
    issue(template, office)

    def broken(*args, **kwargs):
        raise rendering.RenderError("rusak")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    with pytest.raises(rendering.RenderError):
        issue(template, office)
    monkeypatch.undo()
    assert issue(template, office).sequence == 2
    assert not AuditEntry.objects.filter(action="letters.issue", to_state__contains="/003/").exists()


def test_missing_values_are_refused_before_a_number_is_taken(template, office):
    values = {k: v for k, v in SKU_VALUES.items() if k not in ("nik", "nama_usaha", "mulai_usaha")}
    with pytest.raises(DomainError) as err:
        issue(template, office, values=values)
    assert str(err.value.message) == "Surat belum dapat dibuat karena isian berikut masih kosong: nik, nama_usaha."
    assert not LetterCounter.objects.exists()
    letter = issue(template, office, values={**values, "nik": "3674041708900001", "nama_usaha": "Toko"})
    assert letter.sequence == 1 and "mulai_usaha" not in letter.values  # optional: shown as "-"
    assert "Mulai Usaha : -" in pdf_text(letter_pdf(letter))


@pytest.mark.parametrize("who", ["citizen", "kiosk", "other_office_petugas", "inactive_signer"])
def test_only_the_offices_officers_issue_its_letters(template, office, who):
    actor = {
        "citizen": CitizenFactory,
        "kiosk": lambda: OfficerFactory(kiosk=True, office=office),
        "other_office_petugas": lambda: OfficerFactory(petugas=True, office=OfficeFactory(kelurahan=True)),
        "inactive_signer": lambda: OfficerFactory(signer=True, office=office, is_active=False),
    }[who]()
    with pytest.raises(NotAllowed) as err:
        issue(template, office, actor=actor)
    assert str(err.value.message) == f"Hanya petugas {office.name} yang boleh menerbitkan suratnya."
    assert not Letter.objects.exists() and not LetterCounter.objects.exists()


def test_the_offices_signer_verifier_and_admin_may_issue(template, office):
    for kind in ("signer", "verifikator", "office_admin"):
        issue(template, office, actor=OfficerFactory(office=office, **{kind: True}))
    assert Letter.objects.count() == 3


def test_a_template_of_another_office_or_an_office_without_settings_is_refused(service, office):
    elsewhere = OfficeLetterSettingsFactory().office
    with pytest.raises(DomainError) as err:
        issue(sku_template(service, office=elsewhere), office)
    assert str(err.value.message) == "Templat surat ini milik kantor lain."
    bare = OfficeFactory(kelurahan=True)
    with pytest.raises(DomainError) as err:
        issue(sku_template(service), bare)
    assert "belum memiliki kop surat" in str(err.value.message)


def test_a_bad_nip_is_refused(template, office):
    with pytest.raises(DomainError) as err:
        issue(template, office, signer=services.Signer(name="A", title="Lurah", nip="12345"))
    assert "18 digit" in str(err.value.message)
    spaced = issue(template, office, signer=services.Signer(name="A", title="Lurah", nip="19850714 201001 1 002"))
    assert spaced.signer_nip == "198507142010011002"


def test_on_behalf_and_without_nip(template, office):
    signer = services.Signer(name="Rahmat Hidayat", title="Sekretaris Kelurahan", on_behalf_line="a.n. LURAH CIPUTAT")
    text = pdf_text(letter_pdf(issue(template, office, signer=signer)))
    assert "a.n. LURAH CIPUTAT\nSEKRETARIS KELURAHAN" in text
    assert "Rahmat Hidayat" in text and "NIP." not in text


# --- preview ----------------------------------------------------------------------------------


def test_a_preview_is_marked_unnumbered_and_takes_no_number(template, office):
    pdf = services.render_preview(template=template, office=office, values={"nama": "Budi Santoso"}, signer=SIGNER)
    text = pdf_text(pdf)
    assert "PRATINJAU — belum bernomor dan belum ditandatangani" in text
    assert "Nomor : 500/.../Kel.Cpt/" in text
    assert "Nama : Budi Santoso" in text and "NIK : [nik]" in text  # missing values show their key
    assert not LetterCounter.objects.exists() and not Letter.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="letters.").exists()
    assert issue(template, office).sequence == 1
    final = pdf_text(letter_pdf(Letter.objects.get()))
    assert "PRATINJAU" not in final


def test_a_preview_of_an_unsaved_template_is_validated(office, service):
    draft = LetterTemplate(service=service, office=None, classification_code="500", title="X", body="{{ salah }}")
    with pytest.raises(DomainError):
        services.render_preview(template=draft, office=office, values={}, signer=SIGNER)
    draft.body = "Nama : {{ nama }}"
    assert b"%PDF" in services.render_preview(template=draft, office=office, values={}, signer=SIGNER)[:8]


def test_the_letter_keeps_what_it_was_made_from_even_if_the_template_changes(template, office):
    letter = issue(template, office)
    services.save_template(
        actor=None,
        service=template.service,
        office=None,
        classification_code="500",
        title="JUDUL BARU",
        body="{{ nama }}",
    )
    letter.refresh_from_db()
    assert letter.title == "SURAT KETERANGAN USAHA"
    assert letter.document["blocks"][1]["rows"][0] == ["Nama", "Budi Santoso"]
    assert "SURAT KETERANGAN USAHA" in pdf_text(letter_pdf(letter))


def test_a_template_in_use_cannot_be_deleted(template, office):
    from django.db.models import ProtectedError

    issue(template, office)
    with pytest.raises(ProtectedError):
        template.delete()


def test_letter_template_factory_default_is_valid():
    template = LetterTemplateFactory()
    services.check_template(
        actor=None,
        service=template.service,
        office=None,
        classification_code=template.classification_code,
        title=template.title,
        body=template.body,
        template=template,
    )
