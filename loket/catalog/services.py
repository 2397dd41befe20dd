"""Verbs of the catalogue: load the standard catalogue, create and change services.

Only a system admin (or the system itself, ``actor=None``, e.g. a management command) may
change the catalogue; an office admin may only switch a service off or on for their office.
Every change leaves an audit row. Adminduk services can never carry a fee (UU 24/2013
Pasal 79A): the service refuses it with a clear message, the database refuses it too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.catalog.models import (
    FieldKind,
    OfficeService,
    Prerequisite,
    Requirement,
    Service,
    ServiceCategory,
    ServiceField,
    SignerRole,
)
from loket.core import policy
from loket.core.errors import DomainError, NotAllowed
from loket.offices.models import Office, OfficeKind

STANDARD_CATALOG = Path(__file__).resolve().parent / "data" / "standard_catalog.json"


# The components of the service standard (UU 25/2009) kept for the office, not published.
INTERNAL_STANDARD_FIELDS = (
    "facilities",
    "staff_competence",
    "internal_supervision",
    "staff_count",
    "service_guarantee",
    "security_guarantee",
    "performance_evaluation",
)
# Fields of Service an admin may set through create_service / update_service.
TEXT_FIELDS = ("summary", "legal_basis", "procedure", "complaint_channel", *INTERNAL_STANDARD_FIELDS)
EDITABLE_FIELDS = (
    "slug",
    "name",
    "category",
    "office_kinds",
    "signer_role",
    "allows_online_request",
    "allows_queue_booking",
    "is_adminduk",
    "fee",
    "completion_days",
    "product",
    "is_active",
    *TEXT_FIELDS,
)


@dataclass
class CatalogLoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def __str__(self) -> str:
        return f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged"


# --- permission ---------------------------------------------------------------------------


def _is_system_admin(actor) -> bool:
    if actor is None:
        return True  # the system itself (management command, migration of demo data)
    return policy.manages_system(actor)


def _require_system_admin(actor) -> None:
    if not _is_system_admin(actor):
        raise NotAllowed(_("Only a system admin may change the service catalogue."))


# --- validation -----------------------------------------------------------------------------


def _validate(values: dict[str, Any]) -> None:
    """Check the rules of one service; raise DomainError with a message that says what to fix."""
    name = values.get("name") or values.get("code") or "?"
    fee = values.get("fee", 0)
    if not isinstance(fee, int) or isinstance(fee, bool) or fee < 0:
        raise DomainError(_("The fee of “%(name)s” must be a whole number of rupiah, 0 or more.") % {"name": name})
    if values.get("is_adminduk") and fee != 0:
        raise DomainError(
            _(
                "“%(name)s” is a population document (adminduk): it must be free (Rp 0). "
                "Charging for it is forbidden by UU 24/2013 Pasal 79A. Set the fee to 0."
            )
            % {"name": name},
            code="adminduk_fee",
        )
    if "category" in values and values["category"] not in ServiceCategory.values:
        raise DomainError(
            _("Unknown category “%(value)s” for “%(name)s”.") % {"value": values["category"], "name": name}
        )
    if "signer_role" in values and values["signer_role"] not in SignerRole.values:
        raise DomainError(
            _("Unknown signer “%(value)s” for “%(name)s”.") % {"value": values["signer_role"], "name": name}
        )
    if "office_kinds" in values:
        kinds = values["office_kinds"]
        if not isinstance(kinds, list) or not kinds:
            raise DomainError(_("Choose at least one kind of office that provides “%(name)s”.") % {"name": name})
        unknown = [k for k in kinds if k not in OfficeKind.values]
        if unknown:
            raise DomainError(
                _("Unknown office kind “%(value)s” for “%(name)s”.") % {"value": ", ".join(unknown), "name": name}
            )
    days = values.get("completion_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 0):
        raise DomainError(
            _("The completion time of “%(name)s” must be a whole number of working days.") % {"name": name}
        )
    if "slug" in values and slugify(values["slug"]) != values["slug"]:
        raise DomainError(
            _("The web address “%(value)s” may only contain lowercase letters, digits and dashes.")
            % {"value": values["slug"]}
        )


def _snapshot(service: Service) -> dict[str, Any]:
    return {name: getattr(service, name) for name in EDITABLE_FIELDS}


def _requirements_of(service: Service) -> list[dict[str, Any]]:
    return [
        {
            "name": r.name,
            "description": r.description,
            "needs_upload": r.needs_upload,
            "is_mandatory": r.is_mandatory,
        }
        for r in service.requirements.order_by("order", "id")
    ]


def _normalise_requirements(items: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    result = []
    for item in items:
        if not item.get("name"):
            raise DomainError(_("Every requirement of “%(name)s” needs a name.") % {"name": name})
        result.append(
            {
                "name": item["name"],
                "description": item.get("description", ""),
                "needs_upload": bool(item.get("needs_upload", False)),
                "is_mandatory": bool(item.get("is_mandatory", True)),
            }
        )
    return result


def _set_requirements(service: Service, items: list[dict[str, Any]]) -> None:
    service.requirements.all().delete()
    Requirement.objects.bulk_create(Requirement(service=service, order=i, **item) for i, item in enumerate(items))


FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _fields_of(service: Service) -> list[dict[str, Any]]:
    return [
        {
            "key": f.key,
            "label": f.label,
            "kind": f.kind,
            "required": f.required,
            "choices": list(f.choices or []),
            "help_text": f.help_text,
        }
        for f in service.fields.order_by("order", "id")
    ]


def _normalise_fields(items: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    result, keys = [], set()
    for item in items:
        key = item.get("key", "")
        if not FIELD_KEY.match(key) or key in keys:
            raise DomainError(
                _("Form field “%(key)s” of “%(name)s”: use a new key of lowercase letters, digits and underscores.")
                % {"key": key, "name": name}
            )
        if item.get("kind", FieldKind.TEXT) not in FieldKind.values or not item.get("label"):
            raise DomainError(
                _("Form field “%(key)s” of “%(name)s” needs a label and a known kind.") % {"key": key, "name": name}
            )
        keys.add(key)
        result.append(
            {
                "key": key,
                "label": item["label"],
                "kind": item.get("kind", FieldKind.TEXT),
                "required": bool(item.get("required", True)),
                "choices": list(item.get("choices", [])),
                "help_text": item.get("help_text", ""),
            }
        )
    return result


def _set_fields(service: Service, items: list[dict[str, Any]]) -> None:
    service.fields.all().delete()
    ServiceField.objects.bulk_create(ServiceField(service=service, order=i, **item) for i, item in enumerate(items))


def _check_unique_slug(slug: str, *, exclude_pk: int | None = None) -> None:
    qs = Service.objects.filter(slug=slug)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise DomainError(_("Another service already uses the web address “%(slug)s”.") % {"slug": slug})


# --- the standard catalogue -----------------------------------------------------------------


def read_catalog(path: Path | str = STANDARD_CATALOG) -> list[dict[str, Any]]:
    """The services of a catalogue file, with the file's defaults merged into each."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    defaults = data.get("defaults", {})
    services = []
    for item in data["services"]:
        merged = {**defaults, **item}
        services.append(merged)
    return services


@transaction.atomic
def load_catalog(*, actor=None, path: Path | str = STANDARD_CATALOG, keep_existing: bool = False) -> CatalogLoadResult:
    """Create or update the services of a catalogue file, matched by ``code``. Idempotent.

    Services, their requirements and prerequisites end up exactly as the file says; services
    not in the file are left alone. With ``keep_existing`` only missing services are created and
    existing ones keep any local edits. Each created or changed service gets one audit row.
    """
    _require_system_admin(actor)
    items = read_catalog(path)
    codes = [item["code"] for item in items]
    if len(set(codes)) != len(codes):
        raise DomainError(_("The catalogue file lists a service code twice."))
    by_code: dict[str, Service] = {}
    changes: dict[str, dict[str, Any]] = {}
    kept: set[str] = set()
    for item in items:
        service, diff = _load_service(item, keep_existing=keep_existing)
        by_code[service.code] = service
        if diff is None:
            kept.add(service.code)
        elif diff:
            changes[service.code] = diff
    # Prerequisites name other services by code: linked once every service of the file exists.
    for item in items:
        if item["code"] not in kept:
            linked = _load_prerequisites(by_code[item["code"]], item, by_code)
            if linked is not None:
                changes.setdefault(item["code"], {})["prerequisites"] = linked
    return _record_load(actor, codes, by_code, changes)


def _load_service(item: dict[str, Any], *, keep_existing: bool) -> tuple[Service, dict[str, Any] | None]:
    """Create or update the service of one catalogue entry (checked even when it is kept).

    Returns the service and what changed: ``{"created": True}`` for a new service, the changed
    fields (``{}`` for none) for an existing one, None when ``keep_existing`` leaves it alone."""
    values = {name: item[name] for name in EDITABLE_FIELDS if name in item}
    values.setdefault("is_active", True)
    _validate({**values, "code": item["code"]})
    requirements = _normalise_requirements(item.get("requirements", []), item["name"])
    form_fields = _normalise_fields(item.get("fields", []), item["name"])
    service = Service.objects.filter(code=item["code"]).first()
    if service is not None and keep_existing:
        return service, None
    if service is None:
        _check_unique_slug(values["slug"])
        service = Service.objects.create(code=item["code"], **values)
        _set_requirements(service, requirements)
        _set_fields(service, form_fields)
        return service, {"created": True}
    before = _snapshot(service)
    changed = [name for name, value in values.items() if before[name] != value]
    if "slug" in changed:
        _check_unique_slug(values["slug"], exclude_pk=service.pk)
    for name in changed:
        setattr(service, name, values[name])
    if changed:
        service.save(update_fields=changed)
    diff = {name: {"from": before[name], "to": values[name]} for name in changed}
    if _requirements_of(service) != requirements:
        _set_requirements(service, requirements)
        diff["requirements"] = {"to": [r["name"] for r in requirements]}
    if _fields_of(service) != form_fields:
        _set_fields(service, form_fields)
        diff["fields"] = {"to": [f["key"] for f in form_fields]}
    return service, diff


def _load_prerequisites(service: Service, item: dict[str, Any], by_code: dict[str, Service]) -> dict | None:
    """Make the service's prerequisites those of its entry; what changed, or None if nothing did."""
    wanted = []
    for i, link in enumerate(item.get("prerequisites", [])):
        required = by_code.get(link["code"]) or Service.objects.filter(code=link["code"]).first()
        if required is None:
            raise DomainError(
                _("“%(name)s” needs service %(code)s first, but no service has that code.")
                % {"name": item["name"], "code": link["code"]}
            )
        if link["at_office_kind"] not in OfficeKind.values:
            raise DomainError(
                _("Unknown office kind “%(value)s” for “%(name)s”.")
                % {"value": link["at_office_kind"], "name": item["name"]}
            )
        wanted.append((required.pk, link["at_office_kind"], i))
    current = [
        (p.required_service_id, p.at_office_kind, p.order)
        for p in Prerequisite.objects.filter(service=service).order_by("order", "id")
    ]
    if current == wanted:
        return None
    Prerequisite.objects.filter(service=service).delete()
    Prerequisite.objects.bulk_create(
        Prerequisite(service=service, required_service_id=pk, at_office_kind=kind, order=order)
        for pk, kind, order in wanted
    )
    return {"to": [link["code"] for link in item.get("prerequisites", [])]}


def _record_load(
    actor, codes: list[str], by_code: dict[str, Service], changes: dict[str, dict[str, Any]]
) -> CatalogLoadResult:
    """One audit row per created or changed service, in the file's order; the load's summary."""
    result = CatalogLoadResult()
    for code in codes:
        service = by_code[code]
        diff = changes.get(code)
        if diff is None:
            result.unchanged.append(code)
            continue
        created = diff.pop("created", False)
        (result.created if created else result.updated).append(code)
        record(
            actor=actor,
            action="catalog.service_created" if created else "catalog.service_updated",
            obj=service,
            to_state="active" if service.is_active else "inactive",
            reason=_("Loaded from the standard catalogue"),
            data={"fields": _jsonable(diff)} if diff else {},
        )
    return result


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


# --- admin verbs ------------------------------------------------------------------------------


@transaction.atomic
def create_service(
    *,
    actor,
    code: str,
    slug: str,
    name: str,
    category: str,
    office_kinds: list[str],
    completion_days: int,
    product: str,
    signer_role: str = "",
    is_adminduk: bool = False,
    fee: int = 0,
    allows_online_request: bool = True,
    allows_queue_booking: bool = True,
    requirements: list[dict[str, Any]] | None = None,
    standard: dict[str, str] | None = None,
) -> Service:
    """A system admin adds a service. ``standard`` holds the text components (see TEXT_FIELDS)."""
    _require_system_admin(actor)
    standard = standard or {}
    unknown = set(standard) - set(TEXT_FIELDS)
    if unknown:
        raise DomainError(
            _("Unknown parts of the service standard: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    values: dict[str, Any] = {
        "slug": slug,
        "name": name,
        "category": category,
        "office_kinds": list(office_kinds),
        "signer_role": signer_role,
        "is_adminduk": is_adminduk,
        "fee": fee,
        "allows_online_request": allows_online_request,
        "allows_queue_booking": allows_queue_booking,
        "completion_days": completion_days,
        "product": product,
        **standard,
    }
    if not name.strip():
        raise DomainError(_("Give the service a name."))
    if not product.strip():
        raise DomainError(_("Say what the citizen receives (the service product)."))
    _validate({**values, "code": code})
    if Service.objects.filter(code=code).exists():
        raise DomainError(_("Another service already uses the code “%(code)s”.") % {"code": code})
    _check_unique_slug(slug)
    service = Service.objects.create(code=code, **values)
    _set_requirements(service, _normalise_requirements(requirements or [], name))
    record(actor=actor, action="catalog.service_created", obj=service, to_state="active")
    return service


@transaction.atomic
def update_service(*, actor, service: Service, reason: str = "", **changes: Any) -> Service:
    """A system admin changes fields of a service (see EDITABLE_FIELDS). Audited with before/after."""
    _require_system_admin(actor)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    service = Service.objects.select_for_update().get(pk=service.pk)
    before = _snapshot(service)
    _validate({**before, **changes})
    changed = [name for name, value in changes.items() if before[name] != value]
    if not changed:
        return service
    if "slug" in changed:
        _check_unique_slug(changes["slug"], exclude_pk=service.pk)
    for name in changed:
        setattr(service, name, changes[name])
    service.save(update_fields=changed)
    record(
        actor=actor,
        action="catalog.service_updated",
        obj=service,
        from_state=", ".join(f"{n}={before[n]}" for n in changed if n not in TEXT_FIELDS),
        to_state=", ".join(f"{n}={changes[n]}" for n in changed if n not in TEXT_FIELDS),
        reason=reason,
        data={"fields": _jsonable({n: {"from": before[n], "to": changes[n]} for n in changed})},
    )
    return service


@transaction.atomic
def set_office_service(*, actor, office: Office, service: Service, is_offered: bool, note: str = "") -> OfficeService:
    """An office admin switches a service of their office's kind off (or back on)."""
    if actor is None or not policy.allows(actor, policy.MANAGE_OFFICE, office):
        raise NotAllowed(_("Only an admin of this office may change which services it offers."))
    if not service.is_provided_at(office.kind):
        raise DomainError(
            _("“%(service)s” is not a service of this kind of office.") % {"service": service.name},
            code="wrong_office_kind",
        )
    setting, created = OfficeService.objects.select_for_update().get_or_create(
        office=office, service=service, defaults={"is_offered": is_offered, "note": note}
    )
    before = "offered" if (created or setting.is_offered) else "not_offered"
    if not created:
        setting.is_offered, setting.note = is_offered, note
        setting.save(update_fields=["is_offered", "note"])
    record(
        actor=actor,
        action="catalog.office_service_set",
        obj=setting,
        from_state=before,
        to_state="offered" if is_offered else "not_offered",
        reason=note,
        office_id=office.pk,
    )
    return setting
