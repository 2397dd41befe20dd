"""Public read API of the office directory: GET /api/v1/offices[?region=code] and /api/v1/offices/{slug}."""

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from loket.core import clock
from loket.offices import directory, selectors

router = Router(tags=["offices"])


class SessionOut(Schema):
    start: dt.datetime
    end: dt.datetime
    label: str


class DayOut(Schema):
    date: dt.date
    sessions: list[SessionOut]
    holiday_name: str
    exception_reason: str


class StatusOut(Schema):
    is_open: bool
    local_now: dt.datetime
    current: SessionOut | None
    next_opening: SessionOut | None
    holiday_name: str


class OfficeSummaryOut(Schema):
    slug: str
    name: str
    kind: str
    region_code: str
    region_name: str
    address: str
    timezone: str
    timezone_label: str
    latitude: float | None
    longitude: float | None


class OfficeOut(OfficeSummaryOut):
    postal_code: str
    phone: str
    email: str
    region_path: list[str]
    map_url: str
    counters: int
    status: StatusOut
    week: list[DayOut]


def _session(session) -> dict | None:
    if session is None:
        return None
    return {"start": session.start, "end": session.end, "label": session.label}


def _summary(office) -> dict:
    return {
        "slug": office.slug,
        "name": office.name,
        "kind": office.kind,
        "region_code": office.region_id,
        "region_name": office.region.name,
        "address": office.address,
        "timezone": office.timezone,
        "timezone_label": office.tz_label,
        "latitude": float(office.latitude) if office.latitude is not None else None,
        "longitude": float(office.longitude) if office.longitude is not None else None,
    }


@router.get("", response=list[OfficeSummaryOut], auth=None, summary="Active offices, optionally in one region")
def list_offices(request: HttpRequest, region: str | None = None):
    offices = selectors.offices_in_region(region) if region else directory.public_offices()
    return [_summary(o) for o in offices]


@router.get("/{slug}", response=OfficeOut, auth=None, summary="One office with its status and week schedule")
def get_office(request: HttpRequest, slug: str):
    office = selectors.office_by_slug(slug)
    if office is None:
        raise Http404("office not found")
    status = selectors.office_status(office, clock.now())
    week = selectors.week_schedule(office, status.local_now.date(), days=7)
    return {
        **_summary(office),
        "postal_code": office.postal_code,
        "phone": office.phone,
        "email": office.email,
        "region_path": [directory.region_label(r) for r in directory.region_path(office.region)],
        "map_url": directory.map_url(office),
        "counters": selectors.active_counter_count(office),
        "status": {
            "is_open": status.is_open,
            "local_now": status.local_now,
            "current": _session(status.current),
            "next_opening": _session(status.next),
            "holiday_name": status.holiday_name,
        },
        "week": [
            {
                "date": day.date,
                "sessions": [_session(s) for s in day.sessions],
                "holiday_name": day.holiday_name,
                "exception_reason": day.exception_reason,
            }
            for day in week
        ],
    }
