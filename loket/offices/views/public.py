"""Public pages of the office directory: all offices, the offices of one region, one office."""

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loket.core import clock
from loket.core.access import public
from loket.offices import directory, selectors
from loket.regions.models import RegionLevel
from loket.regions.selectors import get_region


def _with_status(offices) -> list:
    """The offices, each with ``public_status`` (open now? next opening) for the list badges."""
    offices = list(offices)
    statuses = selectors.office_statuses(offices, clock.now())
    for office in offices:
        office.public_status = statuses.get(office.pk)
    return offices


@public
@require_GET
def office_list(request: HttpRequest) -> HttpResponse:
    offices = _with_status(directory.public_offices())
    return render(request, "offices/list.html", {"cities": directory.group_by_city(offices)})


@public
@require_GET
def office_region(request: HttpRequest, code: str) -> HttpResponse:
    region = get_region(code)
    if region is None or region.level == RegionLevel.PROVINSI:
        raise Http404("region not found")
    offices = _with_status(selectors.offices_in_region(code))
    return render(
        request,
        "offices/region.html",
        {
            "region": region,
            "path": [(r, directory.region_label(r)) for r in directory.region_path(region)],
            "label": directory.region_label(region),
            "cities": directory.group_by_city(offices),
            "office_count": len(offices),
        },
    )


@public
@require_GET
def office_detail(request: HttpRequest, slug: str) -> HttpResponse:
    office = selectors.office_by_slug(slug)
    if office is None:
        raise Http404("office not found")
    now = clock.now()
    status = selectors.office_status(office, now)
    today = status.local_now.date()
    return render(
        request,
        "offices/detail.html",
        {
            "office": office,
            "path": [(r, directory.region_label(r)) for r in reversed(directory.region_path(office.region))],
            "status": status,
            "today": today,
            "tomorrow": today + dt.timedelta(days=1),
            "week": selectors.week_schedule(office, today, days=7),
            "counter_count": selectors.active_counter_count(office),
            "map_url": directory.map_url(office),
        },
    )
