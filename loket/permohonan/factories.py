"""Test data for requests: services with their form fields and uploads, filled-in drafts.

service = sku_service()                          # kelurahan: SKU with 3 fields, KTP + KK uploads
main, pengantar = chained_services()             # kecamatan service needing the kelurahan's pengantar
p = filled_draft(citizen, service, office)       # a complete draft, ready to submit
pdf_upload("ktp.pdf")                            # a small real PDF as an uploaded file
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from loket.catalog.factories import PrerequisiteFactory, RequirementFactory, ServiceFactory
from loket.catalog.models import FieldKind, ServiceField
from loket.permohonan import selectors, services

IDENTITY = {
    "tempat_lahir": "Padang",
    "tanggal_lahir": "1987-11-12",
    "jenis_kelamin": "Laki-laki",
    "agama": "Islam",
    "pekerjaan": "Wiraswasta",
    "alamat": "Jl. Gajah Mada No. 5, RT 02/RW 04",
}


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_upload(name: str = "dokumen.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def add_fields(service, *specs):
    for order, (key, label, kind, required) in enumerate(specs):
        ServiceField.objects.create(service=service, key=key, label=label, kind=kind, required=required, order=order)


def sku_service(**kw):
    service = ServiceFactory(name="Surat keterangan usaha (SKU)", completion_days=2, **kw)
    add_fields(
        service,
        ("nama_usaha", "Nama usaha", FieldKind.TEXT, True),
        ("jenis_usaha", "Jenis usaha", FieldKind.TEXT, True),
        ("mulai_usaha", "Usaha berjalan sejak", FieldKind.DATE, False),
    )
    RequirementFactory(service=service, name="KTP-el pemohon", needs_upload=True)
    RequirementFactory(service=service, name="Kartu Keluarga (KK)", needs_upload=True)
    RequirementFactory(service=service, name="Foto tempat usaha", needs_upload=True, is_mandatory=False)
    RequirementFactory(service=service, name="Nama dan alamat usaha", needs_upload=False)
    return service


def chained_services():
    """A kecamatan service (ahli waris) that needs the kelurahan's surat pengantar first."""
    pengantar = ServiceFactory(name="Surat pengantar kelurahan", office_kinds=["kelurahan"], completion_days=1)
    add_fields(pengantar, ("keperluan", "Keperluan", FieldKind.TEXT, True))
    RequirementFactory(service=pengantar, name="KTP-el pemohon", needs_upload=True)
    main = ServiceFactory(name="Surat keterangan ahli waris", office_kinds=["kecamatan"], completion_days=5)
    add_fields(main, ("nama_pewaris", "Nama pewaris", FieldKind.TEXT, True))
    RequirementFactory(service=main, name="Akta kematian pewaris", needs_upload=True)
    PrerequisiteFactory(service=main, required_service=pengantar, at_office_kind="kelurahan")
    return main, pengantar


def filled_draft(citizen, service, office, *, values=None, steps=None):
    """A draft with identity, the service's fields and every mandatory upload."""
    p = services.start_request(actor=citizen, service=service, office=office)
    defaults = {f.key: "2020-01-01" if f.kind == FieldKind.DATE else f"Isi {f.label}" for f in service.fields.all()}
    errors = services.save_draft(
        actor=citizen, permohonan=p, identity=IDENTITY, values={**defaults, **(values or {})}, step_offices=steps
    )
    assert errors == {}, errors
    for requirement in selectors.upload_requirements(service):
        if requirement.is_mandatory:
            services.attach_upload(actor=citizen, permohonan=p, requirement=requirement, uploaded=pdf_upload())
    p.refresh_from_db()
    return p
