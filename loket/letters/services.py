"""The verbs of letters: an office's letter settings, letter templates, previews, issuing a letter.

Each service takes keyword-only arguments including ``actor`` (None = the system, e.g. the demo
loader), checks permission, runs in one transaction and writes an audit row:

- an office's settings and templates: its office admin (also a city admin for offices in their
  kabupaten/kota, and a system admin); default templates (office empty): a system admin only;
- issuing: an officer of the office (petugas, verifikator, signer, office admin) or the system.

Numbering (``issue_letter``): the next number of the office's series (the template's classification
code, or one series for all the office's letters when its number format has no ``{kode}``) and
office-local year is taken by ``UPDATE letter_counter SET last_number = last_number + 1
WHERE office, series, year`` and read back in the same transaction; the row stays locked until
commit, so two letters never get the same number, and a rollback (a render that fails, a caller's
transaction that fails later) returns the number: no gaps. Everything that can be checked is checked
before the number is taken; the render and the file write happen while the counter row is locked,
which serialises letters of one series of one office (~10 ms each), never those of others.
A rolled-back letter may leave its PDF file behind in the private storage, unreferenced, until
``manage.py sweep_private_files`` (loket/core/files.py) removes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loket.audit.services import record
from loket.catalog.models import FieldKind, Service
from loket.core import clock, policy
from loket.core.errors import DomainError, NotAllowed
from loket.letters import numbering, rendering, selectors, templating
from loket.letters.indonesian import date_text, format_date
from loket.letters.models import (
    DEFAULT_NUMBER_FORMAT,
    Letter,
    LetterCounter,
    LetterTemplate,
    OfficeLetterSettings,
)
from loket.letters.rendering import Signer, build_document
from loket.offices.models import Office
from loket.offices.selectors import local_today

MAX_UNIT_LINES = 4
_NIP = re.compile(r"\d{18}")


# --- permission -------------------------------------------------------------------------------


def _is_live(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False))


def _is_system_admin(actor) -> bool:
    if actor is None:
        return True  # the system itself (demo loader, management command)
    return policy.manages_system(actor)


def _require_manager(actor, office: Office | None) -> None:
    """Office settings and templates: the office's admin; default templates: a system admin."""
    if _is_system_admin(actor):
        return
    if office is None:
        raise NotAllowed(_("Only a system admin may change the default letter templates."))
    if not (_is_live(actor) and policy.allows(actor, policy.MANAGE_OFFICE, office)):
        raise NotAllowed(
            _("Only an admin of %(office)s may change its letter settings and templates.") % {"office": office.name}
        )


def _require_issuer(actor, office: Office) -> None:
    if actor is None:
        return
    if not (
        _is_live(actor) and getattr(actor, "is_officer", False) and policy.allows(actor, policy.ISSUE_LETTERS, office)
    ):
        raise NotAllowed(_("Only the officers of %(office)s may issue its letters.") % {"office": office.name})


# --- office settings --------------------------------------------------------------------------


def _line(value: str, *, label: str, max_length: int, required: bool = True) -> str:
    text = " ".join(templating.clean_value(value or "").split())
    if required and not text:
        raise DomainError(_("Enter the %(field)s.") % {"field": label}, code="required")
    if len(text) > max_length:
        raise DomainError(
            _("The %(field)s is too long (at most %(max)s characters).") % {"field": label, "max": max_length},
            code="too_long",
        )
    return text


def _read_logo(logo) -> bytes:
    if isinstance(logo, bytes | bytearray):
        return bytes(logo)
    if hasattr(logo, "seek"):
        logo.seek(0)
    content = logo.read()
    return content if isinstance(content, bytes) else content.encode()


def check_office_settings(
    *,
    actor,
    office: Office,
    unit_code: str,
    government_line: str,
    unit_lines: list[str] | str,
    address_line: str,
    place_name: str,
    contact_line: str = "",
    number_format: str = DEFAULT_NUMBER_FORMAT,
    logo: bytes | File | None = None,
) -> dict[str, Any]:
    """Permission and validation of ``save_office_settings`` without saving (the admin form uses it).
    Returns the cleaned values; raises ``NotAllowed`` or ``DomainError`` with the message to show."""
    _require_manager(actor, office)
    if isinstance(unit_lines, str):
        unit_lines = unit_lines.splitlines()
    lines = [_line(line, label=_("unit line"), max_length=120, required=False) for line in unit_lines]
    lines = [line for line in lines if line]
    if not lines:
        raise DomainError(_("Enter at least one unit line, e.g. KELURAHAN GUNUNG PANGILUN."), code="unit_lines")
    if len(lines) > MAX_UNIT_LINES:
        raise DomainError(_("At most %(max)s unit lines fit in the letterhead.") % {"max": MAX_UNIT_LINES})
    unit = _line(unit_code, label=_("unit code"), max_length=30)
    if "{" in unit or "}" in unit:
        raise DomainError(_("The unit code cannot contain braces."), code="unit_code")
    number_format = (number_format or "").strip()
    numbering.validate_number_format(number_format)
    cleaned: dict[str, Any] = {
        "unit_code": unit,
        "number_format": number_format,
        "government_line": _line(government_line, label=_("government line"), max_length=120),
        "unit_lines": "\n".join(lines),
        "address_line": _line(address_line, label=_("address line"), max_length=255),
        "contact_line": _line(contact_line, label=_("contact line"), max_length=255, required=False),
        "place_name": _line(place_name, label=_("place name"), max_length=80),
    }
    if logo is not None:
        cleaned["logo"] = rendering.check_logo(_read_logo(logo))
    return cleaned


@transaction.atomic
def save_office_settings(
    *,
    actor,
    office: Office,
    unit_code: str,
    government_line: str,
    unit_lines: list[str] | str,
    address_line: str,
    place_name: str,
    contact_line: str = "",
    number_format: str = DEFAULT_NUMBER_FORMAT,
    logo: bytes | File | None = None,
    remove_logo: bool = False,
) -> OfficeLetterSettings:
    """Create or change the office's letterhead and numbering. ``logo`` replaces the logo (PNG or
    JPEG, at most 1 MB), ``remove_logo`` drops it; otherwise the logo stays as it is."""
    cleaned = check_office_settings(
        actor=actor,
        office=office,
        unit_code=unit_code,
        government_line=government_line,
        unit_lines=unit_lines,
        address_line=address_line,
        place_name=place_name,
        contact_line=contact_line,
        number_format=number_format,
        logo=logo,
    )
    new_logo: rendering.Logo | None = cleaned.pop("logo", None)
    row = OfficeLetterSettings.objects.select_for_update().filter(office=office).first()
    created = row is None
    if row is None:
        row = OfficeLetterSettings(office=office)
    changed = [name for name, value in cleaned.items() if getattr(row, name) != value]
    for name, value in cleaned.items():
        setattr(row, name, value)
    old_logo = row.logo.name if row.logo else ""
    if new_logo is not None:
        row.logo.save(f"logo.{new_logo.extension}", ContentFile(new_logo.content), save=False)
        row.logo_sha256 = hashlib.sha256(new_logo.content).hexdigest()
        changed.append("logo")
    elif remove_logo and old_logo:
        row.logo = ""
        row.logo_sha256 = ""
        changed.append("logo")
    if old_logo and row.logo.name != old_logo:
        storage = row.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    row.updated_at = clock.now()
    row.save()
    record(
        actor=actor,
        action="letters.settings.save",
        obj=row,
        office_id=office.pk,
        data={"created": created, "changed": sorted(changed)},
    )
    return row


# --- templates --------------------------------------------------------------------------------


def check_template(
    *,
    actor,
    service: Service,
    office: Office | None,
    classification_code: str,
    title: str,
    body: str,
    template: LetterTemplate | None = None,
) -> dict[str, str]:
    """Permission and validation of ``save_template`` without saving (the admin form uses it)."""
    _require_manager(actor, office)
    if template is not None and template.pk and template.office_id != (office.pk if office else None):
        _require_manager(actor, template.office)  # moving a template needs the right to its old place too
    if office is not None and not service.is_provided_at(office.kind):
        raise DomainError(
            _("%(office)s does not provide %(service)s, so it needs no letter template for it.")
            % {"office": office.name, "service": service.name},
            code="not_provided",
        )
    cleaned = {
        "classification_code": templating.validate_classification_code(classification_code),
        "title": templating.validate_title(title),
        "body": templating.validate_body(body, selectors.allowed_placeholders(service)),
    }
    clash = LetterTemplate.objects.filter(service=service, office=office)
    if template is not None and template.pk:
        clash = clash.exclude(pk=template.pk)
        if clash.exists():
            raise DomainError(
                _("There is already a letter template for %(service)s here. Change that one instead.")
                % {"service": service.name},
                code="duplicate",
            )
    return cleaned


@transaction.atomic
def save_template(
    *,
    actor,
    service: Service,
    office: Office | None,
    classification_code: str,
    title: str,
    body: str,
    template: LetterTemplate | None = None,
) -> LetterTemplate:
    """Create or change the letter template of ``service`` for ``office`` (None: the default for every
    office). With ``template`` that row is changed (possibly moved); otherwise the one existing for
    (service, office) is changed, or a new one created."""
    cleaned = check_template(
        actor=actor,
        service=service,
        office=office,
        classification_code=classification_code,
        title=title,
        body=body,
        template=template,
    )
    if template is not None and template.pk:
        row = LetterTemplate.objects.select_for_update().get(pk=template.pk)
    else:
        row = LetterTemplate.objects.select_for_update().filter(service=service, office=office).first()
    created = row is None
    if row is None:
        row = LetterTemplate(service=service, office=office)
    changed = [name for name, value in cleaned.items() if getattr(row, name) != value]
    if not created and (row.service_id != service.pk or row.office_id != (office.pk if office else None)):
        changed += ["service", "office"]
    row.service, row.office = service, office
    for name, value in cleaned.items():
        setattr(row, name, value)
    row.updated_at = clock.now()
    row.save()
    record(
        actor=actor,
        action="letters.template.save",
        obj=row,
        office_id=office.pk if office else None,
        data={
            "created": created,
            "changed": sorted(changed),
            "service": service.code,
            "classification_code": row.classification_code,
        },
    )
    return row


def _template_in_use(count: int) -> DomainError:
    return DomainError(
        ngettext(
            "This template cannot be deleted: %(count)s letter was already issued from it and keeps it for the "
            "records. Change the template instead; letters already issued stay as they are.",
            "This template cannot be deleted: %(count)s letters were already issued from it and keep it for the "
            "records. Change the template instead; letters already issued stay as they are.",
            count,
        )
        % {"count": count},
        code="in_use",
    )


@transaction.atomic
def delete_template(*, actor, template: LetterTemplate) -> None:
    """Delete a letter template, e.g. an office's own one so that its letters use the default again.
    Refused once letters were issued from it: a letter keeps the template it was made from."""
    row = LetterTemplate.objects.select_for_update().filter(pk=template.pk).first()
    if row is None:
        raise DomainError(_("This letter template no longer exists. Reload the page."), code="gone")
    _require_manager(actor, row.office)
    # The row lock also holds back a letter being issued from it (its foreign key waits for the lock).
    issued = Letter.objects.filter(template=row).count()
    if issued:
        raise _template_in_use(issued)
    record(
        actor=actor,
        action="letters.template.delete",
        obj=row,
        from_state=row.title,
        office_id=row.office_id,
        data={
            "service": row.service.code,
            "classification_code": row.classification_code,
            "title": row.title,
            "body": row.body,
        },
    )
    try:
        row.delete()
    except ProtectedError as exc:
        raise _template_in_use(len(exc.protected_objects)) from exc


# --- the letter's content ---------------------------------------------------------------------


def _check_signer(signer: Signer) -> Signer:
    name = _line(signer.name, label=_("signer's name"), max_length=150)
    title = _line(signer.title, label=_("signer's position"), max_length=150)
    on_behalf = _line(signer.on_behalf_line, label=_("a.n./Plt. line"), max_length=150, required=False)
    nip = "".join((signer.nip or "").split())
    if nip and not _NIP.fullmatch(nip):
        raise DomainError(_("A NIP has 18 digits, e.g. 198507142010011002."), code="nip")
    return Signer(name=name, title=title, nip=nip, on_behalf_line=on_behalf)


def _value_text(key: str, value: Any, date_keys: set[str]) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return format_date(value)
    text = templating.clean_value(value)
    return date_text(text) if key in date_keys else text


def _prepare_values(fields: dict[str, Any], keys: list[str], values: dict[str, Any], *, final: bool) -> dict[str, str]:
    """The values of the keys the template uses, as plain text (ISO dates in Indonesian). For a real
    letter every key needs a value except optional request form fields (shown as "-")."""
    date_keys = set(templating.STANDARD_DATE_KEYS) | {k for k, f in fields.items() if f.kind == FieldKind.DATE}
    out: dict[str, str] = {}
    missing = []
    for key in keys:
        raw = values.get(key)
        text = "" if raw is None else _value_text(key, raw, date_keys)
        if len(text) > templating.MAX_VALUE:
            raise DomainError(
                _("The value of %(key)s is too long (at most %(max)s characters).")
                % {"key": key, "max": templating.MAX_VALUE},
                code="value_too_long",
            )
        if text:
            out[key] = text
        elif final and (key not in fields or fields[key].required):
            missing.append(key)
    if missing:
        raise DomainError(
            _("The letter cannot be made yet: these values are missing: %(keys)s.") % {"keys": ", ".join(missing)},
            code="missing_values",
        )
    return out


def _logo_of(settings_row: OfficeLetterSettings) -> rendering.Logo | None:
    if not settings_row.logo:
        return None
    with settings_row.logo.open("rb") as handle:
        content = handle.read()
    extension = "jpg" if content.startswith(rendering.JPEG_MAGIC) else "png"
    return rendering.Logo(content, extension)


def _require_settings(office: Office) -> OfficeLetterSettings:
    settings_row = selectors.settings_for(office)
    if settings_row is None:
        raise DomainError(
            _("%(office)s has no letterhead yet: an office admin must fill in its letter settings first.")
            % {"office": office.name},
            code="no_settings",
        )
    return settings_row


def _require_template_fits(template: LetterTemplate, office: Office) -> None:
    if template.office_id is not None and template.office_id != office.pk:
        raise DomainError(_("This letter template belongs to another office."), code="other_office")
    if not template.service.is_provided_at(office.kind):
        raise DomainError(
            _("%(office)s does not provide %(service)s.") % {"office": office.name, "service": template.service.name},
            code="not_provided",
        )


def _content(template: LetterTemplate, values: dict[str, Any], *, final: bool) -> tuple[list, dict[str, str]]:
    """The template's blocks (validated again: it may have been changed outside the services) and the
    values it uses, cleaned."""
    fields = {f.key: f for f in template.service.fields.all()}
    body = templating.validate_body(template.body, templating.allowed_keys(fields))
    keys = templating.placeholders_in(body)
    return templating.parse(body), _prepare_values(fields, keys, values, final=final)


def render_preview(*, template: LetterTemplate, office: Office, values: dict[str, Any], signer: Signer) -> bytes:
    """A PDF of the letter as it would look, marked "PRATINJAU — belum bernomor dan belum
    ditandatangani", with ``...`` in place of the running number. Takes no number, stores nothing;
    a missing value shows as ``[key]``."""
    _require_template_fits(template, office)
    settings_row = _require_settings(office)
    title = templating.validate_title(template.title)
    code = templating.validate_classification_code(template.classification_code)
    blocks, clean = _content(template, values, final=False)
    signer = _check_signer(signer)
    now = clock.now()
    issued_on = local_today(office, now)
    number = numbering.format_number(
        settings_row.number_format,
        kode=code,
        nomor=None,
        unit=settings_row.unit_code,
        month=issued_on.month,
        year=issued_on.year,
    )
    document = build_document(
        settings_row=settings_row,
        office=office,
        title=title,
        number=number,
        blocks=templating.fill(blocks, clean, missing="[{key}]"),
        issued_on=issued_on,
        signer=signer,
        preview=True,
    )
    return rendering.render_pdf(document, logo=_logo_of(settings_row), timestamp=int(now.timestamp()))


def _next_sequence(office: Office, series: str, year: int) -> int:
    """Take the next number: the UPDATE locks the counter row until commit. The first letter of a
    series and year finds no row; INSERT … ON CONFLICT DO NOTHING creates it (letters racing for it
    never collide: the loser waits for the winner's row) and the UPDATE runs again."""
    counter = LetterCounter.objects.filter(office=office, series=series, year=year)
    if not counter.update(last_number=F("last_number") + 1):
        LetterCounter.objects.bulk_create(
            [LetterCounter(office=office, series=series, year=year)], ignore_conflicts=True
        )
        counter.update(last_number=F("last_number") + 1)
    return counter.values_list("last_number", flat=True).get()


@transaction.atomic
def issue_letter(
    *,
    actor,
    template: LetterTemplate,
    office: Office,
    values: dict[str, str],
    signer: Signer,
    reference: str,
) -> Letter:
    """Issue a numbered letter of ``office`` from ``template``: the next number of the series of the
    template's classification code in the office-local year, the final PDF (PDF/A-2b) stored in the
    private storage with its SHA-256, an audit row ``letters.issue``. ``values`` fills the
    placeholders (ISO dates are written in Indonesian); every placeholder needs a value except
    optional request form fields. ``reference`` names the workflow object, e.g. "permohonan:PMH-…"."""
    _require_issuer(actor, office)
    _require_template_fits(template, office)
    settings_row = _require_settings(office)
    title = templating.validate_title(template.title)
    kode = templating.validate_classification_code(template.classification_code)
    blocks, clean = _content(template, values, final=True)
    signer = _check_signer(signer)
    reference = _line(reference, label=_("reference"), max_length=100, required=False)
    logo = _logo_of(settings_row)
    now = clock.now().replace(microsecond=0)
    issued_on = local_today(office, now)
    year = issued_on.year

    series = numbering.series_for(settings_row.number_format, kode)
    sequence = _next_sequence(office, series, year)
    number = numbering.format_number(
        settings_row.number_format,
        kode=kode,
        nomor=sequence,
        unit=settings_row.unit_code,
        month=issued_on.month,
        year=year,
    )
    document = build_document(
        settings_row=settings_row,
        office=office,
        title=title,
        number=number,
        blocks=templating.fill(blocks, clean),
        issued_on=issued_on,
        signer=signer,
    )
    pdf = rendering.render_pdf(document, logo=logo, timestamp=int(now.timestamp()))
    sha256 = hashlib.sha256(pdf).hexdigest()
    letter = Letter(
        office=office,
        service=template.service,
        template=template,
        number=number,
        series=series,
        year=year,
        sequence=sequence,
        issued_on=issued_on,
        title=title,
        values=clean,
        document=document,
        signer_name=signer.name,
        signer_title=signer.title,
        signer_nip=signer.nip,
        signer_on_behalf=signer.on_behalf_line,
        reference=reference,
        pdf_sha256=sha256,
        created_at=now,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    letter.pdf.save(f"{kode}-{sequence:05d}-{sha256[:12]}.pdf", ContentFile(pdf), save=False)
    letter.save()
    record(
        actor=actor,
        action="letters.issue",
        obj=letter,
        to_state=number,
        office_id=office.pk,
        data={
            "number": number,
            "service": template.service.code,
            "template": template.pk,
            "reference": reference,
            "sha256": sha256,
        },
    )
    return letter
