"""Read-only questions about requests: working days and deadlines, where a citizen may take a
service, who may see what, one request and its parts (form fields, uploads, steps, history),
worklists and the pickup desk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from loket.audit.models import AuditEntry
from loket.audit.selectors import audit_trail_for_object
from loket.catalog.models import Requirement, Service, ServiceField
from loket.catalog.selectors import services_offered_at
from loket.core import clock, policy
from loket.offices import selectors as office_selectors
from loket.offices.models import Office, OfficeKind
from loket.permohonan.models import OPEN_STATUSES, CityPolicy, Permohonan, Status, Upload

# Officers who work on requests at their office (the signer signs in issue 6's inbox).
CHUNK_DAYS = 31
MAX_SEARCH_DAYS = 730


# --- working days ---------------------------------------------------------------------------


def is_working_day(office: Office, day: dt.date) -> bool:
    """A working day of ``office``: a day on which it holds at least one session (its own week,
    holidays, cuti bersama and exceptions included)."""
    return not office_selectors.day_schedule(office, day).is_closed


def _open_days(office: Office, start: dt.date, days: int) -> list[dt.date]:
    return [d.date for d in office_selectors.week_schedule(office, start, days) if not d.is_closed]


def add_working_days(office: Office, start: dt.date, count: int) -> dt.date:
    """The ``count``-th working day of ``office`` after ``start`` (``start`` itself when 0)."""
    if count <= 0:
        return start
    found = 0
    cursor = start + dt.timedelta(days=1)
    while (cursor - start).days <= MAX_SEARCH_DAYS:
        for day in _open_days(office, cursor, CHUNK_DAYS):
            found += 1
            if found == count:
                return day
        cursor += dt.timedelta(days=CHUNK_DAYS)
    return start + dt.timedelta(days=count)  # an office never open: fall back to calendar days


def working_days_between(office: Office, start: dt.date, end: dt.date) -> int:
    """Working days of ``office`` after ``start`` up to and including ``end`` (0 if end <= start)."""
    if end <= start:
        return 0
    return len(_open_days(office, start + dt.timedelta(days=1), (end - start).days))


@dataclass(frozen=True)
class Countdown:
    due_date: dt.date | None
    working_days_left: int | None  # negative when overdue
    paused: bool

    @property
    def overdue(self) -> bool:
        return self.working_days_left is not None and self.working_days_left < 0

    @property
    def days_late(self) -> int:
        return -self.working_days_left if self.overdue else 0


def countdown(permohonan: Permohonan, instant: dt.datetime | None = None) -> Countdown:
    """Working days left until the service standard's completion time (paused while returned)."""
    if permohonan.due_date is None or not permohonan.is_open:
        return Countdown(permohonan.due_date, None, False)
    office = permohonan.office
    today = office_selectors.local_today(office, instant or clock.now())
    if permohonan.status == Status.DIKEMBALIKAN:
        return Countdown(permohonan.due_date, None, True)
    if today <= permohonan.due_date:
        return Countdown(permohonan.due_date, working_days_between(office, today, permohonan.due_date), False)
    return Countdown(permohonan.due_date, -working_days_between(office, permohonan.due_date, today), False)


# --- where a citizen may take a service --------------------------------------------------------


def requestable_services() -> list[Service]:
    return list(Service.objects.filter(is_active=True, allows_online_request=True).order_by("category", "name"))


def _kecamatan_code(code: str) -> str:
    return ".".join(code.split(".")[:3])


def _city_code(code: str) -> str:
    return ".".join(code.split(".")[:2])


def city_allows_any_kecamatan(office: Office) -> bool:
    return CityPolicy.objects.filter(region_id=_city_code(office.region_id), any_kecamatan=True).exists()


def offices_for_service(service: Service) -> list[Office]:
    """Active offices that offer ``service`` (by their kind and their own switch)."""
    offices = Office.objects.filter(is_active=True, kind__in=list(service.office_kinds)).select_related("region")
    return [o for o in offices.order_by("region_id", "name") if any(s.pk == service.pk for s in services_offered_at(o))]


def step_offices(main_office: Office, at_kind: str, required: Service) -> list[Office]:
    """Where the prerequisite step (e.g. the kelurahan's surat pengantar) of a request handled by
    ``main_office`` can be done: offices of ``at_kind`` offering ``required`` in the same kecamatan,
    or in the whole kabupaten/kota when the city lets citizens choose any kecamatan."""
    if city_allows_any_kecamatan(main_office):
        area = _city_code(main_office.region_id)
    else:
        area = _kecamatan_code(main_office.region_id)
    return [o for o in offices_for_service(required) if o.kind == at_kind and _within(o.region_id, area)]


def _within(code: str, area: str) -> bool:
    """Region ``code`` is ``area`` or lies inside it (never inside an empty area)."""
    return bool(area) and (code == area or code.startswith(area + "."))


def _nik_region(citizen) -> tuple[str, str]:
    """The kecamatan and kabupaten/kota codes of the region a NIK was issued in."""
    nik = getattr(citizen, "nik", "") or ""
    if len(nik) < 6 or not nik[:6].isdigit():
        return "", ""
    return f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}", f"{nik[0:2]}.{nik[2:4]}"


def office_choices(service: Service, citizen) -> list[tuple[Office, int]]:
    """(office, nearness) of the offices that offer ``service``: the citizen's kecamatan first (0),
    then their city (1), then the others (2), by the region their NIK was issued in."""
    kecamatan, city = _nik_region(citizen)
    choices = []
    for office in offices_for_service(service):
        nearness = 0 if _within(office.region_id, kecamatan) else 1 if _within(office.region_id, city) else 2
        choices.append((office, nearness))
    return sorted(choices, key=lambda c: c[1])


def step_office(slug: str) -> Office:
    """The office a citizen chose for a step (checked against ``step_offices`` when they chose it)."""
    return Office.objects.get(slug=slug)


def prerequisites_of(service: Service) -> list:
    return list(service.prerequisite_links.select_related("required_service").order_by("order"))


def service_fields(service: Service) -> list[ServiceField]:
    """The service's own form fields, in their order."""
    return list(service.fields.all())


def upload_requirements(service: Service) -> list[Requirement]:
    """The documents to upload for ``service``: its own, then those of the steps it needs first
    (e.g. the KTP and KK the kelurahan needs for the surat pengantar), each once."""
    services = [service, *(link.required_service for link in prerequisites_of(service))]
    return list(
        Requirement.objects.filter(service__in=services, needs_upload=True).order_by("service_id", "order", "id")
    )


# --- who sees what --------------------------------------------------------------------------


def _staff_office_ids(actor) -> list[int] | None:
    """Offices whose requests ``actor`` works on; None means every office (system admin)."""
    scope = policy.office_scope(actor, policy.SEE_REQUESTS)
    if scope.everywhere:
        return None
    ids = set(scope.office_ids)
    if scope.region_codes:
        ids |= set(Office.objects.filter(scope.office_q()).values_list("pk", flat=True))
    return sorted(ids)


def permohonan_for(actor) -> QuerySet[Permohonan]:
    """Requests ``actor`` may see: a citizen their own; an officer those of offices where they
    work (a system admin all); nobody else any."""
    base = Permohonan.objects.select_related("service", "office", "citizen", "assigned_to")
    if actor is None or not getattr(actor, "is_authenticated", False):
        return base.none()
    if getattr(actor, "is_citizen", False):
        return base.filter(citizen=actor)
    office_ids = _staff_office_ids(actor)
    if office_ids is None:
        return base.exclude(status=Status.DRAFT)
    return base.filter(office_id__in=office_ids).exclude(status=Status.DRAFT)


def may_see_documents(actor, permohonan: Permohonan) -> bool:
    """The citizen, and the staff of the office handling the request or a step of its chain."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if getattr(actor, "is_citizen", False):
        return permohonan.citizen_id == actor.pk
    chain = [permohonan, *permohonan.steps.all()]
    if permohonan.parent_id:
        chain.append(permohonan.parent)
    return any(policy.allows(actor, policy.SEE_REQUESTS, p.office) for p in chain)


def permohonan_by_code(actor, code: str) -> Permohonan | None:
    """The request with tracking code ``code`` if ``actor`` may see it (``permohonan_for``), else
    None: a stranger's code looks the same as one that does not exist."""
    return permohonan_for(actor).filter(code=code).first()


def recent_permohonan_for(actor, limit: int = 200) -> list[Permohonan]:
    """The requests ``actor`` may see, newest first (a citizen's "my requests")."""
    return list(permohonan_for(actor).select_related("parent").order_by("-created_at")[:limit])


def upload_for(actor, *, code: str, pk: int) -> Upload | None:
    """Upload ``pk`` of request ``code`` if ``actor`` may see that request's documents, else None."""
    p = Permohonan.objects.select_related("office", "parent__office").filter(code=code).first()
    if p is None or not may_see_documents(actor, p):
        return None
    return p.uploads.filter(pk=pk).first()


# --- one request's parts ------------------------------------------------------------------------


def uploads_of(permohonan: Permohonan) -> list[Upload]:
    """The request's documents, in the order of their requirements."""
    return list(permohonan.uploads.select_related("requirement").order_by("requirement__order", "pk"))


def uploaded_requirement_ids(permohonan: Permohonan) -> set[int]:
    return set(permohonan.uploads.values_list("requirement_id", flat=True))


def upload_for_requirement(permohonan: Permohonan, requirement: Requirement) -> Upload | None:
    return permohonan.uploads.filter(requirement=requirement).first()


def uploads_for_service(permohonan: Permohonan, service: Service) -> list[Upload]:
    """The request's documents that ``service`` asks for (those a step of the chain needs)."""
    return list(permohonan.uploads.filter(requirement__service=service))


def steps_of(permohonan: Permohonan) -> list[Permohonan]:
    """The steps (e.g. the surat pengantar) of a main request, in the order they were made."""
    return list(permohonan.steps.select_related("office", "service").order_by("created_at", "pk"))


def withdrawable_steps_of(permohonan: Permohonan) -> list[Permohonan]:
    """The steps that go when the citizen withdraws the main request: those not verified yet."""
    return list(permohonan.steps.filter(status__in=(Status.DIAJUKAN, Status.DIKEMBALIKAN, Status.DRAFT)))


def permohonan_with_letter(letter_id: int) -> Permohonan | None:
    return Permohonan.objects.filter(letter_id=letter_id).first()


def history_of(permohonan: Permohonan) -> list[AuditEntry]:
    """The request's audit rows (``permohonan.*``), oldest first."""
    return [e for e in audit_trail_for_object(permohonan) if e.action.startswith("permohonan.")]


@dataclass(frozen=True)
class WorklistFilter:
    status: str = ""
    service_id: int | None = None
    mine: bool = False
    unassigned: bool = False
    overdue: bool = False
    search: str = ""


def worklist(actor, office: Office, filters: WorklistFilter, instant: dt.datetime | None = None) -> list:
    """The office's requests for staff, oldest deadline first, each with its countdown."""
    rows = permohonan_for(actor).filter(office=office)
    if filters.status == "open" or not filters.status:
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif filters.status != "all":
        rows = rows.filter(status=filters.status)
    if filters.service_id:
        rows = rows.filter(service_id=filters.service_id)
    if filters.mine:
        rows = rows.filter(assigned_to=actor)
    if filters.unassigned:
        rows = rows.filter(assigned_to__isnull=True)
    if filters.search:
        text = filters.search.strip()
        rows = rows.filter(Q(code__iexact=text) | Q(citizen__full_name__icontains=text))
    out = [(p, countdown(p, instant)) for p in rows.order_by("due_date", "submitted_at", "pk")[:500]]
    if filters.overdue:
        out = [(p, c) for p, c in out if c.overdue]
    return out


def worklist_services(actor, office: Office) -> list[Service]:
    """The services of the office's requests in ``actor``'s worklist, by name (the service filter's choices)."""
    return sorted({p.service for p, _ in worklist(actor, office, WorklistFilter(status="all"))}, key=lambda s: s.name)


def staff_offices_for(actor) -> list[Office]:
    """Offices whose worklist ``actor`` may open."""
    ids = _staff_office_ids(actor)
    offices = Office.objects.filter(is_active=True).order_by("name")
    return list(offices if ids is None else offices.filter(pk__in=ids))


def pickup_offices(permohonan: Permohonan) -> list[Office]:
    """Where a finished document can be collected: the handling office and, for a kecamatan or the
    Disdukcapil, the kelurahan and desa offices of its area (e.g. the KTP at the kelurahan)."""
    office = permohonan.office
    found = [office]
    if office.kind in (OfficeKind.KECAMATAN, OfficeKind.DISDUKCAPIL, OfficeKind.MPP):
        area = (
            _kecamatan_code(office.region_id) if office.kind == OfficeKind.KECAMATAN else _city_code(office.region_id)
        )
        found += list(
            Office.objects.filter(is_active=True, kind__in=[OfficeKind.KELURAHAN, OfficeKind.DESA])
            .filter(Q(region_id=area) | Q(region__code__startswith=area + "."))
            .order_by("name")
        )
    return found


def ready_for_pickup_at(office: Office, limit: int = 200) -> list[Permohonan]:
    """Documents waiting to be collected at ``office`` (the pickup office, else the handling one)."""
    here = Q(pickup_office=office) | Q(pickup_office__isnull=True, office=office)
    ready = Permohonan.objects.filter(here, status=Status.SIAP_DIAMBIL)
    return list(ready.select_related("service", "citizen").order_by("finished_at")[:limit])


def permohonan_by_pickup_token(token: str) -> Permohonan | None:
    """The request whose pickup QR code holds ``token`` (not scoped: the caller checks who asks)."""
    return (
        Permohonan.objects.select_related("office", "pickup_office", "service", "citizen")
        .filter(pickup_token=token)
        .first()
    )


def last_identity(citizen) -> dict:
    """What the citizen filled in as identity on their latest request (to prefill the next one)."""
    latest = Permohonan.objects.filter(citizen=citizen).exclude(identity={}).order_by("-created_at").first()
    return dict(latest.identity) if latest else {}


def staff_of(office: Office) -> list:
    """The active officers who handle requests at ``office`` (to assign a request to one of them)."""
    from loket.accounts.models import User

    users = User.objects.filter(
        roles__office=office,
        roles__role__in=policy.HANDLE_REQUESTS.office_roles,
        roles__is_active=True,
        is_active=True,
    )
    return list(users.distinct().order_by("full_name"))


def signers_for(office: Office) -> list:
    """The officials who sign the letters of ``office`` (penandatangan roles, with their titles)."""
    from loket.accounts.models import OfficerRole

    return list(
        OfficerRole.objects.filter(
            office=office, role__in=policy.SIGN.office_roles, is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("title", "user__full_name")
    )


def cities_with_any_kecamatan() -> set[str]:
    """Codes of the kabupaten/kota that let citizens choose any of their kecamatan."""
    return set(CityPolicy.objects.filter(any_kecamatan=True).values_list("region_id", flat=True))
