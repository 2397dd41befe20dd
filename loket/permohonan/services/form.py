"""The request form: the identity part every request asks, the service's own fields, and what
counts as filled in. Cleaning never writes; the verbs in ``citizen`` save what it returns."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.accounts.services import clean_phone
from loket.catalog.models import FieldKind, Service
from loket.core import clock
from loket.core.errors import DomainError
from loket.permohonan import selectors
from loket.permohonan.models import Permohonan
from loket.regions.validators import parse_nik

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

# How each identity field is checked: its kind and, for a choice, the options.
_IDENTITY_SPECS = {
    "tempat_lahir": (FieldKind.TEXT, None),
    "tanggal_lahir": (FieldKind.DATE, None),
    "jenis_kelamin": (FieldKind.CHOICE, JENIS_KELAMIN),
    "agama": (FieldKind.CHOICE, AGAMA),
    "pekerjaan": (FieldKind.TEXT, None),
    "alamat": (FieldKind.TEXTAREA, None),
}


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


def _clean_fields(specs: Mapping[str, tuple], raw: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """``specs`` maps a key to (kind, choices). Empty values stay empty (checked at submission)."""
    values, errors = {}, {}
    for key, (kind, choices) in specs.items():
        value = (raw.get(key) or "").strip()
        values[key] = value
        if not value:
            continue
        try:
            values[key] = _clean_value(kind, value, choices)
        except DomainError as exc:
            errors[key] = str(exc.message)
    return values, errors


def clean_identity(raw: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The identity part, cleaned; and the errors per key."""
    return _clean_fields(_IDENTITY_SPECS, raw)


def clean_values(service: Service, raw: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The service's own form fields, cleaned; and the errors per key. Empty required fields are
    checked at submission, so a draft can be saved half-done."""
    specs = {field.key: (field.kind, field.choices) for field in selectors.service_fields(service)}
    return _clean_fields(specs, raw)


def clean_reason(text: str) -> str:
    """A reason the citizen reads (why a request is returned or refused): long enough to act on."""
    text = (text or "").strip()
    if len(text) < REASON_MIN:
        raise DomainError(
            _("Write the reason in at least %(n)s characters, so the citizen knows what to do.") % {"n": REASON_MIN},
            code="reason",
        )
    return text[:TEXTAREA_MAX]


def missing_parts(p: Permohonan) -> dict[str, str]:
    """What must still be filled in, uploaded or chosen before ``p`` can be sent, per field key."""
    errors = {}
    need = _("Fill this in.")
    for key in IDENTITY_FIELDS:
        if not p.identity.get(key):
            errors[f"identity.{key}"] = need
    for field in selectors.service_fields(p.service):
        if field.required and not p.values.get(field.key):
            errors[field.key] = need
    have = selectors.uploaded_requirement_ids(p)
    for req in selectors.upload_requirements(p.service):
        if req.is_mandatory and req.pk not in have:
            errors[f"upload.{req.pk}"] = _("Upload this document.")
    for link in selectors.prerequisites_of(p.service):
        if not p.values.get("_steps", {}).get(link.required_service.code):
            errors[f"step.{link.required_service.code}"] = _("Choose the office.")
    return errors
