"""The verbs of a request: start, fill in, upload, submit, withdraw (citizen); assign, verify,
return, reject, process, send for signature, set the pickup, hand over (staff); and what happens
when a letter is signed (``record_signed``, called by the signing app), which moves chained
requests on by themselves.

Each verb takes keyword-only arguments including ``actor``, runs in one transaction with the
request's row locked, checks permission and the workflow (``workflow.require_transition``), saves
with ``update_fields`` and writes an audit row (``permohonan.<verb>``, from/to status). Refusals
are ``DomainError`` with a message that says what to do; ``FormErrors`` carries one per field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.accounts.services import clean_phone
from loket.audit.services import record
from loket.catalog.models import FieldKind, Requirement, Service
from loket.catalog.selectors import services_offered_at
from loket.core import clock, policy
from loket.core.errors import DomainError, NotAllowed
from loket.letters import selectors as letter_selectors
from loket.letters import services as letter_services
from loket.offices import selectors as office_selectors
from loket.offices.models import Office, OfficeKind
from loket.permohonan import notify, selectors
from loket.permohonan.models import CityPolicy, Permohonan, Status, Upload
from loket.permohonan.uploads import check_upload
from loket.permohonan.workflow import require_transition
from loket.regions.validators import parse_nik
from loket.signing import services as signing_services

IDENTITY_FIELDS = ("tempat_lahir", "tanggal_lahir", "jenis_kelamin", "agama", "pekerjaan", "alamat")
IDENTITY_LABELS = {
    "tempat_lahir": gettext_lazy("Place of birth"),
    "tanggal_lahir": gettext_lazy("Date of birth"),
    "jenis_kelamin": gettext_lazy("Sex"),
    "agama": gettext_lazy("Religion"),
    "pekerjaan": gettext_lazy("Occupation"),
    "alamat": gettext_lazy("Address (as on the KK)"),
}
AGAMA = ("Islam", "Kristen", "Katolik", "Hindu", "Buddha", "Khonghucu", "Kepercayaan terhadap Tuhan YME")
JENIS_KELAMIN = ("Laki-laki", "Perempuan")
TEXT_MAX, TEXTAREA_MAX, REASON_MIN = 200, 2000, 10


class FormErrors(DomainError):
    """Several fields are wrong: ``errors`` maps a field key to its message."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__(_("Some fields need your attention; see the messages beside them."), code="form")
        self.errors = dict(errors)


# --- helpers ------------------------------------------------------------------------------


def _date_text(day: dt.date) -> str:
    return formats.date_format(day, "j F Y")


def _locked(permohonan: Permohonan) -> Permohonan:
    return Permohonan.objects.select_for_update().select_related("service", "office", "citizen").get(pk=permohonan.pk)


def _move(actor, p: Permohonan, target: str, *, fields: list[str], action: str, reason: str = "", data=None) -> None:
    before = p.status
    require_transition(before, target)
    p.status = target
    p.save(update_fields=["status", *fields])
    record(
        actor=actor,
        action=f"permohonan.{action}",
        obj=p,
        from_state=before,
        to_state=target,
        reason=reason,
        office_id=p.office_id,
        data=data or {},
    )
    notify.status_changed(p)


def _require_owner(actor, p: Permohonan) -> None:
    if actor is None or not getattr(actor, "is_citizen", False) or p.citizen_id != actor.pk:
        raise NotAllowed(_("This is not your request."))


def _require_staff(actor, p: Permohonan) -> None:
    if (
        actor is None
        or not getattr(actor, "is_officer", False)
        or not policy.allows(actor, policy.HANDLE_REQUESTS, p.office)
    ):
        raise NotAllowed(_("Only the staff of %(office)s can handle this request.") % {"office": p.office.name})


def _reason(text: str) -> str:
    text = (text or "").strip()
    if len(text) < REASON_MIN:
        raise DomainError(
            _("Write the reason in at least %(n)s characters, so the citizen knows what to do.") % {"n": REASON_MIN},
            code="reason",
        )
    return text[:TEXTAREA_MAX]


# --- starting a request ----------------------------------------------------------------------


def _allowed_office_for_citizen(service: Service, office: Office) -> None:
    if not service.is_active or not service.allows_online_request:
        raise DomainError(_("%(service)s cannot be requested online.") % {"service": service.name}, code="offline")
    if not office.is_active or not any(s.pk == service.pk for s in services_offered_at(office)):
        raise DomainError(
            _("%(office)s does not handle %(service)s. Choose another office.")
            % {"office": office.name, "service": service.name},
            code="not_offered",
        )


@transaction.atomic
def start_request(*, actor, service: Service, office: Office) -> Permohonan:
    """A new draft request of citizen ``actor`` for ``service`` at ``office``; the identity part is
    prefilled from the citizen's NIK and their previous request."""
    if actor is None or not getattr(actor, "is_citizen", False) or not getattr(actor, "nik", None):
        raise NotAllowed(_("Log in as a citizen with your NIK to make a request."))
    _allowed_office_for_citizen(service, office)
    identity = dict.fromkeys(IDENTITY_FIELDS, "")
    identity.update(selectors.last_identity(actor))
    try:
        info = parse_nik(actor.nik)
    except ValidationError:
        info = None
    if info is not None:
        identity.setdefault("tanggal_lahir", "")
        identity["tanggal_lahir"] = identity["tanggal_lahir"] or info.birth_date.isoformat()
        identity["jenis_kelamin"] = identity["jenis_kelamin"] or ("Perempuan" if info.is_female else "Laki-laki")
    p = Permohonan.objects.create(
        service=service, office=office, citizen=actor, identity=identity, fee=service.fee, created_at=clock.now()
    )
    record(actor=actor, action="permohonan.start", obj=p, to_state=Status.DRAFT, office_id=office.pk)
    return p


# --- filling in --------------------------------------------------------------------------------


def _clean_value(kind: str, raw: str, choices) -> str:
    raw = (raw or "").strip()
    if kind == FieldKind.TEXTAREA:
        if len(raw) > TEXTAREA_MAX:
            raise DomainError(_("At most %(n)s characters.") % {"n": TEXTAREA_MAX})
        return raw
    if len(raw) > TEXT_MAX and kind != FieldKind.TEXTAREA:
        raise DomainError(_("At most %(n)s characters.") % {"n": TEXT_MAX})
    if kind == FieldKind.DATE:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise DomainError(_("Enter a date, e.g. 2026-08-17.")) from None
        if day.year < 1900 or day > clock.now().date() + dt.timedelta(days=366 * 5):
            raise DomainError(_("Check the year of this date."))
        return day.isoformat()
    if kind == FieldKind.NUMBER:
        if not re.fullmatch(r"\d{1,12}", raw):
            raise DomainError(_("Enter a whole number, digits only."))
        return raw
    if kind == FieldKind.NIK:
        try:
            return parse_nik(raw).nik
        except ValidationError as exc:
            raise DomainError(" ".join(str(m) for m in exc.messages)) from None
    if kind == FieldKind.PHONE:
        return clean_phone(raw)
    if kind == FieldKind.CHOICE:
        if raw not in (choices or []):
            raise DomainError(_("Choose one of the options."))
        return raw
    return raw


def clean_identity(raw: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The identity part, cleaned; and the errors per key."""
    identity, errors = {}, {}
    specs = {
        "tempat_lahir": (FieldKind.TEXT, None),
        "tanggal_lahir": (FieldKind.DATE, None),
        "jenis_kelamin": (FieldKind.CHOICE, JENIS_KELAMIN),
        "agama": (FieldKind.CHOICE, AGAMA),
        "pekerjaan": (FieldKind.TEXT, None),
        "alamat": (FieldKind.TEXTAREA, None),
    }
    for key, (kind, choices) in specs.items():
        value = (raw.get(key) or "").strip()
        identity[key] = value
        if not value:
            continue
        try:
            identity[key] = _clean_value(kind, value, choices)
        except DomainError as exc:
            errors[key] = str(exc.message)
    return identity, errors


def clean_values(service: Service, raw: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The service's own form fields, cleaned; and the errors per key. Empty required fields are
    checked at submission, so a draft can be saved half-done."""
    values, errors = {}, {}
    for field in service.fields.all():
        value = (raw.get(field.key) or "").strip()
        values[field.key] = value
        if not value:
            continue
        try:
            values[field.key] = _clean_value(field.kind, value, field.choices)
        except DomainError as exc:
            errors[field.key] = str(exc.message)
    return values, errors


@transaction.atomic
def save_draft(
    *,
    actor,
    permohonan: Permohonan,
    identity: Mapping[str, str],
    values: Mapping[str, str],
    step_offices: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Save what the citizen typed (draft or returned request). Everything valid is kept even when
    some fields are wrong; the wrong ones keep their previous value and come back as errors per
    field (``{"identity.agama": "…", "nama_usaha": "…"}``), so nothing typed is lost."""
    p = _locked(permohonan)
    _require_owner(actor, p)
    if not p.is_editable_by_citizen:
        raise DomainError(_("This request can no longer be changed."), code="locked")
    clean_id, id_errors = clean_identity(identity)
    clean_vals, val_errors = clean_values(p.service, values)
    errors = {**{f"identity.{k}": v for k, v in id_errors.items()}, **val_errors}
    chosen = dict(p.values.get("_steps", {}))
    for link in selectors.prerequisites_of(p.service):
        slug = (step_offices or {}).get(link.required_service.code)
        if slug is None:
            continue
        allowed = {o.slug for o in selectors.step_offices(p.office, link.at_office_kind, link.required_service)}
        if slug and slug not in allowed:
            errors[f"step.{link.required_service.code}"] = _("Choose one of the listed offices.")
        else:
            chosen[link.required_service.code] = slug
    for key in id_errors:
        clean_id[key] = p.identity.get(key, "")
    for key in val_errors:
        clean_vals[key] = p.values.get(key, "")
    p.identity = clean_id
    p.values = {**clean_vals, "_steps": chosen}
    p.save(update_fields=["identity", "values"])
    record(actor=actor, action="permohonan.save", obj=p, office_id=p.office_id, data={"errors": sorted(errors)})
    return errors


def upload_requirements(service: Service) -> list[Requirement]:
    """The documents to upload for ``service``: its own, then those of the steps it needs first
    (e.g. the KTP and KK the kelurahan needs for the surat pengantar), each once."""
    services = [service, *(link.required_service for link in selectors.prerequisites_of(service))]
    return list(
        Requirement.objects.filter(service__in=services, needs_upload=True).order_by("service_id", "order", "id")
    )


def _safe_name(name: str, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "", PurePath(name or "berkas").stem)[:80].strip() or "berkas"
    return f"{stem}.{extension}"


@transaction.atomic
def attach_upload(*, actor, permohonan: Permohonan, requirement: Requirement, uploaded) -> Upload:
    """Check and store one document for ``requirement`` (replacing an earlier one)."""
    p = _locked(permohonan)
    _require_owner(actor, p)
    if not p.is_editable_by_citizen:
        raise DomainError(_("This request can no longer be changed."), code="locked")
    if requirement.pk not in {r.pk for r in upload_requirements(p.service)}:
        raise DomainError(_("This document is not asked for this service."), code="bad_requirement")
    checked = check_upload(uploaded)
    name = _safe_name(getattr(uploaded, "name", ""), checked.extension)
    old = Upload.objects.filter(permohonan=p, requirement=requirement).first()
    if old is not None:
        old_file, old_hash = old.file.name, old.sha256
        old.delete()
        transaction.on_commit(lambda: old.file.storage.delete(old_file))
    else:
        old_hash = ""
    upload = Upload(
        permohonan=p,
        requirement=requirement,
        original_name=name,
        content_type=checked.content_type,
        size=len(checked.content),
        sha256=checked.sha256,
        uploaded_at=clock.now(),
    )
    upload.file.save(f"{p.code}-{requirement.pk}.{checked.extension}", ContentFile(checked.content), save=False)
    upload.save()
    record(
        actor=actor,
        action="permohonan.upload",
        obj=p,
        office_id=p.office_id,
        data={"requirement": requirement.name, "sha256": checked.sha256, "replaced": old_hash},
    )
    return upload


def _missing(p: Permohonan) -> dict[str, str]:
    errors = {}
    need = _("Fill this in.")
    for key in ("tempat_lahir", "tanggal_lahir", "jenis_kelamin", "agama", "pekerjaan", "alamat"):
        if not p.identity.get(key):
            errors[f"identity.{key}"] = need
    for field in p.service.fields.all():
        if field.required and not p.values.get(field.key):
            errors[field.key] = need
    have = set(p.uploads.values_list("requirement_id", flat=True))
    for req in upload_requirements(p.service):
        if req.is_mandatory and req.pk not in have:
            errors[f"upload.{req.pk}"] = _("Upload this document.")
    for link in selectors.prerequisites_of(p.service):
        if not p.values.get("_steps", {}).get(link.required_service.code):
            errors[f"step.{link.required_service.code}"] = _("Choose the office.")
    return errors


def _set_due_date(p: Permohonan, now: dt.datetime) -> None:
    today = office_selectors.local_today(p.office, now)
    p.due_date = selectors.add_working_days(p.office, today, p.service.completion_days + p.paused_working_days)


def _create_steps(actor, p: Permohonan, now: dt.datetime) -> list[Permohonan]:
    steps = []
    for link in selectors.prerequisites_of(p.service):
        slug = p.values["_steps"][link.required_service.code]
        office = Office.objects.get(slug=slug)
        step = Permohonan.objects.create(
            service=link.required_service,
            office=office,
            citizen=p.citizen,
            identity=dict(p.identity),
            values={"keperluan": _("%(service)s at %(office)s") % {"service": p.service.name, "office": p.office.name}},
            fee=link.required_service.fee,
            parent=p,
            created_at=now,
            submitted_at=now,
            status=Status.DIAJUKAN,
        )
        _set_due_date(step, now)
        step.save(update_fields=["due_date"])
        for upload in p.uploads.filter(requirement__service=link.required_service):
            copy = Upload(
                permohonan=step,
                requirement=upload.requirement,
                original_name=upload.original_name,
                content_type=upload.content_type,
                size=upload.size,
                sha256=upload.sha256,
                uploaded_at=upload.uploaded_at,
            )
            with upload.file.open("rb") as source:
                copy.file.save(
                    f"{step.code}-{upload.requirement_id}.{PurePath(upload.file.name).suffix[1:]}",
                    ContentFile(source.read()),
                    save=False,
                )
            copy.save()
        record(
            actor=actor,
            action="permohonan.step_created",
            obj=step,
            from_state=Status.DRAFT,
            to_state=Status.DIAJUKAN,
            office_id=office.pk,
            data={"for": p.code},
        )
        steps.append(step)
    return steps


@transaction.atomic
def submit(*, actor, permohonan: Permohonan) -> Permohonan:
    """Send the request to the office. A service that needs a surat pengantar first creates that
    step at the chosen kelurahan and waits for it; a returned request is resubmitted and its
    deadline moves by the working days it spent with the citizen."""
    p = _locked(permohonan)
    _require_owner(actor, p)
    missing = _missing(p)
    if missing:
        raise FormErrors(missing)
    now = clock.now()
    if p.status == Status.DIKEMBALIKAN:
        office = p.office
        returned_on = office_selectors.local_today(office, p.returned_at or now)
        paused = selectors.working_days_between(office, returned_on, office_selectors.local_today(office, now))
        p.paused_working_days += paused
        p.due_date = selectors.add_working_days(office, p.due_date, paused) if p.due_date else None
        p.returned_at = None
        _move(
            actor,
            p,
            Status.DIAJUKAN,
            fields=["paused_working_days", "due_date", "returned_at"],
            action="resubmit",
            data={"paused_working_days": paused},
        )
        return p
    p.fee = p.service.fee
    if selectors.prerequisites_of(p.service):
        _move(actor, p, Status.MENUNGGU_PENGANTAR, fields=["fee"], action="submit")
        _create_steps(actor, p, now)
        return p
    p.submitted_at = now
    _set_due_date(p, now)
    _move(actor, p, Status.DIAJUKAN, fields=["fee", "submitted_at", "due_date"], action="submit")
    return p


@transaction.atomic
def withdraw(*, actor, permohonan: Permohonan, reason: str = "") -> Permohonan:
    """The citizen takes the request back (before it is verified); its open steps go too."""
    p = _locked(permohonan)
    _require_owner(actor, p)
    p.finished_at = clock.now()
    _move(actor, p, Status.DIBATALKAN, fields=["finished_at"], action="withdraw", reason=(reason or "")[:500])
    for step in p.steps.filter(status__in=(Status.DIAJUKAN, Status.DIKEMBALIKAN, Status.DRAFT)):
        step = _locked(step)
        step.finished_at = p.finished_at
        _move(actor, step, Status.DIBATALKAN, fields=["finished_at"], action="withdraw", reason=p.code)
    return p


# --- staff ---------------------------------------------------------------------------------------


@transaction.atomic
def assign(*, actor, permohonan: Permohonan, officer) -> Permohonan:
    """Give the request to ``officer`` (a staff member of its office), or to nobody (None)."""
    p = _locked(permohonan)
    _require_staff(actor, p)
    if officer is not None and (
        not getattr(officer, "is_officer", False) or not policy.allows(officer, policy.HANDLE_REQUESTS, p.office)
    ):
        raise DomainError(_("Choose an officer of this office."), code="bad_officer")
    before = p.assigned_to.username if p.assigned_to else ""
    p.assigned_to = officer
    p.save(update_fields=["assigned_to"])
    record(
        actor=actor,
        action="permohonan.assign",
        obj=p,
        from_state=before,
        to_state=officer.username if officer else "",
        office_id=p.office_id,
    )
    return p


@transaction.atomic
def verify(*, actor, permohonan: Permohonan) -> Permohonan:
    p = _locked(permohonan)
    _require_staff(actor, p)
    if p.assigned_to_id is None:
        p.assigned_to = actor
    _move(actor, p, Status.DIVERIFIKASI, fields=["assigned_to"], action="verify")
    return p


@transaction.atomic
def return_to_citizen(*, actor, permohonan: Permohonan, reason: str) -> Permohonan:
    """Send the request back to the citizen to fix, with the reason; the countdown pauses."""
    p = _locked(permohonan)
    _require_staff(actor, p)
    p.return_reason = _reason(reason)
    p.returned_at = clock.now()
    _move(
        actor, p, Status.DIKEMBALIKAN, fields=["return_reason", "returned_at"], action="return", reason=p.return_reason
    )
    return p


@transaction.atomic
def reject(*, actor, permohonan: Permohonan, reason: str) -> Permohonan:
    """Refuse the request, with the reason; a main request waiting for this step is refused too."""
    p = _locked(permohonan)
    _require_staff(actor, p)
    p.reject_reason = _reason(reason)
    p.finished_at = clock.now()
    _move(actor, p, Status.DITOLAK, fields=["reject_reason", "finished_at"], action="reject", reason=p.reject_reason)
    if p.parent_id:
        parent = _locked(p.parent)
        if parent.status == Status.MENUNGGU_PENGANTAR:
            parent.reject_reason = _("The surat pengantar (%(code)s) was refused: %(reason)s") % {
                "code": p.code,
                "reason": p.reject_reason,
            }
            parent.finished_at = p.finished_at
            _move(
                None,
                parent,
                Status.DITOLAK,
                fields=["reject_reason", "finished_at"],
                action="reject",
                reason=parent.reject_reason,
            )
    return p


@transaction.atomic
def start_processing(*, actor, permohonan: Permohonan) -> Permohonan:
    p = _locked(permohonan)
    _require_staff(actor, p)
    _move(actor, p, Status.DIPROSES, fields=[], action="process")
    return p


@transaction.atomic
def set_pickup(*, actor, permohonan: Permohonan, office: Office, note: str = "") -> Permohonan:
    """Where the citizen collects the document (the handling office or a kelurahan of its area)."""
    p = _locked(permohonan)
    _require_staff(actor, p)
    if office.pk not in {o.pk for o in selectors.pickup_offices(p)}:
        raise DomainError(_("Choose one of the listed offices for the pickup."), code="bad_pickup")
    before = p.pickup_office.name if p.pickup_office else ""
    p.pickup_office, p.pickup_note = office, (note or "")[:200]
    p.save(update_fields=["pickup_office", "pickup_note"])
    record(
        actor=actor,
        action="permohonan.pickup_set",
        obj=p,
        from_state=before,
        to_state=office.name,
        office_id=p.office_id,
    )
    return p


def _kind_needs_paper(p: Permohonan) -> bool:
    """Whether the result is collected on paper; letters of a kelurahan or kecamatan are valid
    electronically once signed (TTE) and can be downloaded instead."""
    return p.pickup_office_id is not None or p.office.kind in (OfficeKind.DISDUKCAPIL, OfficeKind.MPP)


@transaction.atomic
def record_signed(*, actor, permohonan: Permohonan) -> Permohonan:
    """The letter of the request is signed (called by the signing app). The request is done:
    ready for pickup when it is collected on paper, else done and downloadable. A signed surat
    pengantar moves its main request on to the next office by itself."""
    p = _locked(permohonan)
    p.finished_at = clock.now()
    target = Status.SIAP_DIAMBIL if _kind_needs_paper(p) else Status.SELESAI
    _move(actor, p, target, fields=["finished_at"], action="signed")
    if p.parent_id:
        parent = _locked(p.parent)
        waiting = [s for s in parent.steps.all() if s.status not in (Status.SELESAI, Status.DIAMBIL)]
        if parent.status == Status.MENUNGGU_PENGANTAR and not waiting:
            now = clock.now()
            parent.submitted_at = now
            _set_due_date(parent, now)
            _move(
                None,
                parent,
                Status.DIAJUKAN,
                fields=["submitted_at", "due_date"],
                action="submit",
                reason=_("The surat pengantar %(code)s is signed.") % {"code": p.code},
            )
    return p


@transaction.atomic
def hand_over(*, actor, office: Office, token: str) -> Permohonan:
    """The petugas scanned the citizen's pickup QR code at ``office``: the document is handed over."""
    if (
        actor is None
        or not getattr(actor, "is_officer", False)
        or not policy.allows(actor, policy.HANDLE_REQUESTS, office)
    ):
        raise NotAllowed(_("Only the staff of this office can hand documents over."))
    text = (token or "").strip()
    if "/" in text:
        text = next((part for part in reversed(text.split("?")[0].split("/")) if part), "")
    found = Permohonan.objects.filter(pickup_token=text).first() if text else None
    if found is None:
        raise DomainError(
            _("This QR code belongs to no request. Ask the citizen to open the request's page."), code="not_found"
        )
    p = _locked(found)
    where = p.pickup_office or p.office
    if where.pk != office.pk:
        raise DomainError(
            _("This document is collected at %(office)s, not here.") % {"office": where.name}, code="other_office"
        )
    if p.status != Status.SIAP_DIAMBIL:
        raise DomainError(
            _("Request %(code)s is not ready for pickup (status: %(status)s).")
            % {"code": p.code, "status": p.get_status_display()},
            code="not_ready",
        )
    p.collected_at, p.collected_by = clock.now(), actor
    _move(actor, p, Status.DIAMBIL, fields=["collected_at", "collected_by"], action="hand_over")
    return p


def letter_values(p: Permohonan) -> dict[str, str]:
    """The values a letter template may use for this request (loket.letters writes ISO dates in
    Indonesian)."""
    region_names = {}
    region = p.office.region
    while region is not None:
        region_names[region.level] = region.name
        region = region.parent
    values = {
        "nama": p.citizen.full_name,
        "nik": p.citizen.nik or "",
        "kode_permohonan": p.code,
        "tanggal_permohonan": office_selectors.local_today(p.office, p.submitted_at or p.created_at).isoformat(),
        "kelurahan": region_names.get(4, ""),
        "kecamatan": region_names.get(3, ""),
        "kota": region_names.get(2, ""),
        "keperluan": "",
    }
    for key in IDENTITY_FIELDS:
        values[key] = p.identity.get(key, "")
    values.update({key: value for key, value in p.values.items() if not key.startswith("_")})
    return values


def _letter_parts(p: Permohonan, signer_role):
    template = letter_selectors.template_for(p.office, p.service)
    if template is None:
        raise DomainError(
            _("There is no letter template for %(service)s at this office yet. Ask the office admin to add one.")
            % {"service": p.service.name},
            code="no_template",
        )
    if signer_role is None or not policy.SIGN.granted_by(signer_role.role) or signer_role.office_id != p.office_id:
        raise DomainError(_("Choose who signs the letter."), code="no_signer")
    user = signer_role.user
    signer = letter_services.Signer(name=user.full_name, title=signer_role.title or _("Signer"), nip=user.nip)
    return template, signer


def preview_letter(*, actor, permohonan: Permohonan, signer_role) -> bytes:
    """The letter as it will look (marked PRATINJAU, without a number); nothing is stored."""
    _require_staff(actor, permohonan)
    template, signer = _letter_parts(permohonan, signer_role)
    return letter_services.render_preview(
        template=template, office=permohonan.office, values=letter_values(permohonan), signer=signer
    )


@transaction.atomic
def send_for_signature(*, actor, permohonan: Permohonan, signer_role) -> Permohonan:
    """Issue the numbered letter of the request (loket.letters) and put it before its signer: the
    request waits at "menunggu tanda tangan" until the signing app calls ``record_signed``."""
    p = _locked(permohonan)
    _require_staff(actor, p)
    require_transition(p.status, Status.MENUNGGU_TANDA_TANGAN)
    template, signer = _letter_parts(p, signer_role)
    letter = letter_services.issue_letter(
        actor=actor,
        template=template,
        office=p.office,
        values=letter_values(p),
        signer=signer,
        reference=f"permohonan:{p.code}",
    )
    signing_services.request_signature(actor=actor, letter=letter, signer=signer_role.user)
    p.letter, p.signer = letter, signer_role.user
    _move(
        actor,
        p,
        Status.MENUNGGU_TANDA_TANGAN,
        fields=["letter", "signer"],
        action="send_for_signature",
        data={"number": letter.number, "signer": signer_role.user.username},
    )
    return p


@transaction.atomic
def set_city_policy(*, actor, region, any_kecamatan: bool) -> None:
    """Whether citizens of the kabupaten/kota ``region`` may take a kecamatan service to any of its
    kecamatan (Kota Bekasi). A system admin or the city's own admin (None: the system, for the demo)."""
    if actor is not None and not policy.allows_in_region(actor, policy.MANAGE_CITY, region.code):
        raise NotAllowed(_("Only the admin of %(city)s can change its rules.") % {"city": region.name})
    city_policy, _created = CityPolicy.objects.select_for_update().get_or_create(region=region)
    before = city_policy.any_kecamatan
    city_policy.any_kecamatan = any_kecamatan
    city_policy.save(update_fields=["any_kecamatan"])
    record(
        actor=actor,
        action="permohonan.city_policy",
        obj=city_policy,
        from_state=str(before),
        to_state=str(any_kecamatan),
    )


def on_document_signed(document) -> None:
    """The signing app stored a signature (``loket.signing.events``): the request whose letter it
    is moves on, in the same transaction."""
    p = Permohonan.objects.filter(letter_id=document.letter_id).first()
    if p is not None and p.status == Status.MENUNGGU_TANDA_TANGAN:
        record_signed(actor=document.signer, permohonan=p)
