"""The citizen's verbs: start a request, save what they typed, upload a document, send it (which
creates the surat pengantar step a service needs first) and withdraw it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.catalog.models import Requirement, Service
from loket.catalog.selectors import services_offered_at
from loket.core import clock
from loket.core.errors import DomainError, NotAllowed
from loket.offices import selectors as office_selectors
from loket.offices.models import Office
from loket.permohonan import selectors
from loket.permohonan.models import Permohonan, Status, Upload
from loket.permohonan.services.common import FormErrors, locked, move, require_owner, set_due_date
from loket.permohonan.services.form import IDENTITY_FIELDS, clean_identity, clean_values, missing_parts
from loket.permohonan.uploads import check_upload
from loket.regions.validators import parse_nik

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


def _prefilled_identity(citizen) -> dict[str, str]:
    """The identity part of a new request: the citizen's previous answers, and the birth date and
    sex that their NIK encodes where those are still empty."""
    identity = dict.fromkeys(IDENTITY_FIELDS, "")
    identity.update(selectors.last_identity(citizen))
    try:
        info = parse_nik(citizen.nik)
    except ValidationError:
        info = None
    if info is not None:
        identity.setdefault("tanggal_lahir", "")
        identity["tanggal_lahir"] = identity["tanggal_lahir"] or info.birth_date.isoformat()
        identity["jenis_kelamin"] = identity["jenis_kelamin"] or ("Perempuan" if info.is_female else "Laki-laki")
    return identity


@transaction.atomic
def start_request(*, actor, service: Service, office: Office) -> Permohonan:
    """A new draft request of citizen ``actor`` for ``service`` at ``office``; the identity part is
    prefilled from the citizen's NIK and their previous request."""
    if actor is None or not getattr(actor, "is_citizen", False) or not getattr(actor, "nik", None):
        raise NotAllowed(_("Log in as a citizen with your NIK to make a request."))
    _allowed_office_for_citizen(service, office)
    p = Permohonan.objects.create(
        service=service,
        office=office,
        citizen=actor,
        identity=_prefilled_identity(actor),
        fee=service.fee,
        created_at=clock.now(),
    )
    record(actor=actor, action="permohonan.start", obj=p, to_state=Status.DRAFT, office_id=office.pk)
    return p


# --- filling in --------------------------------------------------------------------------------


def _chosen_steps(p: Permohonan, step_offices: Mapping[str, str] | None) -> tuple[dict[str, str], dict[str, str]]:
    """The offices chosen for the steps a service needs first (slug per service code), and the
    errors per ``step.<code>`` key; a step not in ``step_offices`` keeps its earlier choice."""
    chosen, errors = dict(p.values.get("_steps", {})), {}
    for link in selectors.prerequisites_of(p.service):
        slug = (step_offices or {}).get(link.required_service.code)
        if slug is None:
            continue
        allowed = {o.slug for o in selectors.step_offices(p.office, link.at_office_kind, link.required_service)}
        if slug and slug not in allowed:
            errors[f"step.{link.required_service.code}"] = _("Choose one of the listed offices.")
        else:
            chosen[link.required_service.code] = slug
    return chosen, errors


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
    p = locked(permohonan)
    require_owner(actor, p)
    if not p.is_editable_by_citizen:
        raise DomainError(_("This request can no longer be changed."), code="locked")
    clean_id, id_errors = clean_identity(identity)
    clean_vals, val_errors = clean_values(p.service, values)
    chosen, step_errors = _chosen_steps(p, step_offices)
    errors = {**{f"identity.{k}": v for k, v in id_errors.items()}, **val_errors, **step_errors}
    for key in id_errors:
        clean_id[key] = p.identity.get(key, "")
    for key in val_errors:
        clean_vals[key] = p.values.get(key, "")
    p.identity = clean_id
    p.values = {**clean_vals, "_steps": chosen}
    p.save(update_fields=["identity", "values"])
    record(actor=actor, action="permohonan.save", obj=p, office_id=p.office_id, data={"errors": sorted(errors)})
    return errors


def _safe_name(name: str, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "", PurePath(name or "berkas").stem)[:80].strip() or "berkas"
    return f"{stem}.{extension}"


def _drop_upload(p: Permohonan, requirement: Requirement) -> str:
    """Delete the earlier upload for ``requirement`` (its file once the transaction commits, so a
    rollback keeps it); its SHA-256 for the audit row, "" when there was none."""
    old = selectors.upload_for_requirement(p, requirement)
    if old is None:
        return ""
    old_file, old_hash = old.file.name, old.sha256
    old.delete()
    transaction.on_commit(lambda: old.file.storage.delete(old_file))
    return old_hash


@transaction.atomic
def attach_upload(*, actor, permohonan: Permohonan, requirement: Requirement, uploaded) -> Upload:
    """Check and store one document for ``requirement`` (replacing an earlier one)."""
    p = locked(permohonan)
    require_owner(actor, p)
    if not p.is_editable_by_citizen:
        raise DomainError(_("This request can no longer be changed."), code="locked")
    if requirement.pk not in {r.pk for r in selectors.upload_requirements(p.service)}:
        raise DomainError(_("This document is not asked for this service."), code="bad_requirement")
    checked = check_upload(uploaded)
    name = _safe_name(getattr(uploaded, "name", ""), checked.extension)
    old_hash = _drop_upload(p, requirement)
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


# --- sending -------------------------------------------------------------------------------------


def _copy_upload(upload: Upload, step: Permohonan) -> None:
    """The step gets its own copy of the file: each request's documents live and go with it."""
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


def _create_steps(actor, p: Permohonan, now: dt.datetime) -> list[Permohonan]:
    """The requests for the steps ``p`` needs first (e.g. the surat pengantar), sent at once to the
    offices the citizen chose, with the documents they ask for."""
    steps = []
    for link in selectors.prerequisites_of(p.service):
        office = selectors.step_office(p.values["_steps"][link.required_service.code])
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
        set_due_date(step, now)
        step.save(update_fields=["due_date"])
        for upload in selectors.uploads_for_service(p, link.required_service):
            _copy_upload(upload, step)
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


def _resubmit(actor, p: Permohonan, now: dt.datetime) -> None:
    """A returned request comes back: its deadline moves by the working days it spent with the citizen."""
    office = p.office
    returned_on = office_selectors.local_today(office, p.returned_at or now)
    paused = selectors.working_days_between(office, returned_on, office_selectors.local_today(office, now))
    p.paused_working_days += paused
    p.due_date = selectors.add_working_days(office, p.due_date, paused) if p.due_date else None
    p.returned_at = None
    move(
        actor,
        p,
        Status.DIAJUKAN,
        fields=["paused_working_days", "due_date", "returned_at"],
        action="resubmit",
        data={"paused_working_days": paused},
    )


@transaction.atomic
def submit(*, actor, permohonan: Permohonan) -> Permohonan:
    """Send the request to the office. A service that needs a surat pengantar first creates that
    step at the chosen kelurahan and waits for it; a returned request is resubmitted and its
    deadline moves by the working days it spent with the citizen."""
    p = locked(permohonan)
    require_owner(actor, p)
    missing = missing_parts(p)
    if missing:
        raise FormErrors(missing)
    now = clock.now()
    if p.status == Status.DIKEMBALIKAN:
        _resubmit(actor, p, now)
        return p
    p.fee = p.service.fee
    if selectors.prerequisites_of(p.service):
        move(actor, p, Status.MENUNGGU_PENGANTAR, fields=["fee"], action="submit")
        _create_steps(actor, p, now)
        return p
    p.submitted_at = now
    set_due_date(p, now)
    move(actor, p, Status.DIAJUKAN, fields=["fee", "submitted_at", "due_date"], action="submit")
    return p


@transaction.atomic
def withdraw(*, actor, permohonan: Permohonan, reason: str = "") -> Permohonan:
    """The citizen takes the request back (before it is verified); its open steps go too."""
    p = locked(permohonan)
    require_owner(actor, p)
    p.finished_at = clock.now()
    move(actor, p, Status.DIBATALKAN, fields=["finished_at"], action="withdraw", reason=(reason or "")[:500])
    for step in selectors.withdrawable_steps_of(p):
        step = locked(step)
        step.finished_at = p.finished_at
        move(actor, step, Status.DIBATALKAN, fields=["finished_at"], action="withdraw", reason=p.code)
    return p
