"""Sample data for the office admin's letter pages: the values a preview fills a template with (as a
real request at the office would), the preview's signer, the placeholders with their meaning and a
sample each, the text a new template starts from, and the sample letter number of the settings page.

Made-up data only, computed from what it is given (the office, the service's form fields, today):
nothing here reads the database or writes anything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from loket.catalog.models import FieldKind, Service, ServiceField
from loket.core.errors import DomainError
from loket.letters import numbering
from loket.letters.indonesian import date_text
from loket.letters.models import LetterTemplate
from loket.letters.rendering import Signer
from loket.letters.templating import STANDARD_DATE_KEYS, STANDARD_PLACEHOLDERS, allowed_keys
from loket.offices.models import Office, OfficeKind

# --- sample values for previews ---------------------------------------------------------------


def _area_names(office: Office) -> dict[int, str]:
    """{region level: name} of the office's region and its parents (4 kelurahan/desa, 3 kecamatan, 2 kota)."""
    names = {}
    region = office.region
    while region is not None:
        names[region.level] = region.name
        region = region.parent
    return names


def _city_place(city: str) -> str:
    """The place in a city's name: Kota Padang -> Padang, Kabupaten Bogor -> Bogor."""
    return re.sub(r"^(Kota|Kabupaten|Kab\.)\s+", "", city, flags=re.IGNORECASE) or city


def _nik(office: Office, birth: str) -> str:
    """A NIK of the office's kecamatan: 6 region digits, the birth date (DDMMYY), a serial number."""
    prefix = "".join(office.region.code.split(".")[:3]) if office.region_id else ""
    if not re.fullmatch(r"\d{6}", prefix):
        prefix = "367404"
    return f"{prefix}{birth}"


def sample_signer(office: Office) -> Signer:
    """The signer of a preview: a placeholder name and the usual position at this kind of office."""
    area = _area_names(office)
    if office.kind == OfficeKind.KELURAHAN:
        title = f"Lurah {area.get(4) or office.name}"
    elif office.kind == OfficeKind.DESA:
        title = f"Kepala Desa {area.get(4) or office.name}"
    elif office.kind == OfficeKind.KECAMATAN:
        title = f"Camat {area.get(3) or office.name}"
    elif office.kind == OfficeKind.DISDUKCAPIL:
        title = " ".join(f"Kepala Dinas Kependudukan dan Pencatatan Sipil {area.get(2, '')}".split())
    else:
        title = f"Kepala {office.name}"
    return Signer(name="NAMA PEJABAT", title=title[:150])


# Realistic values of the request form fields of the standard catalogue; other fields get one by kind.
_FIELD_SAMPLES = {
    "nama_usaha": "Warung Makan Sederhana Bu Sri",
    "jenis_usaha": "Warung makan",
    "alamat_usaha": "Jl. Merdeka No. 45, RT 002/RW 005",
    "mulai_usaha": "2019-03-01",
    "alamat_domisili": "Jl. Melati No. 8, RT 001/RW 004",
    "nama_almarhum": "Ahmad Suryadi",
    "tempat_meninggal": "Rumah kediaman, Jl. Merdeka No. 17",
    "sebab_meninggal": "Sakit",
    "nama_pewaris": "Ahmad Suryadi",
}


def _field_sample(field: ServiceField, office: Office, today: dt.date) -> str:
    if field.key in _FIELD_SAMPLES:
        return _FIELD_SAMPLES[field.key]
    if field.key == "ahli_waris":
        return (
            f"Siti Rahmawati, NIK {_nik(office, '5708900003')}, istri\n"
            f"Rudi Hartono, NIK {_nik(office, '0305150001')}, anak kandung"
        )
    if field.kind == FieldKind.DATE:
        return (today - dt.timedelta(days=7)).isoformat()
    if field.kind == FieldKind.NIK:
        return _nik(office, "1203450001")
    if field.kind == FieldKind.NUMBER:
        return "2"
    if field.kind == FieldKind.PHONE:
        return "081234567890"
    if field.kind == FieldKind.CHOICE and field.choices:
        return str(field.choices[0])
    return f"Contoh {field.label[:1].lower()}{field.label[1:]}"


def sample_values(office: Office, fields: Sequence[ServiceField], today: dt.date) -> dict[str, str]:
    """A value for every placeholder a service with these form ``fields`` may use, as a real request
    would fill them at this office (its area, a NIK of its kecamatan, ``today``). A kecamatan office
    has no kelurahan, so a template using {{ kelurahan }} shows [kelurahan] there, as its letters
    would lack it."""
    area = _area_names(office)
    kelurahan = area.get(4, "") if office.kind in (OfficeKind.KELURAHAN, OfficeKind.DESA) else ""
    kecamatan, city = area.get(3, ""), area.get(2, "")
    address = "Jl. Merdeka No. 17, RT 003/RW 005"
    if kelurahan:
        address += f", {kelurahan}"
    values = {
        "nama": "Siti Rahmawati",
        "nik": _nik(office, "5708900003"),
        "tempat_lahir": _city_place(city) if city else "Padang",
        "tanggal_lahir": "1990-08-17",
        "jenis_kelamin": "Perempuan",
        "agama": "Islam",
        "pekerjaan": "Wiraswasta",
        "alamat": address,
        "kode_permohonan": "PMH-7K3Q-9XTA",
        "tanggal_permohonan": today.isoformat(),
        "kelurahan": kelurahan,
        "kecamatan": kecamatan,
        "kota": city,
        "keperluan": "persyaratan melamar pekerjaan",
    }
    for field in fields:
        if field.key not in STANDARD_PLACEHOLDERS:
            values[field.key] = _field_sample(field, office, today)
    allowed = set(allowed_keys(f.key for f in fields))
    return {key: value for key, value in values.items() if key in allowed}


@dataclass(frozen=True)
class Placeholder:
    token: str  # "{{ nama }}"
    meaning: str
    sample: str
    optional: bool = False


def placeholders(office: Office, fields: Sequence[ServiceField], today: dt.date) -> list[Placeholder]:
    """Every placeholder a service with these form ``fields`` may use: what it holds and a sample."""
    by_key = {f.key: f for f in fields}
    date_keys = set(STANDARD_DATE_KEYS) | {k for k, f in by_key.items() if f.kind == FieldKind.DATE}
    samples = sample_values(office, fields, today)
    out = []
    for key in allowed_keys(by_key):
        field = by_key.get(key)
        meaning = STANDARD_PLACEHOLDERS.get(key) or (field.label if field else key)
        sample = samples.get(key, "")
        out.append(
            Placeholder(
                token="{{ " + key + " }}",
                meaning=meaning,
                sample=date_text(sample) if key in date_keys else sample,  # as the letter writes it
                optional=field is not None and not field.required,
            )
        )
    return out


# --- a new template -----------------------------------------------------------------------------

# A start for a service with no template at all: the identity table, the service's own fields, a closing.
_STARTER_OPENING = "Yang bertanda tangan di bawah ini menerangkan bahwa:"
_STARTER_IDENTITY = (
    "Nama : {{ nama }}\n"
    "NIK : {{ nik }}\n"
    "Tempat/Tgl. Lahir : {{ tempat_lahir }}, {{ tanggal_lahir }}\n"
    "Jenis Kelamin : {{ jenis_kelamin }}\n"
    "Agama : {{ agama }}\n"
    "Pekerjaan : {{ pekerjaan }}\n"
    "Alamat : {{ alamat }}"
)
_STARTER_CLOSING = (
    "Surat keterangan ini diberikan atas permohonan yang bersangkutan nomor {{ kode_permohonan }} "
    "tanggal {{ tanggal_permohonan }}.\n\n"
    "Demikian surat keterangan ini dibuat dengan sebenarnya untuk dapat dipergunakan sebagaimana mestinya."
)


def starter_template(service: Service, fields: Sequence[ServiceField]) -> LetterTemplate:
    """An unsaved template to start from when ``service`` (with these form ``fields``) has none."""
    rows = []
    for field in fields:
        if field.key in STANDARD_PLACEHOLDERS:
            continue
        label = " ".join(re.sub(r"[:{}]", " ", field.label).split())[:40].strip() or field.key
        rows.append(f"{label[:1].upper()}{label[1:]} : {{{{ {field.key} }}}}")
    parts = [_STARTER_OPENING, _STARTER_IDENTITY, *(["\n".join(rows)] if rows else []), _STARTER_CLOSING]
    title = re.sub(r"\s*\([^)]*\)", "", service.name).strip().upper()[:150]
    return LetterTemplate(service=service, classification_code="", title=title, body="\n\n".join(parts))


# --- the letter number ------------------------------------------------------------------------

# The sample letter number on the settings page: the 12th letter of series 470 this month.
EXAMPLE_CODE = "470"
EXAMPLE_SEQUENCE = 12

# What each placeholder of a number format holds (see loket.letters.numbering).
NUMBER_TOKENS = (
    ("{kode}", gettext_lazy("the template's classification code (the series)")),
    ("{nomor}", gettext_lazy("the running number of the series this year, padded to 3 digits")),
    ("{nomor:04}", gettext_lazy("the running number padded to 4 digits (any width from 1 to 9)")),
    ("{unit}", gettext_lazy("the office's unit code")),
    ("{bulan_romawi}", gettext_lazy("the month in Roman numerals")),
    ("{bulan}", gettext_lazy("the month number ({bulan:02} pads it to 2 digits)")),
    ("{tahun}", gettext_lazy("the year")),
)


@dataclass(frozen=True)
class NumberToken:
    token: str
    meaning: str
    example: str


def number_help(number_format: str, unit_code: str, kode: str, today: dt.date) -> tuple[str, list[NumberToken]]:
    """The number of the 12th letter of series ``kode`` this month in ``number_format`` ("" when the
    format is not valid), and what each placeholder gives this month."""
    unit_code = unit_code.strip() or "[unit]"
    common = {"kode": kode, "nomor": EXAMPLE_SEQUENCE, "unit": unit_code, "month": today.month, "year": today.year}
    try:
        numbering.validate_number_format(number_format)
        example = numbering.format_number(number_format, **common)
    except DomainError:
        example = ""
    tokens = [
        NumberToken(token, str(meaning), numbering.format_number(token, **common)) for token, meaning in NUMBER_TOKENS
    ]
    return example, tokens
