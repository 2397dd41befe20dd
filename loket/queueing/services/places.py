"""What booking and walk-ins share: a new ticket with the day's next number, the office-local
session time and its text, and the refusal that names the next free place (``NoPlaceLeft``)."""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _

from loket.catalog.models import Service
from loket.core import clock
from loket.offices import selectors as office_selectors
from loket.offices.models import Office
from loket.offices.selectors import Session
from loket.queueing.errors import NoPlaceLeft
from loket.queueing.models import ServiceGroup, Ticket, format_code
from loket.queueing.selectors import SlotAvailability, earliest_available, next_place_after
from loket.queueing.services import counting


def new_ticket(
    *, office: Office, group: ServiceGroup, service: Service, session: Session, local_date: dt.date, **fields
) -> Ticket:
    """A ticket in ``session`` with the group's next number of ``local_date``, once its place is
    taken; ``fields`` are its kind, status, citizen and times. The number's row stays locked until
    the caller's transaction ends (``counting.next_number``), so this runs inside it."""
    number = counting.next_number(group.pk, local_date)
    return Ticket.objects.create(
        office=office,
        group=group,
        service=service,
        local_date=local_date,
        session_start=session.start,
        session_end=session.end,
        number=number,
        code=format_code(group.letter, number),
        **fields,
    )


def date_text(day: dt.date) -> str:
    return formats.date_format(day, "j F Y")


def session_text(session_start: dt.datetime | dt.time, office: Office) -> str:
    return session_start_time(session_start, office).strftime("%H.%M")


def next_place_hint(
    office: Office, service: Service, after: dt.datetime | None = None
) -> tuple[SlotAvailability | None, str]:
    """The next session with an online place after ``after`` (the full session's start; now if
    omitted), or failing that the earliest one from now: named with its date and time, because a
    full morning session often leaves the afternoon free."""
    slot = None
    if after is not None and after > clock.now():
        slot = next_place_after(office, service, after)
    slot = slot or earliest_available(office, service, clock.now())
    if slot is None:
        return None, _("There is no free place within the booking period.")
    return slot, _("The nearest free place is on %(date)s, in the session at %(time)s.") % {
        "date": date_text(slot.local_date),
        "time": session_text(slot.session.start, office),
    }


def session_start_time(session_start: dt.time | dt.datetime, office: Office) -> dt.time:
    """A session's office-local start time, given as a time (a form, the API) or as the aware
    start of a ``Session``."""
    if isinstance(session_start, dt.datetime):
        return session_start.astimezone(office_selectors.office_zone(office)).time()
    return session_start


def no_place_left(message: str, slot: SlotAvailability | None, office: Office) -> NoPlaceLeft:
    """The refusal of a full session, carrying the next free place (if any) for the API and kiosk."""
    if slot is None:
        return NoPlaceLeft(message, next_date=None)
    start = session_start_time(slot.session.start, office)
    return NoPlaceLeft(message, next_date=slot.local_date, next_session_start=start)
