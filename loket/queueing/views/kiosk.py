"""The touch-screen kiosk of an office: a visitor takes a walk-in ticket (optionally as priority
service for the kelompok rentan: elderly, disabled, pregnant) or checks an online booking in by
scanning its QR code; the ticket prints on a 58/80 mm thermal printer.

Printing: by default a walk-in goes to the ticket's print page, which prints itself and comes back
here (``?cetak=1&kembali=…``). With ``?printer=escpos`` the kiosk sends the ticket's ESC/POS bytes
to a serial/USB printer through the browser's Web Serial API (``kiosk.js``) and falls back to the
print page when it cannot. Both settings are kept in the kiosk's session: ``?lebar=58|80`` and
``?printer=escpos|browser`` (set once by the petugas when setting the kiosk up).

A refusal (walk-in cap reached, office closed, unknown ticket) is shown in plain Indonesian with
the next date that still has online places; every result screen returns to the start by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from loket.core import clock, policy
from loket.core.access import permission_required
from loket.core.errors import DomainError
from loket.offices.access import office_for_request
from loket.offices.models import Office
from loket.queueing import selectors, services
from loket.queueing.errors import NoPlaceLeft
from loket.queueing.escpos import COLUMNS
from loket.queueing.models import Ticket

KIOSK = policy.HAND_OUT_TICKETS
PRINTERS = ("browser", "escpos")
RETURN_AFTER_SECONDS = 15
SERIAL_BAUD_RATE = 9600  # what most 58/80 mm USB-serial printers expect; USB CDC printers ignore it

SESSION_WIDTH = "kiosk_paper_mm"
SESSION_PRINTER = "kiosk_printer"
SESSION_ISSUED = "kiosk_issued_ticket"


def _kiosk_settings(request: HttpRequest) -> tuple[int, str]:
    """Paper width (mm) and printer of this kiosk; ``?lebar=`` and ``?printer=`` change them."""
    raw_width = request.GET.get("lebar", "")
    if raw_width.isdigit() and int(raw_width) in COLUMNS:
        request.session[SESSION_WIDTH] = int(raw_width)
    if request.GET.get("printer") in PRINTERS:
        request.session[SESSION_PRINTER] = request.GET["printer"]
    width = request.session.get(SESSION_WIDTH, 58)
    printer = request.session.get(SESSION_PRINTER, "browser")
    return (width if width in COLUMNS else 58), (printer if printer in PRINTERS else "browser")


def _print_url(office: Office, ticket: Ticket, width: int, home: str) -> str:
    """The ticket's print page: prints on load, then comes back to the kiosk."""
    query = urlencode({"cetak": "1", "lebar": width, "kembali": home})
    return reverse("queueing:ticket_print", args=[office.slug, ticket.token]) + "?" + query


def _chosen_service(request: HttpRequest, office: Office):
    raw = request.POST.get("service", "")
    for service in selectors.queue_services(office):
        if str(service.pk) == raw:
            return service
    raise DomainError(_("Touch one of the services on the screen."), code="no_service")


def _refusal(exc: DomainError, title: str) -> tuple[dict, int]:
    """The screen that says why not (with the next date that has room), and the answer's status."""
    result = {
        "kind": "refused",
        "title": title,
        "message": exc.message,
        "next_date": getattr(exc, "next_date", None),
    }
    return result, 409 if isinstance(exc, NoPlaceLeft) else 400


@dataclass(frozen=True)
class Screen:
    """This kiosk: its office, its paper and printer, and the page it returns to."""

    office: Office
    width: int
    printer: str
    home: str


def _walkin(request: HttpRequest, screen: Screen, priority: bool) -> HttpResponse | tuple[dict, int]:
    """Issue a walk-in ticket and go and print it; or the refusal."""
    try:
        service = _chosen_service(request, screen.office)
        ticket = services.issue_walkin_ticket(
            actor=request.user, office=screen.office, service=service, priority=priority
        )
    except DomainError as exc:
        return _refusal(exc, _("Sorry, we cannot give you a ticket"))
    if screen.printer == "escpos":
        # The kiosk page prints it over Web Serial (kiosk.js); a reload never prints twice.
        request.session[SESSION_ISSUED] = ticket.token
        return redirect(screen.home)
    return redirect(_print_url(screen.office, ticket, screen.width, screen.home))


def _check_in(request: HttpRequest, screen: Screen, priority: bool) -> tuple[dict, int]:
    """Check the scanned or typed booking in: the thank-you screen, or the refusal."""
    try:
        ticket = services.check_in_ticket(
            actor=request.user, office=screen.office, code_or_token=request.POST.get("code", ""), priority=priority
        )
    except DomainError as exc:
        return _refusal(exc, _("Sorry, this ticket cannot be checked in"))
    done = {
        "kind": "done",
        "title": _("Thank you"),
        "message": _("Ticket %(code)s is checked in. Please wait to be called.") % {"code": ticket.code},
        "next_date": None,
    }
    return done, 200


def _touched(request: HttpRequest, screen: Screen) -> HttpResponse | tuple[dict, int]:
    """What a touch on the screen (a POST) leads to: a redirect, or the result screen and status."""
    priority = request.POST.get("priority") == "1"
    action = request.POST.get("action")
    if action == "walkin":
        return _walkin(request, screen, priority)
    if action == "checkin":
        return _check_in(request, screen, priority)
    return _refusal(DomainError(_("Unknown action.")), _("Please try again"))


def _just_issued(request: HttpRequest, screen: Screen) -> dict | None:
    """The walk-in ticket issued a moment ago, for kiosk.js to print over Web Serial; shown once
    (it is taken out of the session), so a reload does not print it again."""
    ticket = selectors.office_ticket(screen.office, request.session.pop(SESSION_ISSUED, None))
    if ticket is None:
        return None
    return {
        "ticket": ticket,
        "escpos_url": reverse("queueing:ticket_escpos", args=[screen.office.slug, ticket.token])
        + f"?lebar={screen.width}",
        "print_url": _print_url(screen.office, ticket, screen.width, screen.home),
    }


@permission_required(KIOSK)
@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, slug: str) -> HttpResponse:
    office = office_for_request(request, slug, KIOSK)
    width, printer = _kiosk_settings(request)
    screen = Screen(office=office, width=width, printer=printer, home=reverse("queueing:kiosk", args=[office.slug]))
    result, issued, status = None, None, 200
    if request.method == "POST":
        answer = _touched(request, screen)
        if isinstance(answer, HttpResponse):
            return answer
        result, status = answer
    else:
        issued = _just_issued(request, screen)
    context = {
        "office": office,
        "home": screen.home,
        "width": width,
        "printer": printer,
        "baud_rate": SERIAL_BAUD_RATE,
        "return_after": RETURN_AFTER_SECONDS,
        "now": clock.now(),
        "result": result,
        "issued": issued,
    }
    if result is None and issued is None:
        context["services"] = selectors.queue_services(office)
    return render(request, "queueing/kiosk.html", context, status=status)
