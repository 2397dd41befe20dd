"""Demo letterheads and default letter templates, for the demo loader (``loket.demo`` calls
``ensure_demo_letters``): the data, and the verb that saves what is missing. Idempotent: only what is missing is created, through the services, so
each row leaves an audit row; what exists (an admin may have changed it) is kept.

Letterheads use the demo offices' own addresses and phone numbers; the websites are the cities'
official sites. No logo is shipped: a real regional emblem is the region's to provide, and a made-up
one on an official-looking letter would be worse than none (the letterhead simply has no logo).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loket.catalog.models import Service
from loket.letters import selectors
from loket.letters.models import OfficeLetterSettings
from loket.letters.services.office_settings import LetterSettings, save_office_settings
from loket.letters.services.templates import save_template
from loket.offices.models import Office


@dataclass(frozen=True)
class DemoLetterhead:
    slug: str
    government: str
    units: tuple[str, ...]
    place: str
    unit_code: str
    website: str


_TANGSEL = "PEMERINTAH KOTA TANGERANG SELATAN"
_TANGSEL_WEB = "www.tangerangselatankota.go.id"

LETTERHEADS = (
    DemoLetterhead(
        "kelurahan-gunung-pangilun",
        "PEMERINTAH KOTA PADANG",
        ("KECAMATAN PADANG UTARA", "KELURAHAN GUNUNG PANGILUN"),
        "Padang",
        "Kel.GP",
        "www.padang.go.id",
    ),
    DemoLetterhead("kecamatan-ciputat", _TANGSEL, ("KECAMATAN CIPUTAT",), "Tangerang Selatan", "Kec.Cpt", _TANGSEL_WEB),
    *(
        DemoLetterhead(
            f"kelurahan-{name.lower().replace(' ', '-')}",
            _TANGSEL,
            ("KECAMATAN CIPUTAT", f"KELURAHAN {name.upper()}"),
            "Tangerang Selatan",
            unit,
            _TANGSEL_WEB,
        )
        for name, unit in (
            ("Ciputat", "Kel.Cpt"),
            ("Cipayung", "Kel.Cpy"),
            ("Sawah", "Kel.Swh"),
            ("Sawah Baru", "Kel.SwB"),
            ("Serua", "Kel.Sr"),
            ("Serua Indah", "Kel.SrI"),
            ("Jombang", "Kel.Jmb"),
        )
    ),
)

# The applicant's identity block, as on most letters of a kelurahan.
_IDENTITY = """Nama : {{ nama }}
NIK : {{ nik }}
Tempat/Tgl. Lahir : {{ tempat_lahir }}, {{ tanggal_lahir }}
Jenis Kelamin : {{ jenis_kelamin }}
Agama : {{ agama }}
Pekerjaan : {{ pekerjaan }}
Alamat : {{ alamat }}"""
# kelurahan, kecamatan and kota are the issuing office's area (see templating.STANDARD_PLACEHOLDERS).
_AREA = "{{ kelurahan }}, Kecamatan {{ kecamatan }}, {{ kota }}"

_CLOSING = "Demikian surat keterangan ini dibuat dengan sebenarnya untuk dapat dipergunakan sebagaimana mestinya."


@dataclass(frozen=True)
class DemoTemplate:
    """A default template; in ``body`` [IDENTITY] stands for the identity block, [AREA] for the office's
    area and [CLOSING] for the closing sentence."""

    service_code: str
    classification_code: str
    title: str
    body: str


_TEMPLATES = (
    DemoTemplate(
        "KEL-SKU",
        "500",
        "SURAT KETERANGAN USAHA",
        """Yang bertanda tangan di bawah ini menerangkan bahwa:

[IDENTITY]

adalah benar penduduk yang bertempat tinggal di wilayah [AREA] dan, sepanjang pengetahuan kami serta \
berdasarkan keterangan yang bersangkutan, benar memiliki dan menjalankan usaha sebagai berikut:

Nama Usaha : {{ nama_usaha }}
Jenis Usaha : {{ jenis_usaha }}
Alamat Usaha : {{ alamat_usaha }}
Berjalan Sejak : {{ mulai_usaha }}

Surat keterangan ini diberikan atas permohonan yang bersangkutan nomor {{ kode_permohonan }} \
tanggal {{ tanggal_permohonan }}.

[CLOSING]""",
    ),
    DemoTemplate(
        "KEL-PENGANTAR",
        "470",
        "SURAT PENGANTAR",
        """Yang bertanda tangan di bawah ini menerangkan bahwa:

[IDENTITY]
Keperluan : {{ keperluan }}

adalah benar warga yang bertempat tinggal di wilayah [AREA]. Surat pengantar ini diberikan kepada \
yang bersangkutan untuk mengurus keperluan tersebut di atas pada instansi yang berwenang.

Demikian surat pengantar ini dibuat untuk dapat dipergunakan sebagaimana mestinya.""",
    ),
    DemoTemplate(
        "KEL-DOMISILI",
        "470",
        "SURAT KETERANGAN DOMISILI",
        """Yang bertanda tangan di bawah ini menerangkan bahwa:

[IDENTITY]

adalah benar berdomisili di wilayah [AREA], dengan alamat:

Alamat Domisili : {{ alamat_domisili }}

Surat keterangan ini diberikan atas permohonan yang bersangkutan nomor {{ kode_permohonan }} \
untuk keperluan {{ keperluan }}.

[CLOSING]""",
    ),
    DemoTemplate(
        "KEL-SKTM",
        "400",
        "SURAT KETERANGAN TIDAK MAMPU",
        """Yang bertanda tangan di bawah ini menerangkan bahwa:

[IDENTITY]

adalah benar warga yang bertempat tinggal di wilayah [AREA] dan, berdasarkan data serta pengamatan \
kami, termasuk keluarga tidak mampu/berpenghasilan rendah.

Surat keterangan ini diberikan untuk keperluan {{ keperluan }} dan tidak berlaku untuk keperluan lain.

[CLOSING]""",
    ),
    DemoTemplate(
        "KEL-KEMATIAN",
        "472.12",
        "SURAT KETERANGAN KEMATIAN",
        """Yang bertanda tangan di bawah ini menerangkan bahwa:

Nama : {{ nama_almarhum }}
NIK : {{ nik_almarhum }}

telah meninggal dunia pada:

Tanggal : {{ tanggal_meninggal }}
Tempat : {{ tempat_meninggal }}
Sebab : {{ sebab_meninggal }}

Surat keterangan ini dibuat berdasarkan laporan dari:

Nama Pelapor : {{ nama }}
NIK Pelapor : {{ nik }}
Alamat : {{ alamat }}

[CLOSING] Surat ini dapat dipergunakan untuk pengurusan akta kematian pada Dinas Kependudukan dan \
Pencatatan Sipil.""",
    ),
    DemoTemplate(
        "KEC-AHLI-WARIS",
        "593",
        "SURAT KETERANGAN AHLI WARIS",
        """Yang bertanda tangan di bawah ini, Camat {{ kecamatan }}, {{ kota }}, berdasarkan surat pernyataan \
ahli waris yang diketahui oleh lurah/kepala desa setempat dan diajukan oleh:

Nama : {{ nama }}
NIK : {{ nik }}
Alamat : {{ alamat }}

dengan ini menerangkan bahwa almarhum/almarhumah:

Nama Pewaris : {{ nama_pewaris }}
Meninggal Dunia : {{ tanggal_meninggal }}

meninggalkan ahli waris yang sah sebagai berikut:

Ahli Waris : {{ ahli_waris }}

Surat keterangan ahli waris ini disahkan atas permohonan nomor {{ kode_permohonan }} tanggal \
{{ tanggal_permohonan }}. Apabila di kemudian hari terdapat kekeliruan dalam keterangan ini, akan \
diadakan perbaikan sebagaimana mestinya, dan segala akibat hukum yang timbul menjadi tanggung jawab para \
ahli waris.

[CLOSING]""",
    ),
)


TEMPLATES = tuple(
    DemoTemplate(
        t.service_code,
        t.classification_code,
        t.title,
        t.body.replace("[IDENTITY]", _IDENTITY).replace("[AREA]", _AREA).replace("[CLOSING]", _CLOSING),
    )
    for t in _TEMPLATES
)


@dataclass
class DemoLettersResult:
    settings_created: list[str] = field(default_factory=list)
    templates_created: list[str] = field(default_factory=list)


def _address(office: Office) -> str:
    return f"{office.address} {office.postal_code}".strip()


def _contact(office: Office, website: str) -> str:
    parts = []
    if office.phone:
        parts.append(f"Telepon {office.phone}")
    if office.email:
        parts.append(f"Pos-el {office.email}")
    parts.append(f"Laman {website}")
    return " · ".join(parts)


def ensure_demo_letters(*, actor) -> DemoLettersResult:
    """Create the demo offices' letter settings and the default templates that are missing.
    Offices or services not loaded (yet) are skipped."""
    result = DemoLettersResult()
    offices = {o.slug: o for o in Office.objects.filter(slug__in=[h.slug for h in LETTERHEADS])}
    have = set(OfficeLetterSettings.objects.filter(office__in=offices.values()).values_list("office__slug", flat=True))
    for head in LETTERHEADS:
        office = offices.get(head.slug)
        if office is None or head.slug in have:
            continue
        save_office_settings(
            actor=actor,
            office=office,
            settings=LetterSettings(
                unit_code=head.unit_code,
                government_line=head.government,
                unit_lines=list(head.units),
                address_line=_address(office),
                contact_line=_contact(office, head.website),
                place_name=head.place,
            ),
        )
        result.settings_created.append(head.slug)
    catalog = {s.code: s for s in Service.objects.filter(code__in=[t.service_code for t in TEMPLATES])}
    for demo in TEMPLATES:
        service = catalog.get(demo.service_code)
        if service is None or selectors.default_template(service) is not None:
            continue
        save_template(
            actor=actor,
            service=service,
            office=None,
            classification_code=demo.classification_code,
            title=demo.title,
            body=demo.body,
        )
        result.templates_created.append(demo.service_code)
    return result
