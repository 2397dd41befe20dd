"""Citizen pages of online requests: my requests, start one (service, then office), fill in the form
with its uploads, the status page (timeline, deadline, fee, pickup QR, withdraw), and the uploaded
files. Thin: every rule lives in ``services``, ``selectors`` and ``workflow``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from loket.catalog.models import FieldKind, Service, ServiceCategory
from loket.core.access import citizen_required, login_required
from loket.core.errors import DomainError
from loket.permohonan import selectors, services
from loket.permohonan.models import OPEN_STATUSES, Permohonan, Status
from loket.permohonan.uploads import max_bytes
from loket.permohonan.workflow import can_move
from loket.signing.selectors import document_for_letter, signed_pdf

ACCEPT = ".pdf,.jpg,.jpeg,.png"
ACTIVE_STATUSES = (Status.DRAFT, *OPEN_STATUSES)

IDENTITY_KINDS = {
    "tanggal_lahir": FieldKind.DATE,
    "jenis_kelamin": FieldKind.CHOICE,
    "agama": FieldKind.CHOICE,
    "alamat": FieldKind.TEXTAREA,
}
IDENTITY_CHOICES = {"jenis_kelamin": services.JENIS_KELAMIN, "agama": services.AGAMA}

# What happens next, in plain words, for each status (shown on the status page).
NEXT_STEP = {
    Status.DRAFT: gettext_lazy(
        "Your request has not been sent yet. Complete the form and press “Send request”; until then the office "
        "does not see it."
    ),
    Status.MENUNGGU_PENGANTAR: gettext_lazy(
        "Loket has asked for the surat pengantar for you (see the steps below). As soon as it is signed, your "
        "request goes on to %(office)s by itself."
    ),
    Status.DIAJUKAN: gettext_lazy(
        "Your request has reached %(office)s. An officer will check your data and documents; if something is "
        "missing, the request comes back to you with the reason."
    ),
    Status.DIKEMBALIKAN: gettext_lazy(
        "The officer sent your request back to you. Read the reason, correct the form or the documents and "
        "send it again. The countdown is paused until you do."
    ),
    Status.DIVERIFIKASI: gettext_lazy(
        "Your data and documents have been checked and are complete. The office will now prepare your document."
    ),
    Status.DIPROSES: gettext_lazy("The office is preparing your document."),
    Status.MENUNGGU_TANDA_TANGAN: gettext_lazy("Your document is ready and is waiting for the official's signature."),
    Status.SELESAI: gettext_lazy("Your document is signed. This request is finished."),
    Status.SIAP_DIAMBIL: gettext_lazy(
        "Your document is ready. Collect it at the office below: bring your KTP-el and show the QR code."
    ),
    Status.DIAMBIL: gettext_lazy("You have collected the document. This request is finished."),
    Status.DITOLAK: gettext_lazy(
        "Your request was refused; the reason is below. You may make a new request once the problem is solved."
    ),
    Status.DIBATALKAN: gettext_lazy("You withdrew this request. Nothing more happens with it."),
}


# --- lookups ----------------------------------------------------------------------------------


# A signed letter is valid electronically: the citizen may download it once the request is done.
DOWNLOADABLE = (Status.SELESAI, Status.SIAP_DIAMBIL, Status.DIAMBIL)


def _own(request: HttpRequest, code: str) -> Permohonan:
    """One of the citizen's own requests, or 404 (the same answer for a stranger's code)."""
    p = selectors.permohonan_by_code(request.user, code)
    if p is None:
        raise Http404("request not found")
    return p


def _requestable(slug: str) -> Service:
    service = next((s for s in selectors.requestable_services() if s.slug == slug), None)
    if service is None:
        raise Http404("service not found")
    return service


@dataclass(frozen=True)
class Deadline:
    """The countdown in words: working days ``left`` (>= 0) or ``late`` (> 0), or ``paused``."""

    due_date: dt.date | None
    left: int | None
    late: int
    paused: bool


def _deadline(p: Permohonan) -> Deadline:
    countdown = selectors.countdown(p)
    left = countdown.working_days_left
    if left is not None and left < 0:
        return Deadline(countdown.due_date, None, -left, False)
    return Deadline(countdown.due_date, left, 0, countdown.paused)


# --- my requests, choosing a service and an office ----------------------------------------------


@citizen_required
@require_GET
def my_requests(request: HttpRequest) -> HttpResponse:
    rows = selectors.recent_permohonan_for(request.user)
    active = [(p, _deadline(p)) for p in rows if p.status in ACTIVE_STATUSES]
    finished = [p for p in rows if p.status not in ACTIVE_STATUSES]
    return render(request, "permohonan/my_requests.html", {"active": active, "finished": finished})


@citizen_required
@require_GET
def choose_service(request: HttpRequest) -> HttpResponse:
    found = selectors.requestable_services()
    groups = [
        (label, [s for s in found if s.category == value])
        for value, label in ServiceCategory.choices
        if any(s.category == value for s in found)
    ]
    return render(request, "permohonan/choose_service.html", {"groups": groups})


@citizen_required
@require_http_methods(["GET", "POST"])
def choose_office(request: HttpRequest, service_slug: str) -> HttpResponse:
    service = _requestable(service_slug)
    choices = selectors.office_choices(service, request.user)
    error, status, selected = None, 200, ""
    if request.method == "POST":
        selected = request.POST.get("office", "")
        office = next((o for o, _n in choices if o.slug == selected), None)
        if office is None:
            error, status = _("Choose one of the listed offices."), 400
        else:
            try:
                p = services.start_request(actor=request.user, service=service, office=office)
            except DomainError as exc:
                error, status = exc.message, 400
            else:
                return redirect("permohonan:fill", code=p.code)
    free_cities = selectors.cities_with_any_kecamatan()
    context = {
        "service": service,
        "choices": [(o, n, o.kind == "kecamatan" and o.region_id[:5] in free_cities) for o, n in choices],
        "error": error,
        "selected": selected,
        "kecamatan_service": "kecamatan" in service.office_kinds,
    }
    return render(request, "permohonan/choose_office.html", context, status=status)


# --- the form -------------------------------------------------------------------------------------


@dataclass
class FormField:
    name: str  # the POST name and the key of its error
    label: str
    kind: str
    value: str = ""
    required: bool = True
    choices: tuple | list = ()
    help_text: str = ""
    error: str = ""

    @property
    def id(self) -> str:
        return "id_" + self.name.replace(".", "_")


@dataclass
class StepChoice:
    name: str
    service: Service
    kind: str
    offices: list
    value: str = ""
    error: str = ""

    @property
    def id(self) -> str:
        return "id_" + self.name.replace(".", "_").replace("-", "_")


@dataclass
class UploadSlot:
    name: str
    requirement: object
    upload: object = None
    error: str = ""

    @property
    def id(self) -> str:
        return "id_" + self.name.replace(".", "_")


@dataclass
class FillForm:
    identity: list[FormField] = field(default_factory=list)
    fields: list[FormField] = field(default_factory=list)
    steps: list[StepChoice] = field(default_factory=list)
    uploads: list[UploadSlot] = field(default_factory=list)


def _typed(request: HttpRequest, p: Permohonan):
    """What the citizen sent: identity, the service's fields, the chosen step offices."""
    identity = {key: request.POST.get(f"identity.{key}", "") for key in services.IDENTITY_FIELDS}
    values = {f.key: request.POST.get(f.key, "") for f in selectors.service_fields(p.service)}
    steps = {}
    for link in selectors.prerequisites_of(p.service):
        name = f"step.{link.required_service.code}"
        if name in request.POST:
            steps[link.required_service.code] = request.POST.get(name, "")
    return identity, values, steps


def _build_form(p: Permohonan, errors: dict, typed=None) -> FillForm:
    """The form of ``p`` with the typed values when given (else the saved ones) and the errors."""
    identity, values, steps = typed or (p.identity, p.values, p.values.get("_steps", {}))
    form = FillForm()
    for key in services.IDENTITY_FIELDS:
        form.identity.append(
            FormField(
                name=f"identity.{key}",
                label=str(services.IDENTITY_LABELS[key]),
                kind=IDENTITY_KINDS.get(key, FieldKind.TEXT),
                value=identity.get(key, "") or "",
                choices=IDENTITY_CHOICES.get(key, ()),
                error=errors.get(f"identity.{key}", ""),
            )
        )
    for f in selectors.service_fields(p.service):
        form.fields.append(
            FormField(
                name=f.key,
                label=f.label,
                kind=f.kind,
                value=values.get(f.key, "") or "",
                required=f.required,
                choices=f.choices or (),
                help_text=f.help_text,
                error=errors.get(f.key, ""),
            )
        )
    saved_steps = p.values.get("_steps", {})
    for link in selectors.prerequisites_of(p.service):
        code = link.required_service.code
        offices = selectors.step_offices(p.office, link.at_office_kind, link.required_service)
        value = steps.get(code, saved_steps.get(code, "")) or ""
        if not value and len(offices) == 1:
            value = offices[0].slug
        form.steps.append(
            StepChoice(
                name=f"step.{code}",
                service=link.required_service,
                kind=link.at_office_kind,
                offices=offices,
                value=value,
                error=errors.get(f"step.{code}", ""),
            )
        )
    uploaded = {u.requirement_id: u for u in selectors.uploads_of(p)}
    for requirement in selectors.upload_requirements(p.service):
        form.uploads.append(
            UploadSlot(
                name=f"upload.{requirement.pk}",
                requirement=requirement,
                upload=uploaded.get(requirement.pk),
                error=errors.get(f"upload.{requirement.pk}", ""),
            )
        )
    return form


def _fill_page(request, p: Permohonan, *, errors=None, typed=None, error=None, status=200) -> HttpResponse:
    errors = errors or {}
    if errors and error is None:
        error = _("Some fields need your attention; see the messages beside them.")
    context = {
        "p": p,
        "form": _build_form(p, errors, typed),
        "error": error,
        "accept": ACCEPT,
        "max_mb": max(1, max_bytes() // (1024 * 1024)),
    }
    return render(request, "permohonan/fill.html", context, status=status)


def _attach_files(request: HttpRequest, p: Permohonan) -> dict[str, str]:
    """Each uploaded file on its own: a bad one gets its message and does not stop the others."""
    errors = {}
    for requirement in selectors.upload_requirements(p.service):
        name = f"upload.{requirement.pk}"
        uploaded = request.FILES.get(name)
        if uploaded is None:
            continue
        try:
            services.attach_upload(actor=request.user, permohonan=p, requirement=requirement, uploaded=uploaded)
        except DomainError as exc:
            errors[name] = str(exc.message)
    return errors


@citizen_required
@require_http_methods(["GET", "POST"])
def fill(request: HttpRequest, code: str) -> HttpResponse:
    """The form of a draft or returned request: identity, the service's fields, the offices of the
    steps, the documents. Save as a draft, or send it."""
    p = _own(request, code)
    if not p.is_editable_by_citizen:
        messages.info(request, _("This request can no longer be changed."))
        return redirect("permohonan:detail", code=p.code)
    if request.method == "GET":
        return _fill_page(request, p)
    typed = _typed(request, p)
    identity, values, steps = typed
    try:
        errors = services.save_draft(
            actor=request.user, permohonan=p, identity=identity, values=values, step_offices=steps
        )
    except DomainError as exc:
        return _fill_page(request, p, typed=typed, error=exc.message, status=400)
    errors.update(_attach_files(request, p))
    p = _own(request, code)  # as saved: the services changed their own copy of the row
    if errors:
        return _fill_page(request, p, errors=errors, typed=typed, status=400)
    if request.POST.get("action") != "submit":
        messages.success(request, _("Saved as a draft."))
        return redirect("permohonan:fill", code=p.code)
    try:
        p = services.submit(actor=request.user, permohonan=p)
    except services.FormErrors as exc:
        return _fill_page(request, p, errors=exc.errors, typed=typed, error=exc.message, status=400)
    except DomainError as exc:
        return _fill_page(request, p, typed=typed, error=exc.message, status=400)
    messages.success(
        request,
        _("Your request has been sent. Its tracking code is %(code)s: keep it to follow your request.")
        % {"code": p.code},
    )
    return redirect("permohonan:detail", code=p.code)


# --- the status page --------------------------------------------------------------------------------


def _timeline(p: Permohonan) -> list[tuple]:
    """(time, status label) of each status change, nothing internal (not who handled it, nor the
    pickup place's changes); the template shows the time in the office's zone."""
    known = set(Status.values)
    return [(entry.at, Status(entry.to_state).label) for entry in selectors.history_of(p) if entry.to_state in known]


def _pickup_url(request: HttpRequest, p: Permohonan) -> str:
    try:
        path = reverse("permohonan:pickup", args=[p.pickup_token])
    except NoReverseMatch:
        path = f"{reverse('permohonan:my_requests')}ambil/{p.pickup_token}/"
    return request.build_absolute_uri(path)


def _detail_context(request: HttpRequest, p: Permohonan) -> dict:
    ready = p.status == Status.SIAP_DIAMBIL
    return {
        "p": p,
        "next_step": str(NEXT_STEP[p.status]) % {"office": p.office.name},
        "timeline": _timeline(p),
        "deadline": _deadline(p),
        "steps": selectors.steps_of(p),
        "uploads": selectors.uploads_of(p),
        "pickup_office": (p.pickup_office or p.office) if ready else None,
        "pickup_url": _pickup_url(request, p) if ready else "",
        "can_withdraw": can_move(p.status, Status.DIBATALKAN),
        "downloadable": p.status in DOWNLOADABLE,
    }


@citizen_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, code: str) -> HttpResponse:
    """Where the request stands and what happens next; withdraw it while that is still possible."""
    p = _own(request, code)
    if request.method == "GET":
        return render(request, "permohonan/detail.html", _detail_context(request, p))
    try:
        if request.POST.get("action") != "withdraw":
            raise DomainError(_("Unknown action."), code="bad_action")
        services.withdraw(actor=request.user, permohonan=p, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        context = _detail_context(request, _own(request, code))
        context["error"] = exc.message
        return render(request, "permohonan/detail.html", context, status=400)
    messages.success(request, _("Request %(code)s is withdrawn.") % {"code": p.code})
    return redirect("permohonan:detail", code=p.code)


# --- uploaded files ------------------------------------------------------------------------------------


@login_required
@require_GET
def upload_file(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """An uploaded document, for its citizen and the staff of the offices of its chain only; anyone
    else gets the same 404 as for a code that does not exist."""
    upload = selectors.upload_for(request.user, code=code, pk=pk)
    if upload is None:
        raise Http404("file not found")
    try:
        handle = upload.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("file not found") from None
    response = FileResponse(handle, content_type=upload.content_type, filename=upload.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@citizen_required
@require_GET
def letter(request: HttpRequest, code: str) -> HttpResponse:
    """The citizen's own letter, once it is signed (the request is done): valid electronically."""
    p = _own(request, code)
    if p.letter is None or p.status not in DOWNLOADABLE:
        raise Http404("no signed letter")
    document = document_for_letter(p.letter)
    if document is None or not document.signed_sha256:
        raise Http404("no signed letter")
    response = HttpResponse(signed_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{p.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
