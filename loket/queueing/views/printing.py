"""Printing a ticket at the office: a page for the browser's print dialog on a 58/80 mm thermal
printer (print stylesheet), and the same ticket as ESC/POS bytes for a print agent beside the
printer (``GET …/escpos/?lebar=80``). For petugas, office admins and the kiosk of the office."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from loket.core import clock, policy
from loket.core.access import permission_required
from loket.offices import selectors as office_selectors
from loket.offices.access import office_for_request
from loket.offices.models import Office
from loket.queueing import selectors
from loket.queueing.escpos import COLUMNS, render_ticket_escpos
from loket.queueing.models import Ticket

PRINT = policy.HAND_OUT_TICKETS


def _ticket(request: HttpRequest, slug: str, token: str) -> tuple[Office, Ticket]:
    office = office_for_request(request, slug, PRINT)
    ticket = selectors.office_ticket(office, token)
    if ticket is None:
        raise Http404("ticket not found")
    return office, ticket


def _width(request: HttpRequest) -> int:
    raw = request.GET.get("lebar", "58")
    return int(raw) if raw.isdigit() and int(raw) in COLUMNS else 58


def _local_path(request: HttpRequest, path: str) -> str:
    """``path`` if it is a path on this site (where the kiosk returns after printing), else ''."""
    safe = url_has_allowed_host_and_scheme(path, allowed_hosts={request.get_host()}, require_https=False)
    return path if safe and path.startswith("/") and not path.startswith("//") else ""


def status_url(request: HttpRequest, ticket: Ticket) -> str:
    """What the printed QR code carries: the ticket's public status page (its token inside)."""
    return request.build_absolute_uri(reverse("queueing:ticket_status", args=[ticket.token]))


@permission_required(PRINT)
@require_GET
def ticket_print(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    office, ticket = _ticket(request, slug, token)
    context = {
        "office": office,
        "ticket": ticket,
        "estimate": selectors.estimate(ticket, clock.now()),
        "status_url": status_url(request, ticket),
        "width": _width(request),
        "autoprint": request.GET.get("cetak") == "1",
        "back": _local_path(request, request.GET.get("kembali", "")),
    }
    return render(request, "queueing/ticket_print.html", context)


@permission_required(PRINT)
@require_GET
def ticket_escpos(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    office, ticket = _ticket(request, slug, token)
    zone = office_selectors.office_zone(office)
    estimate = selectors.estimate(ticket, clock.now())
    start, end = ticket.session_start.astimezone(zone), ticket.session_end.astimezone(zone)
    data = render_ticket_escpos(
        office_name=office.name,
        service_name=ticket.service.name,
        code=ticket.code,
        local_date=ticket.local_date,
        session_label=f"{start:%H.%M}-{end:%H.%M} {office.tz_label}",
        qr_payload=status_url(request, ticket),
        width_mm=_width(request),
        estimated_time=f"{estimate.expected_at.astimezone(zone):%H.%M}" if estimate.expected_at else "",
    )
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="tiket-{ticket.code}.bin"'
    return response
