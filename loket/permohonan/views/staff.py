"""Staff pages of requests: the office worklist (filters, deadlines in working days, overdue first),
a request's page with the actions its status allows (assign, verify, return, reject, process, set
the pickup, the letter), and the document handover by scanning the citizen's pickup QR code.

Thin views: each POST calls one service and redirects (POST/redirect/GET); a refusal shows its
Indonesian message and keeps what the officer typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loket.core import clock, policy
from loket.core.access import login_required, permission_required
from loket.core.errors import DomainError
from loket.letters.selectors import letter_pdf
from loket.offices import selectors as office_selectors
from loket.offices.access import office_for_request
from loket.permohonan import selectors, services
from loket.permohonan.models import Permohonan, Status
from loket.permohonan.workflow import can_move

STAFF = policy.HANDLE_REQUESTS


def _staff_request(request: HttpRequest, code: str) -> Permohonan:
    p = selectors.permohonan_by_code(request.user, code)
    if p is None:
        raise Http404("request not found")
    return p


@permission_required(STAFF)
@require_GET
def worklist_index(request: HttpRequest) -> HttpResponse:
    offices = selectors.staff_offices_for(request.user)
    if len(offices) == 1:
        return redirect("permohonan:worklist", slug=offices[0].slug)
    return render(request, "permohonan/staff/index.html", {"offices": offices})


def _filters(request: HttpRequest) -> selectors.WorklistFilter:
    service = request.GET.get("layanan", "")
    status = request.GET.get("status", "open")
    if status not in ("open", "all", *Status.values):
        status = "open"
    return selectors.WorklistFilter(
        status=status,
        service_id=int(service) if service.isdigit() else None,
        mine=request.GET.get("saya") == "1",
        unassigned=request.GET.get("belum") == "1",
        overdue=request.GET.get("lewat") == "1",
        search=request.GET.get("cari", "")[:60],
    )


@permission_required(STAFF)
@require_GET
def worklist(request: HttpRequest, slug: str) -> HttpResponse:
    office = office_for_request(request, slug, STAFF)
    filters = _filters(request)
    rows = selectors.worklist(request.user, office, filters)
    context = {
        "office": office,
        "rows": rows,
        "filters": filters,
        "statuses": [(s.value, s.label) for s in Status if s != Status.DRAFT],
        "services": selectors.worklist_services(request.user, office),
        "overdue_count": sum(1 for _, c in rows if c.overdue),
    }
    return render(request, "permohonan/staff/worklist.html", context)


def _detail_context(request: HttpRequest, p: Permohonan) -> dict:
    zone = office_selectors.office_zone(p.office)
    return {
        "p": p,
        "office": p.office,
        "zone": zone,
        "countdown": selectors.countdown(p, clock.now()),
        "uploads": selectors.uploads_of(p),
        "parent_uploads": selectors.uploads_of(p.parent) if p.parent_id else [],
        "steps": selectors.steps_of(p),
        "timeline": selectors.history_of(p),
        "colleagues": selectors.staff_of(p.office),
        "pickup_offices": selectors.pickup_offices(p),
        "signers": selectors.signers_for(p.office),
        "can": {target: can_move(p.status, target) for target in Status.values},
        "answers": [(f.label, p.values.get(f.key, "")) for f in selectors.service_fields(p.service)],
        "identity": [(services.IDENTITY_LABELS[k], p.identity.get(k, "")) for k in services.IDENTITY_FIELDS],
    }


def _signer_role(p: Permohonan, raw: str):
    return next((r for r in selectors.signers_for(p.office) if str(r.pk) == raw), None)


def _act(request: HttpRequest, p: Permohonan) -> str:
    """Run the POSTed action; the success message."""
    action = request.POST.get("action", "")
    actor = request.user
    if action == "assign_me":
        services.assign(actor=actor, permohonan=p, officer=actor)
        return _("The request is now yours.")
    if action == "assign":
        officer = next((u for u in selectors.staff_of(p.office) if str(u.pk) == request.POST.get("officer")), None)
        services.assign(actor=actor, permohonan=p, officer=officer)
        return _("Assigned.")
    if action == "verify":
        services.verify(actor=actor, permohonan=p)
        return _("Verified: the documents are complete and correct.")
    if action == "return":
        services.return_to_citizen(actor=actor, permohonan=p, reason=request.POST.get("reason", ""))
        return _("Returned to the citizen with your reason; the countdown pauses until they resubmit.")
    if action == "reject":
        services.reject(actor=actor, permohonan=p, reason=request.POST.get("reason", ""))
        return _("The request is rejected; the citizen sees your reason.")
    if action == "process":
        services.start_processing(actor=actor, permohonan=p)
        return _("Processing started.")
    if action == "send":
        role = _signer_role(p, request.POST.get("signer", ""))
        p = services.send_for_signature(actor=actor, permohonan=p, signer_role=role)
        return _("Letter %(number)s is issued and waits for the signature of %(name)s.") % {
            "number": p.letter.number,
            "name": p.signer.full_name,
        }
    if action == "pickup":
        office = next((o for o in selectors.pickup_offices(p) if str(o.pk) == request.POST.get("pickup_office")), None)
        if office is None:
            raise DomainError(_("Choose one of the listed offices for the pickup."))
        services.set_pickup(actor=actor, permohonan=p, office=office, note=request.POST.get("pickup_note", ""))
        return _("Pickup place saved.")
    raise DomainError(_("Unknown action."))


@permission_required(STAFF)
@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, code: str) -> HttpResponse:
    p = _staff_request(request, code)
    if request.method == "POST":
        # Seeing a request (SEE_REQUESTS, the signer too) is not handling it: the page opens for someone
        # who handles requests at another office and only signs here, but their POST must not act.
        if not policy.allows(request.user, STAFF, p.office):
            raise PermissionDenied
        try:
            messages.success(request, _act(request, p))
        except DomainError as exc:
            context = _detail_context(request, _staff_request(request, code))  # the refused action changed nothing
            context.update(
                error=exc.message, typed_reason=request.POST.get("reason", ""), failed=request.POST.get("action")
            )
            return render(request, "permohonan/staff/detail.html", context, status=400)
        return redirect("permohonan:staff_detail", code=p.code)
    return render(request, "permohonan/staff/detail.html", _detail_context(request, p))


@permission_required(STAFF)
@require_http_methods(["GET", "POST"])
def handover(request: HttpRequest, slug: str) -> HttpResponse:
    """The handover desk: scan (or paste) the citizen's pickup QR code to hand the document over."""
    office = office_for_request(request, slug, STAFF)
    if request.method == "POST":
        try:
            p = services.hand_over(actor=request.user, office=office, token=request.POST.get("token", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Request %(code)s: %(service)s handed over to %(name)s.")
                % {"code": p.code, "service": p.service.name, "name": p.citizen.full_name},
            )
        return redirect("permohonan:handover", slug=office.slug)
    return render(
        request,
        "permohonan/staff/handover.html",
        {"office": office, "ready": selectors.ready_for_pickup_at(office)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def pickup(request: HttpRequest, token: str) -> HttpResponse:
    """What the pickup QR code opens: for the staff of the pickup office, the handover; for the
    citizen, their request's page; for anyone else, nothing (404)."""
    p = selectors.permohonan_by_pickup_token(token)
    if p is None:
        raise Http404("unknown pickup code")
    if getattr(request.user, "is_citizen", False) and p.citizen_id == request.user.pk:
        return redirect("permohonan:detail", code=p.code)
    where = p.pickup_office or p.office
    if not policy.allows(request.user, STAFF, where):
        raise Http404("unknown pickup code")
    if request.method == "POST":
        try:
            services.hand_over(actor=request.user, office=where, token=token)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Handed over. Thank you."))
        return redirect("permohonan:handover", slug=where.slug)
    return render(request, "permohonan/staff/pickup.html", {"p": p, "where": where})


@permission_required(STAFF)
@require_GET
def letter_preview(request: HttpRequest, code: str) -> HttpResponse:
    """The letter as it will look (PRATINJAU, unnumbered), for the staff before sending it."""
    p = _staff_request(request, code)
    try:
        pdf = services.preview_letter(
            actor=request.user, permohonan=p, signer_role=_signer_role(p, request.GET.get("signer", ""))
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("permohonan:staff_detail", code=p.code)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="pratinjau-{p.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@permission_required(STAFF)
@require_GET
def letter_file(request: HttpRequest, code: str) -> HttpResponse:
    """The issued letter (staff): the PDF as stored, before or after signing."""
    p = _staff_request(request, code)
    if p.letter is None:
        raise Http404("no letter yet")
    response = HttpResponse(letter_pdf(p.letter), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{p.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
