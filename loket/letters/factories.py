"""factory_boy factories and helpers for letters.

OfficeLetterSettingsFactory()                 # Kelurahan (Ciputat region) with a Tangerang Selatan letterhead
LetterTemplateFactory(service=s)              # a default template (office empty), classification 470
sku_service()                                 # the SKU service with its request form fields
sku_template(service)                         # the SKU default template (classification 500)
SKU_VALUES, SIGNER                            # realistic values and a lurah as signer
png_bytes(64, 64)                             # a neutral test image (grey square), no Pillow needed
"""

from __future__ import annotations

import struct
import zlib

import factory
from django.utils import timezone

from loket.catalog.factories import ServiceFactory
from loket.catalog.models import FieldKind, Service, ServiceField
from loket.letters.models import DEFAULT_NUMBER_FORMAT, LetterTemplate, OfficeLetterSettings
from loket.letters.services import Signer
from loket.offices.factories import OfficeFactory


def png_bytes(width: int = 64, height: int = 64, grey: int = 128) -> bytes:
    """A plain grey PNG square: a neutral stand-in for a logo in tests and the benchmark."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes([grey, grey, grey]) * width
    raw = zlib.compress(row * height)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


class OfficeLetterSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficeLetterSettings

    office = factory.SubFactory(OfficeFactory, kelurahan=True)
    unit_code = "Kel.Cpt"
    number_format = DEFAULT_NUMBER_FORMAT
    government_line = "PEMERINTAH KOTA TANGERANG SELATAN"
    unit_lines = "KECAMATAN CIPUTAT\nKELURAHAN CIPUTAT"
    address_line = "Jl. Aria Putra No. 12, Ciputat, Kota Tangerang Selatan 15411"
    contact_line = "Laman: www.tangerangselatankota.go.id"
    place_name = "Tangerang Selatan"
    updated_at = factory.LazyFunction(timezone.now)


IDENTITY_BODY = """Yang bertanda tangan di bawah ini menerangkan bahwa:

Nama : {{ nama }}
NIK : {{ nik }}
Tempat/Tgl. Lahir : {{ tempat_lahir }}, {{ tanggal_lahir }}
Alamat : {{ alamat }}

adalah benar warga kami. Surat ini dibuat untuk keperluan {{ keperluan }}.

Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya."""


class LetterTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LetterTemplate

    service = factory.SubFactory(ServiceFactory)
    office = None
    classification_code = "470"
    title = "SURAT KETERANGAN"
    body = IDENTITY_BODY
    updated_at = factory.LazyFunction(timezone.now)


SKU_FIELDS = (
    ("nama_usaha", "Nama usaha", FieldKind.TEXT, True),
    ("jenis_usaha", "Jenis usaha", FieldKind.TEXT, True),
    ("alamat_usaha", "Alamat usaha", FieldKind.TEXTAREA, True),
    ("mulai_usaha", "Usaha berjalan sejak", FieldKind.DATE, False),
)

SKU_BODY = """Yang bertanda tangan di bawah ini menerangkan bahwa:

Nama : {{ nama }}
NIK : {{ nik }}
Tempat/Tgl. Lahir : {{ tempat_lahir }}, {{ tanggal_lahir }}
Jenis Kelamin : {{ jenis_kelamin }}
Pekerjaan : {{ pekerjaan }}
Alamat : {{ alamat }}

adalah benar memiliki usaha sebagai berikut:

Nama Usaha : {{ nama_usaha }}
Jenis Usaha : {{ jenis_usaha }}
Alamat Usaha : {{ alamat_usaha }}
Mulai Usaha : {{ mulai_usaha }}

Surat keterangan ini dibuat berdasarkan permohonan {{ kode_permohonan }} untuk keperluan {{ keperluan }}.

Demikian surat keterangan ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya."""

SKU_VALUES = {
    "nama": "Budi Santoso",
    "nik": "3674041708900001",
    "tempat_lahir": "Tangerang",
    "tanggal_lahir": "1990-08-17",
    "jenis_kelamin": "Laki-laki",
    "pekerjaan": "Wiraswasta",
    "alamat": "Jl. Aria Putra Gg. Melati No. 7, RT 003/RW 005",
    "kode_permohonan": "PMH-7K3Q-9XTA",
    "keperluan": "pengajuan Kredit Usaha Rakyat (KUR)",
    "nama_usaha": "Warung Makan Sederhana Bu Sri",
    "jenis_usaha": "Warung makan",
    "alamat_usaha": "Jl. Aria Putra No. 45, RT 002/RW 005",
    "mulai_usaha": "2019-03-01",
}

SIGNER = Signer(name="Hendra Gunawan, S.Sos.", title="Lurah Ciputat", nip="198507142010011002")


def sku_service(**kwargs) -> Service:
    """A surat keterangan usaha service (code KEL-SKU unless given) with its request form fields."""
    kwargs.setdefault("code", "KEL-SKU")
    kwargs.setdefault("name", "Surat keterangan usaha (SKU)")
    service = ServiceFactory(**kwargs)
    for order, (key, label, kind, required) in enumerate(SKU_FIELDS):
        ServiceField.objects.get_or_create(
            service=service, key=key, defaults={"label": label, "kind": kind, "required": required, "order": order}
        )
    return service


def sku_template(service: Service, **kwargs) -> LetterTemplate:
    kwargs.setdefault("classification_code", "500")
    kwargs.setdefault("title", "SURAT KETERANGAN USAHA")
    kwargs.setdefault("body", SKU_BODY)
    return LetterTemplateFactory(service=service, **kwargs)
