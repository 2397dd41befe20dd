"""The waiting room, public: the display board (a TV page that polls a tiny JSON view and speaks
each call), the live queue status of an office, and the status of one ticket by its QR token.

Live updates are short polling (``board_data`` every 500 ms): a sync gunicorn worker answers it in a
few milliseconds, where Server-Sent Events would hold a worker per screen (DESIGN.md).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from loket.core import clock
from loket.core.access import public
from loket.offices import selectors as office_selectors
from loket.offices.models import Office
from loket.queueing import selectors
from loket.queueing.speech import ticket_announcement

BOARD_POLL_MS = 500
RECENT_CALLS = 8


def _office(slug: str) -> Office:
    office = office_selectors.office_by_slug(slug)
    if office is None:
        raise Http404("office not found")
    return office


@public
@require_GET
def board(request: HttpRequest, slug: str) -> HttpResponse:
    office = _office(slug)
    last = selectors.recent_calls(office, limit=1)
    context = {
        "office": office,
        "data_url": reverse("queueing:board_data", args=[office.slug]),
        "poll_ms": BOARD_POLL_MS,
        "last_call": last[0].id if last else 0,
        "status_url": request.build_absolute_uri(reverse("queueing:office_status", args=[office.slug])),
    }
    return render(request, "queueing/board.html", context)


def _counter_rows(office: Office) -> list[dict]:
    serving = {t.counter_id: t for t in selectors.now_serving(office) if t.counter_id}
    rows = []
    for counter in selectors.active_counters(office):
        ticket = serving.get(counter.pk)
        rows.append({"number": counter.number, "name": counter.name, "code": ticket.code if ticket else ""})
    return rows


@public
@never_cache
@require_GET
def board_data(request: HttpRequest, slug: str) -> JsonResponse:
    """The board's state: each counter's current number, the latest calls (newest first) with the
    sentence to speak, people waiting. ``?after=<call id>`` is echoed as ``new``: calls after it."""
    office = _office(slug)
    try:
        after = max(int(request.GET.get("after", "0")), 0)
    except ValueError:
        after = 0
    language = translation.get_language() or "id"
    calls = selectors.recent_calls(office, limit=RECENT_CALLS)
    zone = office_selectors.office_zone(office)
    status = selectors.office_queue_status(office, clock.now())
    return JsonResponse(
        {
            "office": office.name,
            "time": clock.now().astimezone(zone).strftime("%H.%M"),
            "counters": _counter_rows(office),
            "calls": [
                {
                    "id": call.id,
                    "code": call.code,
                    "counter": call.counter.number,
                    "counter_name": call.counter.name,
                    "at": call.at.astimezone(zone).strftime("%H.%M"),
                    "recall": call.is_recall,
                    "text": ticket_announcement(call.code, call.counter.number, language=language),
                    "new": call.id > after,
                }
                for call in calls
            ],
            "waiting": sum(s.waiting for s in status),
            "groups": [{"letter": s.group.letter, "name": s.group.name, "waiting": s.waiting} for s in status],
        }
    )


@public
@require_GET
def office_status(request: HttpRequest, slug: str) -> HttpResponse:
    """Now serving, people waiting and the estimated wait per service group (refreshes itself)."""
    office = _office(slug)
    now = clock.now()
    context = {
        "office": office,
        "groups": selectors.office_queue_status(office, now),
        "office_open": office_selectors.office_status(office, now),
        "serving": selectors.now_serving(office),
    }
    return render(request, "queueing/office_status.html", context)


@public
@require_GET
def ticket_status(request: HttpRequest, token: str) -> HttpResponse:
    """What the QR code opens: the ticket's number, status, place in the line and estimate — no name,
    no NIK. The token is unguessable; unknown tokens get the same 404 whatever their form."""
    ticket = selectors.ticket_by_token(token)
    if ticket is None:
        raise Http404("ticket not found")
    context = {
        "ticket": ticket,
        "office": ticket.office,
        "estimate": selectors.estimate(ticket, clock.now()),
        "status_url": request.build_absolute_uri(request.path),
    }
    return render(request, "queueing/ticket_status.html", context)
