"""Finding tickets: those a person may see, and one ticket by its QR token, its typed code or the
citizen's active booking."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import QuerySet

from loket.catalog.models import Service
from loket.core import policy
from loket.offices.models import Office
from loket.queueing.models import ACTIVE_STATUSES, Ticket, TicketKind


def tickets_for(actor) -> QuerySet[Ticket]:
    """Tickets ``actor`` may see: a citizen their own; an officer those of offices where they hold a
    role (every office for a system admin); nobody else any."""
    base = Ticket.objects.select_related("office", "service", "group")
    if actor is None or not getattr(actor, "is_authenticated", False):
        return base.none()
    if getattr(actor, "is_citizen", False):
        return base.filter(citizen=actor).order_by("-local_date", "-session_start", "-number")
    condition = policy.office_scope(actor, policy.SEE_TICKETS).office_q(prefix="office__")
    if condition is None:
        return base.none()
    return base.filter(condition).order_by("-local_date", "group", "number")


def own_tickets(actor) -> QuerySet[Ticket]:
    """``actor``'s own tickets (as a citizen), newest first; none for an officer."""
    return tickets_for(actor).filter(citizen=actor)


def own_ticket(actor, token: str) -> Ticket | None:
    """One of ``actor``'s own tickets by its token; None for anyone else's."""
    return own_tickets(actor).filter(token=token).first()


def ticket_by_token(token: str) -> Ticket | None:
    """Any ticket by its (unguessable) QR token, with what its public status page shows."""
    return Ticket.objects.select_related("office", "service", "group", "counter").filter(token=token).first()


def office_ticket(office: Office, token: str | None) -> Ticket | None:
    """A ticket of ``office`` by its token (None without a token, or for another office's ticket)."""
    if not token:
        return None
    return Ticket.objects.select_related("office", "service").filter(office=office, token=token).first()


def reloaded(ticket: Ticket) -> Ticket:
    """``ticket`` as it is now in the database (after a refused change, to show the truth)."""
    return Ticket.objects.select_related("office", "service", "group").get(pk=ticket.pk)


def active_booking(citizen, service: Service, local_date: dt.date) -> Ticket | None:
    """``citizen``'s active online booking for ``service`` on ``local_date`` (at most one exists)."""
    return Ticket.objects.filter(
        citizen=citizen, service=service, local_date=local_date, kind=TicketKind.ONLINE, status__in=ACTIVE_STATUSES
    ).first()


_CODE = re.compile(r"^([A-Z]{1,3})-?0*(\d{1,6})$")


def ticket_for_check_in(office: Office, code_or_token: str, today: dt.date) -> Ticket | None:
    """The ticket of ``office`` a visitor shows: by its QR token (or the whole URL a scanner reads
    from the QR code), or by today's typed code (``A-012``, ``a12``) of an online booking."""
    text = (code_or_token or "").strip()
    if "/" in text:  # a scanner reads the QR code's whole URL: …/antrean/t/<token>/
        text = next((part for part in reversed(text.split("?")[0].split("/")) if part), "")
    by_token = Ticket.objects.filter(office=office, token=text).first() if text else None
    if by_token is not None:
        return by_token
    match = _CODE.match(text.upper().replace(" ", ""))
    if not match:
        return None
    letter, number = match.group(1), int(match.group(2))
    return Ticket.objects.filter(
        office=office, local_date=today, group__letter=letter, number=number, kind=TicketKind.ONLINE
    ).first()
