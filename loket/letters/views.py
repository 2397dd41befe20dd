"""The office admin's letter pages (/surat/kelola/…): the office's letterhead and numbering, and its
own letter template per service, with a preview of the typed (unsaved) text.

Thin views: the forms parse input, ``loket.letters.services`` checks and saves (permission, the safe
template language, the audit row). A refusal shows the service's message on the form with everything
typed kept (status 400); a success redirects (POST/redirect/GET) with a message. The office admin of
the office may open them, and a city admin (offices of their kabupaten/kota) or a system admin.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from loket.catalog.models import FieldKind, Service, ServiceField
from loket.catalog.selectors import services_offered_at
from loket.core import policy
from loket.core.access import permission_required
from loket.core.errors import DomainError
from loket.letters import numbering, selectors, services
from loket.letters.forms import LetterTemplateForm, OfficeLetterSettingsForm
from loket.letters.indonesian import date_text
from loket.letters.models import DEFAULT_NUMBER_FORMAT, Letter, LetterTemplate, OfficeLetterSettings
from loket.letters.templating import STANDARD_DATE_KEYS, STANDARD_PLACEHOLDERS
from loket.offices import selectors as office_selectors
from loket.offices.access import office_for_request
from loket.offices.models import Office, OfficeKind

# DomainError codes of the services that belong to a form field (the rest are shown above the form).
SETTINGS_ERROR_FIELDS = {"unit_lines": "unit_lines", "unit_code": "unit_code", "logo": "logo"}
TEMPLATE_ERROR_FIELDS = {
    "classification_code": "classification_code",
    "title": "title",
    "body": "body",
    "braces": "body",
    "placeholder": "body",
    "unknown_placeholder": "body",
}

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


# --- helpers --------------------------------------------------------------------------------


def _online_services(office: Office) -> list[Service]:
    """The services the office provides that can be requested online (they end in a letter)."""
    return sorted((s for s in services_offered_at(office) if s.allows_online_request), key=lambda s: s.name)


def _add_error(form: forms.Form, error: DomainError, fields: dict[str, str]) -> None:
    form.add_error(fields.get(error.code), error.message)


def _manage_url(office: Office, anchor: str = "") -> str:
    return reverse("letters:manage", kwargs={"slug": office.slug}) + (f"#{anchor}" if anchor else "")


def _template_url(office: Office, service: Service) -> str:
    return reverse("letters:template", kwargs={"slug": office.slug, "service_slug": service.slug})


@dataclass(frozen=True)
class ServiceTemplate:
    """One service of the office and the letter template that applies to it there."""

    service: Service
    own: LetterTemplate | None
    default: LetterTemplate | None

    @property
    def applies(self) -> LetterTemplate | None:
        return self.own or self.default


def _service_templates(office: Office, offered: list[Service]) -> list[ServiceTemplate]:
    rows = LetterTemplate.objects.filter(service__in=offered).filter(Q(office=office) | Q(office__isnull=True))
    own = {t.service_id: t for t in rows if t.office_id}
    default = {t.service_id: t for t in rows if not t.office_id}
    return [ServiceTemplate(service=s, own=own.get(s.pk), default=default.get(s.pk)) for s in offered]


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


def sample_signer(office: Office) -> services.Signer:
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
    return services.Signer(name="NAMA PEJABAT", title=title[:150])


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


def sample_values(office: Office, service: Service) -> dict[str, str]:
    """A value for every placeholder the service's templates may use, as a real request would fill
    them at this office (its area, a NIK of its kecamatan, today's date). A kecamatan office has no
    kelurahan, so a template using {{ kelurahan }} shows [kelurahan] there, as its letters would lack it."""
    area = _area_names(office)
    today = office_selectors.local_today(office)
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
    for field in service.fields.all():
        if field.key not in STANDARD_PLACEHOLDERS:
            values[field.key] = _field_sample(field, office, today)
    allowed = set(selectors.allowed_placeholders(service))
    return {key: value for key, value in values.items() if key in allowed}


@dataclass(frozen=True)
class Placeholder:
    token: str  # "{{ nama }}"
    meaning: str
    sample: str
    optional: bool = False


def _placeholders(office: Office, service: Service) -> list[Placeholder]:
    fields = {f.key: f for f in service.fields.all()}
    date_keys = set(STANDARD_DATE_KEYS) | {k for k, f in fields.items() if f.kind == FieldKind.DATE}
    samples = sample_values(office, service)
    out = []
    for key in selectors.allowed_placeholders(service):
        field = fields.get(key)
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


def _starter(service: Service) -> LetterTemplate:
    rows = []
    for field in service.fields.all():
        if field.key in STANDARD_PLACEHOLDERS:
            continue
        label = " ".join(re.sub(r"[:{}]", " ", field.label).split())[:40].strip() or field.key
        rows.append(f"{label[:1].upper()}{label[1:]} : {{{{ {field.key} }}}}")
    parts = [_STARTER_OPENING, _STARTER_IDENTITY, *(["\n".join(rows)] if rows else []), _STARTER_CLOSING]
    title = re.sub(r"\s*\([^)]*\)", "", service.name).strip().upper()[:150]
    return LetterTemplate(service=service, classification_code="", title=title, body="\n\n".join(parts))


# --- the letter number ------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberToken:
    token: str
    meaning: str
    example: str


def _number_help(office: Office, number_format: str, unit_code: str, kode: str) -> tuple[str, list[NumberToken]]:
    """The number of the 12th letter of series ``kode`` this month in ``number_format`` ("" when the
    format is not valid), and what each placeholder gives this month."""
    today = office_selectors.local_today(office)
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


# --- pages ----------------------------------------------------------------------------------


@permission_required(policy.MANAGE_OFFICE)
@require_GET
def manage_index(request: HttpRequest) -> HttpResponse:
    """The offices whose letterheads and templates this officer manages; straight to it when there is one."""
    offices = list(office_selectors.offices_for(request.user).order_by("region_id", "name"))
    if len(offices) == 1:
        return redirect("letters:manage", slug=offices[0].slug)
    return render(request, "letters/manage_index.html", {"offices": offices})


@permission_required(policy.MANAGE_OFFICE)
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    """The office's letterhead and numbering form, and its services with the template each uses."""
    office = office_for_request(request, slug, policy.MANAGE_OFFICE, include_inactive=True)
    current = selectors.settings_for(office)
    if request.method == "POST":
        form = OfficeLetterSettingsForm(request.POST, request.FILES, current=current)
        if form.is_valid():
            try:
                services.save_office_settings(
                    actor=request.user,
                    office=office,
                    settings=form.letter_settings(),
                    remove_logo=form.cleaned_data["remove_logo"],
                )
            except DomainError as error:
                _add_error(form, error, SETTINGS_ERROR_FIELDS)
            else:
                messages.success(
                    request, _("Saved: the letterhead and letter numbering of %(office)s.") % {"office": office.name}
                )
                return redirect(_manage_url(office))
    else:
        form = OfficeLetterSettingsForm(current=current)

    offered = _online_services(office)
    rows = _service_templates(office, offered)
    if form.is_bound:
        number_format = form.data.get(form.add_prefix("number_format"), "")
        unit_code = form.data.get(form.add_prefix("unit_code"), "")
    else:
        number_format = current.number_format if current else DEFAULT_NUMBER_FORMAT
        unit_code = current.unit_code if current else ""
    kode = next((r.applies.classification_code for r in rows if r.applies), EXAMPLE_CODE)
    example, tokens = _number_help(office, number_format.strip(), unit_code, kode)
    context = {
        "office": office,
        "form": form,
        "current": current,
        "rows": rows,
        "example_number": example,
        "example_code": kode,
        "example_sequence": EXAMPLE_SEQUENCE,
        "number_tokens": tokens,
    }
    return render(request, "letters/manage.html", context, status=400 if form.errors else 200)


def _service_of(office: Office, service_slug: str) -> Service:
    """The service by slug, if the office provides it for online requests or has its own template for it."""
    service = Service.objects.filter(slug=service_slug).first()
    if service is None:
        raise Http404("service not found")
    if service.pk in {s.pk for s in _online_services(office)}:
        return service
    if LetterTemplate.objects.filter(service=service, office=office).exists():
        return service
    raise Http404("service not offered here")


def _preview(request: HttpRequest, office: Office, service: Service, own, data: dict) -> HttpResponse:
    cleaned = services.check_template(actor=request.user, service=service, office=office, template=own, **data)
    draft = LetterTemplate(service=service, office=office, **cleaned)
    pdf = services.render_preview(
        template=draft, office=office, values=sample_values(office, service), signer=sample_signer(office)
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="pratinjau-{service.slug}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _revert(request: HttpRequest, office: Office, service: Service, own, default) -> HttpResponse:
    if own is None:
        messages.info(
            request,
            _("%(office)s has no template of its own for %(service)s.")
            % {"office": office.name, "service": service.name},
        )
        return redirect(_template_url(office, service))
    try:
        services.delete_template(actor=request.user, template=own)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_template_url(office, service))
    if default is not None:
        messages.success(
            request,
            _("The office's own template was deleted: letters for %(service)s use the default template again.")
            % {"service": service.name},
        )
    else:
        messages.warning(
            request,
            _(
                "The office's own template was deleted. There is no default template for %(service)s, so no letter "
                "can be made for it until a template is saved."
            )
            % {"service": service.name},
        )
    return redirect(_manage_url(office, "templat"))


@permission_required(policy.MANAGE_OFFICE)
@require_http_methods(["GET", "POST"])
def template(request: HttpRequest, slug: str, service_slug: str) -> HttpResponse:
    """The office's own letter template for one service: edit, preview the typed text, save, or go
    back to the default template."""
    office = office_for_request(request, slug, policy.MANAGE_OFFICE, include_inactive=True)
    service = _service_of(office, service_slug)
    own = LetterTemplate.objects.filter(service=service, office=office).first()
    default = LetterTemplate.objects.filter(service=service, office__isnull=True).first()

    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "revert":
            return _revert(request, office, service, own, default)
        if action not in ("save", "preview"):
            messages.error(request, _("This form could not be read. Reload the page and try again."))
            return redirect(_template_url(office, service))
        form = LetterTemplateForm(request.POST)
        if form.is_valid():
            try:
                if action == "preview":
                    return _preview(request, office, service, own, form.cleaned_data)
                services.save_template(
                    actor=request.user, service=service, office=office, template=own, **form.cleaned_data
                )
            except DomainError as error:
                _add_error(form, error, TEMPLATE_ERROR_FIELDS)
            else:
                messages.success(
                    request,
                    _("Saved: the letter template of %(office)s for %(service)s. Letters made from now on use it.")
                    % {"office": office.name, "service": service.name},
                )
                return redirect(_template_url(office, service))
    else:
        form = LetterTemplateForm(start=own or default or _starter(service))

    context = {
        "office": office,
        "service": service,
        "own": own,
        "default": default,
        "offered": service.pk in {s.pk for s in _online_services(office)},
        "has_settings": OfficeLetterSettings.objects.filter(office=office).exists(),
        "issued_from_own": Letter.objects.filter(template=own).count() if own else 0,
        "form": form,
        "placeholders": _placeholders(office, service),
        "example_placeholder": "{{ nama }}",
        "example_row": "Nama : {{ nama }}",
        "signer": sample_signer(office),
    }
    return render(request, "letters/template.html", context, status=400 if form.errors else 200)
