"""Petugas pages: the office desk (walk-in tickets, check-in by QR or typed code, today's line) and
the counter console (open, call next, recall, start, finish, skip, transfer, close).

Thin views: each POST calls one verb of ``services`` and redirects back (POST/redirect/GET), so a
reload never repeats an action; a refused action shows its Indonesian message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loket.core import clock, policy
from loket.core.access import permission_required
from loket.core.errors import DomainError
from loket.offices import selectors as office_selectors
from loket.offices.access import office_for_request
from loket.offices.models import Counter, Office
from loket.queueing import selectors, services
from loket.queueing.models import Ticket

DESK = policy.CALL_TICKETS
LINE_SHOWN = 30  # tickets of each group's line on the desk page


@permission_required(DESK)
@require_GET
def desk_index(request: HttpRequest) -> HttpResponse:
    """The offices where this officer works a desk; straight to it when there is one."""
    offices = list(office_selectors.offices_for(request.user, DESK, active_only=True))
    if len(offices) == 1:
        return redirect("queueing:desk", slug=offices[0].slug)
    return render(request, "queueing/desk_index.html", {"offices": offices})


def _flash_ticket(request: HttpRequest, ticket: Ticket, text: str) -> None:
    messages.success(request, text)
    request.session["queue_last_ticket"] = ticket.token


@permission_required(DESK)
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest, slug: str) -> HttpResponse:
    office = office_for_request(request, slug, DESK)
    if request.method == "POST":
        action = request.POST.get("action")
        priority = request.POST.get("priority") == "1"
        try:
            if action == "walkin":
                service = selectors.service_by_id(request.POST.get("service") or 0)
                if service is None:
                    raise DomainError(_("Choose the service for the walk-in ticket."), code="no_service")
                ticket = services.issue_walkin_ticket(
                    actor=request.user, office=office, service=service, priority=priority
                )
                _flash_ticket(request, ticket, _("Walk-in ticket %(code)s issued.") % {"code": ticket.code})
            elif action == "checkin":
                ticket = services.check_in_ticket(
                    actor=request.user, office=office, code_or_token=request.POST.get("code", ""), priority=priority
                )
                _flash_ticket(request, ticket, _("Ticket %(code)s is checked in and waiting.") % {"code": ticket.code})
            else:
                raise DomainError(_("Unknown action."), code="bad_action")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("queueing:desk", slug=office.slug)

    now = clock.now()
    context = {
        "office": office,
        "services": selectors.queue_services(office),
        "status": selectors.office_queue_status(office, now),
        "lines": selectors.waiting_lines(office, now, limit=LINE_SHOWN),
        "counters": selectors.counter_states(office),
        "stats": selectors.day_statistics(office, office_selectors.local_today(office, now)),
        "last_ticket": selectors.office_ticket(office, request.session.pop("queue_last_ticket", None)),
    }
    return render(request, "queueing/desk.html", context)


def _counter(office: Office, number: int) -> Counter:
    counter = selectors.active_counter(office, number)
    if counter is None:
        raise Http404("counter not found")
    return counter


def _current(counter: Counter, request: HttpRequest) -> Ticket:
    ticket = selectors.called_at_counter(counter)
    expected = request.POST.get("ticket", "")
    if ticket is None or str(ticket.pk) != expected:
        # The screen was out of date (another tab or petugas acted): do nothing, show the truth.
        raise DomainError(_("The ticket on your screen is no longer at this counter. The page is refreshed."))
    return ticket


def _counter_action(request: HttpRequest, office: Office, counter: Counter) -> None:
    action = request.POST.get("action")
    actor = request.user
    if action == "open":
        chosen = selectors.office_groups(office, request.POST.getlist("groups"))
        services.open_counter(actor=actor, counter=counter, groups=chosen)
        messages.success(request, _("%(counter)s is open.") % {"counter": counter})
    elif action == "close":
        services.close_counter(actor=actor, counter=counter)
        messages.success(request, _("%(counter)s is closed.") % {"counter": counter})
    elif action == "call":
        ticket = services.call_next(actor=actor, counter=counter)
        if ticket is None:
            messages.info(request, _("Nobody is waiting for this counter."))
    elif action == "recall":
        services.recall(actor=actor, ticket=_current(counter, request))
    elif action == "serve":
        services.start_serving(actor=actor, ticket=_current(counter, request))
    elif action == "finish":
        ticket = services.finish(actor=actor, ticket=_current(counter, request))
        messages.success(request, _("Ticket %(code)s is done.") % {"code": ticket.code})
    elif action == "skip":
        ticket = services.skip(actor=actor, ticket=_current(counter, request))
        messages.info(request, _("Ticket %(code)s did not come (no-show).") % {"code": ticket.code})
    elif action == "transfer":
        ticket = _current(counter, request)
        to_counter = selectors.office_counter(office, request.POST.get("to_counter") or 0)
        to_service = selectors.service_by_id(request.POST.get("to_service") or 0)
        moved = services.transfer(actor=actor, ticket=ticket, to_counter=to_counter, to_service=to_service)
        messages.success(request, _("Ticket %(code)s is transferred and waits at the front.") % {"code": moved.code})
    else:
        raise DomainError(_("Unknown action."), code="bad_action")


@permission_required(DESK)
@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    office = office_for_request(request, slug, DESK)
    desk_counter = _counter(office, number)
    if request.method == "POST":
        try:
            _counter_action(request, office, desk_counter)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("queueing:counter", slug=office.slug, number=desk_counter.number)

    shift = selectors.open_shift(desk_counter)
    shift_groups = selectors.shift_groups(shift)
    context = {
        "office": office,
        "counter": desk_counter,
        "shift": shift,
        "shift_groups": shift_groups,
        "groups": list(selectors.service_groups(office)),
        "current": selectors.called_at_counter(desk_counter),
        "waiting": selectors.waiting_count(office, shift_groups, clock.now()),
        "other_counters": [c for c in selectors.active_counters(office) if c.pk != desk_counter.pk],
        "services": selectors.queue_services(office),
    }
    return render(request, "queueing/counter.html", context)
