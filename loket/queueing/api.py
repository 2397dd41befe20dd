"""JSON API of the queue for the mobile app: availability (public), and a citizen's own tickets
(bearer token): book, list, show, cancel, reschedule. Errors carry an Indonesian ``detail``."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from loket.accounts.access import MSG_NO_ROOM, MSG_NOT_FOUND, BearerAuth
from loket.catalog.models import Service
from loket.core import clock
from loket.offices import selectors as office_selectors
from loket.offices.models import Office
from loket.queueing import selectors, services
from loket.queueing.errors import AlreadyBooked, NoPlaceLeft
from loket.queueing.models import Ticket

MAX_DAYS = 31

availability_router = Router(tags=["queue"])
tickets_router = Router(tags=["tickets"])
AUTH = BearerAuth()


class SlotOut(Schema):
    date: dt.date
    session_start: dt.datetime
    session_end: dt.datetime
    label: str
    online_limit: int
    online_remaining: int


class EarliestOut(Schema):
    slot: SlotOut | None
    detail: str


class TicketOut(Schema):
    code: str
    token: str
    office: str
    office_name: str
    service: str
    service_name: str
    date: dt.date
    session_start: dt.datetime
    session_end: dt.datetime
    kind: str
    status: str
    priority: bool
    ahead: int = Field(..., description="Tickets before this one (estimate)")
    expected_at: dt.datetime | None = Field(None, description="Estimated time of the call; null once called")
    counter: int | None = Field(None, description="The counter number while called or being served")


class AlternativeOut(Schema):
    office: str
    office_name: str
    online_remaining: int
    same_kecamatan: bool


class ConflictOut(Schema):
    detail: str
    code: str
    next_date: dt.date | None = None
    next_session_start: dt.time | None = None
    alternatives: list[AlternativeOut] = []
    ticket: TicketOut | None = None


class ErrorOut(Schema):
    detail: str


class BookIn(Schema):
    office: str
    service: str
    date: dt.date
    session_start: dt.time = Field(..., description="Local start time of the session, HH:MM")


class RescheduleIn(Schema):
    date: dt.date
    session_start: dt.time


class CancelIn(Schema):
    reason: str = ""


def _slot(slot) -> dict:
    return {
        "date": slot.local_date,
        "session_start": slot.session.start,
        "session_end": slot.session.end,
        "label": slot.session.label,
        "online_limit": slot.online_limit,
        "online_remaining": slot.online_remaining,
    }


def ticket_out(ticket: Ticket) -> dict:
    estimate = selectors.estimate(ticket, clock.now())
    at_counter = ticket.status in ("called", "serving") and ticket.counter_id
    return {
        "code": ticket.code,
        "token": ticket.token,
        "office": ticket.office.slug,
        "office_name": ticket.office.name,
        "service": ticket.service.slug,
        "service_name": ticket.service.name,
        "date": ticket.local_date,
        "session_start": ticket.session_start,
        "session_end": ticket.session_end,
        "kind": ticket.kind,
        "status": ticket.status,
        "priority": ticket.priority,
        "ahead": estimate.ahead,
        "expected_at": estimate.expected_at,
        "counter": ticket.counter.number if at_counter else None,
    }


def _office_and_service(office_slug: str, service_slug: str) -> tuple[Office, Service]:
    office = office_selectors.office_by_slug(office_slug)
    service = selectors.service_by_slug(service_slug)
    if office is None or service is None:
        raise HttpError(404, str(MSG_NOT_FOUND))
    return office, service


@availability_router.get(
    "/{slug}/services/{service_slug}/availability",
    response={200: list[SlotOut], 404: ErrorOut},
    auth=None,
    summary="Online places left per date and session",
)
def availability(
    request: HttpRequest,
    slug: str,
    service_slug: str,
    days: int = 7,
    from_date: dt.date | None = Query(None, alias="from"),  # noqa: B008 - ninja parameter declaration
):
    office, service = _office_and_service(slug, service_slug)
    start = from_date or office_selectors.local_today(office, clock.now())
    days = max(1, min(days, MAX_DAYS))
    return [_slot(s) for s in selectors.availability(office, service, start, days)]


@availability_router.get(
    "/{slug}/services/{service_slug}/earliest",
    response={200: EarliestOut, 404: ErrorOut},
    auth=None,
    summary="The earliest session with an online place (slot is null when none is left)",
)
def earliest(request: HttpRequest, slug: str, service_slug: str):
    office, service = _office_and_service(slug, service_slug)
    slot = selectors.earliest_available(office, service, clock.now())
    if slot is None:
        return {"slot": None, "detail": str(MSG_NO_ROOM)}
    return {"slot": _slot(slot), "detail": ""}


def _conflict(exc, office: Office, service: Service, local_date: dt.date) -> Status:
    body = {"detail": str(exc.message), "code": exc.code, "next_date": None, "next_session_start": None}
    body |= {"alternatives": [], "ticket": None}
    if isinstance(exc, AlreadyBooked):
        body["ticket"] = ticket_out(exc.ticket)
    else:
        body["next_date"] = exc.next_date
        body["next_session_start"] = exc.next_session_start
        body["alternatives"] = [
            {
                "office": a.office.slug,
                "office_name": a.office.name,
                "online_remaining": a.online_remaining,
                "same_kecamatan": a.same_kecamatan,
            }
            for a in selectors.alternatives_hint(office, service, local_date)
        ]
    return Status(409, body)


def _own_ticket(request: HttpRequest, token: str) -> Ticket:
    ticket = selectors.own_ticket(request.user, token)
    if ticket is None:
        raise HttpError(404, str(MSG_NOT_FOUND))
    return ticket


@tickets_router.post("", response={201: TicketOut, 409: ConflictOut, 404: ErrorOut}, summary="Book a ticket", auth=AUTH)
def book(request: HttpRequest, payload: BookIn):
    office, service = _office_and_service(payload.office, payload.service)
    try:
        ticket = services.book_ticket(
            actor=request.user,
            office=office,
            service=service,
            local_date=payload.date,
            session_start=payload.session_start,
        )
    except (AlreadyBooked, NoPlaceLeft) as exc:
        return _conflict(exc, office, service, payload.date)
    return Status(201, ticket_out(ticket))


@tickets_router.get("", response=list[TicketOut], summary="My tickets", auth=AUTH)
def my_tickets(request: HttpRequest):
    return [ticket_out(t) for t in selectors.own_tickets(request.user)]


@tickets_router.get("/{token}", response={200: TicketOut, 404: ErrorOut}, summary="One of my tickets", auth=AUTH)
def my_ticket(request: HttpRequest, token: str):
    return ticket_out(_own_ticket(request, token))


@tickets_router.post("/{token}/cancel", response={200: TicketOut, 404: ErrorOut}, summary="Cancel my ticket", auth=AUTH)
def cancel(request: HttpRequest, token: str, payload: CancelIn):
    ticket = services.cancel_ticket(actor=request.user, ticket=_own_ticket(request, token), reason=payload.reason)
    return ticket_out(ticket)


@tickets_router.post(
    "/{token}/reschedule",
    response={200: TicketOut, 404: ErrorOut, 409: ConflictOut},
    summary="Move my ticket",
    auth=AUTH,
)
def reschedule(request: HttpRequest, token: str, payload: RescheduleIn):
    ticket = _own_ticket(request, token)
    try:
        ticket = services.reschedule_ticket(
            actor=request.user, ticket=ticket, local_date=payload.date, session_start=payload.session_start
        )
    except (AlreadyBooked, NoPlaceLeft) as exc:
        return _conflict(exc, ticket.office, ticket.service, payload.date)
    return ticket_out(ticket)
