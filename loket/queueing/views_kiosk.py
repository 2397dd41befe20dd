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


def _refusal(exc: DomainError, title: str) -> dict:
    return {
        "kind": "refused",
        "title": title,
        "message": exc.message,
        "next_date": getattr(exc, "next_date", None),
    }


@permission_required(KIOSK)
@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, slug: str) -> HttpResponse:
    office = office_for_request(request, slug, KIOSK)
    width, printer = _kiosk_settings(request)
    home = reverse("queueing:kiosk", args=[office.slug])
    context = {
        "office": office,
        "home": home,
        "width": width,
        "printer": printer,
        "baud_rate": SERIAL_BAUD_RATE,
        "return_after": RETURN_AFTER_SECONDS,
        "now": clock.now(),
        "result": None,
        "issued": None,
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        priority = request.POST.get("priority") == "1"
        if action == "walkin":
            try:
                service = _chosen_service(request, office)
                ticket = services.issue_walkin_ticket(
                    actor=request.user, office=office, service=service, priority=priority
                )
            except DomainError as exc:
                context["result"] = _refusal(exc, _("Sorry, we cannot give you a ticket"))
                status = 409 if isinstance(exc, NoPlaceLeft) else 400
            else:
                if printer == "escpos":
                    # The kiosk page prints it over Web Serial (kiosk.js); a reload never prints twice.
                    request.session[SESSION_ISSUED] = ticket.token
                    return redirect(home)
                return redirect(_print_url(office, ticket, width, home))
        elif action == "checkin":
            try:
                ticket = services.check_in_ticket(
                    actor=request.user, office=office, code_or_token=request.POST.get("code", ""), priority=priority
                )
            except DomainError as exc:
                context["result"] = _refusal(exc, _("Sorry, this ticket cannot be checked in"))
                status = 409 if isinstance(exc, NoPlaceLeft) else 400
            else:
                context["result"] = {
                    "kind": "done",
                    "title": _("Thank you"),
                    "message": _("Ticket %(code)s is checked in. Please wait to be called.") % {"code": ticket.code},
                    "next_date": None,
                }
        else:
            context["result"] = _refusal(DomainError(_("Unknown action.")), _("Please try again"))
            status = 400
    else:
        token = request.session.pop(SESSION_ISSUED, None)
        ticket = Ticket.objects.filter(office=office, token=token).select_related("service").first() if token else None
        if ticket is not None:
            context["issued"] = {
                "ticket": ticket,
                "escpos_url": reverse("queueing:ticket_escpos", args=[office.slug, ticket.token]) + f"?lebar={width}",
                "print_url": _print_url(office, ticket, width, home),
            }
    if context["result"] is None and context["issued"] is None:
        context["services"] = selectors.queue_services(office)
    return render(request, "queueing/kiosk.html", context, status=status)
