"""Citizen pages of the queue: choose a service, an office and a session (or the earliest one),
see, cancel and move one's tickets. Thin: every rule lives in ``services`` and ``selectors``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loket.catalog.models import Service
from loket.core import clock
from loket.core.access import citizen_required
from loket.core.errors import DomainError
from loket.offices import selectors as office_selectors
from loket.offices.models import Office
from loket.queueing import selectors, services
from loket.queueing.errors import AlreadyBooked, NoPlaceLeft
from loket.queueing.models import Ticket, TicketStatus


def _service(slug: str) -> Service:
    service = selectors.bookable_service(slug)
    if service is None:
        raise Http404("service not found")
    return service


def _office(slug: str) -> Office:
    office = office_selectors.office_by_slug(slug)
    if office is None:
        raise Http404("office not found")
    return office


def _own_ticket(request: HttpRequest, token: str) -> Ticket:
    ticket = selectors.own_ticket(request.user, token)
    if ticket is None:
        raise Http404("ticket not found")
    return ticket


def slot_value(local_date: dt.date, start: dt.datetime) -> str:
    """How a session is named in a form: ``2026-09-09T08:00`` (office-local date and start)."""
    return f"{local_date.isoformat()}T{start:%H:%M}"


def parse_slot(raw: str) -> tuple[dt.date, dt.time] | None:
    try:
        day, time = (raw or "").split("T")
        return dt.date.fromisoformat(day), dt.time.fromisoformat(time)
    except ValueError:
        return None


def _days(slots) -> list[tuple[dt.date, list]]:
    """Slots grouped by date, each slot with its form value."""
    days: dict[dt.date, list] = {}
    for slot in slots:
        days.setdefault(slot.local_date, []).append((slot, slot_value(slot.local_date, slot.session.start)))
    return list(days.items())


@citizen_required
@require_GET
def my_tickets(request: HttpRequest) -> HttpResponse:
    tickets = list(selectors.tickets_for(request.user)[:100])
    active = [t for t in tickets if t.is_active]
    return render(
        request,
        "queueing/my_tickets.html",
        {"active": active, "past": [t for t in tickets if not t.is_active][:30]},
    )


@citizen_required
@require_GET
def choose_service(request: HttpRequest) -> HttpResponse:
    return render(request, "queueing/book_service.html", {"services": selectors.bookable_services()})


@citizen_required
@require_GET
def choose_office(request: HttpRequest, service_slug: str) -> HttpResponse:
    service = _service(service_slug)
    choices = selectors.offices_with_queue_for(service, citizen=request.user, instant=clock.now())
    return render(request, "queueing/book_office.html", {"service": service, "choices": choices})


def _slot_page(request, office, service, *, error=None, conflict=None, status=200, selected=""):
    today = office_selectors.local_today(office)
    slots = selectors.availability(office, service, today, selectors.booking_horizon_days() + 1)
    now = clock.now()
    slots = [s for s in slots if s.session.start > now]
    context = {
        "office": office,
        "service": service,
        "days": _days(slots),
        "any_room": any(s.online_remaining > 0 for s in slots),
        "error": error,
        "conflict": conflict,
        "selected": selected,
        "horizon": selectors.booking_horizon_days(),
    }
    return render(request, "queueing/book_slot.html", context, status=status)


def _conflict_context(exc: DomainError, office: Office, service: Service, local_date: dt.date | None) -> dict:
    if isinstance(exc, AlreadyBooked):
        return {"existing": exc.ticket}
    if isinstance(exc, NoPlaceLeft) and local_date is not None:
        return {
            "next_date": exc.next_date,
            "alternatives": selectors.alternatives_hint(office, service, local_date),
            "full_date": local_date,
        }
    return {}


@citizen_required
@require_http_methods(["GET", "POST"])
def choose_slot(request: HttpRequest, service_slug: str, slug: str) -> HttpResponse:
    """The sessions of the next days with the places left; book one, or the earliest with room."""
    service, office = _service(service_slug), _office(slug)
    if request.method == "GET":
        return _slot_page(request, office, service)
    raw = request.POST.get("slot", "")
    if request.POST.get("action") == "earliest":
        slot = selectors.earliest_available(office, service, clock.now())
        if slot is None:
            error = _("There is no free place within the booking period.")
            return _slot_page(request, office, service, error=error, status=409)
        local_date, start = slot.local_date, slot.session.start.time()
    else:
        parsed = parse_slot(raw)
        if parsed is None:
            return _slot_page(request, office, service, error=_("Choose a date and session first."), status=400)
        local_date, start = parsed
    try:
        ticket = services.book_ticket(
            actor=request.user, office=office, service=service, local_date=local_date, session_start=start
        )
    except DomainError as exc:
        conflict = _conflict_context(exc, office, service, local_date)
        status = 409 if isinstance(exc, AlreadyBooked | NoPlaceLeft) else 400
        return _slot_page(request, office, service, error=exc.message, conflict=conflict, status=status, selected=raw)
    messages.success(
        request,
        _("Your queue number is %(code)s. Show this page (the QR code) at the office.") % {"code": ticket.code},
    )
    return redirect("queueing:ticket", token=ticket.token)


def _ticket_context(request: HttpRequest, ticket: Ticket) -> dict:
    now = clock.now()
    reschedule_days = []
    if ticket.status == TicketStatus.BOOKED:
        today = office_selectors.local_today(ticket.office, now)
        slots = selectors.availability(ticket.office, ticket.service, today, selectors.booking_horizon_days() + 1)
        current = (ticket.local_date, ticket.session_start)
        reschedule_days = _days(
            [
                s
                for s in slots
                if s.session.start > now and s.online_remaining > 0 and (s.local_date, s.session.start) != current
            ]
        )
    return {
        "ticket": ticket,
        "office": ticket.office,
        "estimate": selectors.estimate(ticket, now),
        "status_url": request.build_absolute_uri(reverse("queueing:ticket_status", args=[ticket.token])),
        "reschedule_days": reschedule_days,
    }


@citizen_required
@require_http_methods(["GET", "POST"])
def ticket_detail(request: HttpRequest, token: str) -> HttpResponse:
    """One of the citizen's tickets: number, QR code, session, estimate; cancel or move it."""
    ticket = _own_ticket(request, token)
    if request.method == "GET":
        return render(request, "queueing/ticket.html", _ticket_context(request, ticket))
    action = request.POST.get("action")
    try:
        if action == "cancel":
            services.cancel_ticket(actor=request.user, ticket=ticket, reason=request.POST.get("reason", "")[:200])
            messages.success(
                request, _("Ticket %(code)s is cancelled; its place is free again.") % {"code": ticket.code}
            )
            return redirect("queueing:my_tickets")
        if action == "reschedule":
            parsed = parse_slot(request.POST.get("slot", ""))
            if parsed is None:
                raise DomainError(_("Choose a date and session first."), code="no_slot")
            moved = services.reschedule_ticket(
                actor=request.user, ticket=ticket, local_date=parsed[0], session_start=parsed[1]
            )
            messages.success(request, _("Moved. Your queue number is now %(code)s.") % {"code": moved.code})
            return redirect("queueing:ticket", token=moved.token)
        raise DomainError(_("Unknown action."), code="bad_action")
    except DomainError as exc:
        # A refusal often means the ticket changed meanwhile (checked in, moved in another tab):
        # show it as it is now.
        context = _ticket_context(request, selectors.reloaded(ticket))
        context["error"] = exc.message
        return render(request, "queueing/ticket.html", context, status=409 if isinstance(exc, NoPlaceLeft) else 400)
