"""Staff page for holidays: city admins close their city's offices for a local day; system admins
add or cancel national holidays and cuti bersama (SKB revisions) on top of the ``holidays`` package.

Every change goes through ``services.add_holiday`` / ``services.remove_holiday``, which check the
permission and write the audit row; this page only decides what to show and offer.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from loket.core import clock, policy
from loket.core.access import permission_required
from loket.core.errors import DomainError
from loket.offices import selectors, services
from loket.offices.forms import LocalClosureForm, NationalDayForm
from loket.offices.models import HolidayKind
from loket.regions import selectors as region_selectors
from loket.regions.models import Region, RegionLevel

# The page's default year follows the calendar in Jakarta (WIB), where the SKB is issued.
_JAKARTA = ZoneInfo("Asia/Jakarta")
YEARS_BACK, YEARS_AHEAD = 5, 5


def _is_system_admin(user) -> bool:
    return policy.office_scope(user, policy.MANAGE_CITY).everywhere


def _city_regions(user) -> list[str]:
    """The region codes of the actor's city admin roles."""
    return list(policy.office_scope(user, policy.MANAGE_CITY).region_codes)


def _year(request: HttpRequest, this_year: int) -> int:
    try:
        year = int(request.GET.get("tahun", ""))
    except ValueError:
        return this_year
    return min(max(year, this_year - YEARS_BACK), this_year + YEARS_AHEAD)


def _region_choices(user) -> list[tuple[str, str]]:
    """The actor's kabupaten/kota and the kecamatan and kelurahan/desa inside them."""
    codes = _city_regions(user)
    if not codes:
        return []
    regions = region_selectors.regions_within(codes, deepest=RegionLevel.KELURAHAN_DESA)
    indent = {2: "", 3: "— ", 4: "—— "}
    return [("", _("Choose a region")), *((r.code, f"{indent.get(r.level, '')}{r.name} ({r.code})") for r in regions)]


def _page_url(year: int) -> str:
    return f"{reverse('offices:manage_holidays')}?tahun={year}"


def _remove(request: HttpRequest, year: int) -> HttpResponse:
    raw_id = request.POST.get("holiday", "")
    holiday = selectors.holiday_by_id(int(raw_id) if raw_id.isdigit() else None)
    if holiday is None:
        messages.error(request, _("That holiday no longer exists."))
        return redirect(_page_url(year))
    try:
        services.remove_holiday(actor=request.user, holiday=holiday)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Removed: %(name)s on %(date)s.") % {"name": holiday.name, "date": holiday.date.strftime("%d-%m-%Y")},
        )
    return redirect(_page_url(holiday.date.year))


def _add(request: HttpRequest, form, *, kind: str, region: Region | None, cancelled: bool) -> bool:
    """Call the service; on refusal put its message on the form. Returns whether it was saved."""
    data = form.cleaned_data
    try:
        services.add_holiday(
            actor=request.user, date=data["date"], name=data["name"], kind=kind, region=region, cancelled=cancelled
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return False
    date = data["date"].strftime("%d-%m-%Y")
    if cancelled:
        text = _("Saved: %(name)s on %(date)s is cancelled.")
    elif kind == HolidayKind.LOCAL:
        text = _("Saved: the offices of %(region)s are closed on %(date)s (%(name)s).")
    else:
        text = _("Saved: %(name)s on %(date)s was added.")
    messages.success(request, text % {"name": data["name"], "date": date, "region": region.name if region else ""})
    return True


@permission_required(policy.MANAGE_CITY)
@require_http_methods(["GET", "POST"])
def manage_holidays(request: HttpRequest) -> HttpResponse:
    """The year's national holidays and cuti bersama, the local closures, and forms to change them."""
    user = request.user
    system_admin = _is_system_admin(user)
    this_year = clock.now().astimezone(_JAKARTA).year
    year = _year(request, this_year)
    region_choices = None if system_admin else _region_choices(user)
    local_form = LocalClosureForm(region_choices=region_choices)
    national_form = NationalDayForm() if system_admin else None

    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remove":
            return _remove(request, year)
        if action == "national":
            national_form = NationalDayForm(request.POST)
            if national_form.is_valid() and _add(
                request,
                national_form,
                kind=national_form.cleaned_data["kind"],
                region=None,
                cancelled=national_form.cleaned_data["cancelled"],
            ):
                return redirect(_page_url(national_form.cleaned_data["date"].year))
        else:
            local_form = LocalClosureForm(request.POST, region_choices=region_choices)
            if local_form.is_valid() and _add(
                request,
                local_form,
                kind=HolidayKind.LOCAL,
                region=local_form.cleaned_data["region"],
                cancelled=False,
            ):
                return redirect(_page_url(local_form.cleaned_data["date"].year))

    holidays = selectors.holiday_year_for(user, year)
    has_errors = bool(local_form.errors or (national_form is not None and national_form.errors))
    context = {
        "year": year,
        "prev_year": year - 1 if year > this_year - YEARS_BACK else None,
        "next_year": year + 1 if year < this_year + YEARS_AHEAD else None,
        "national_lines": holidays.national_lines,
        "local_rows": holidays.local_rows,
        "is_system_admin": system_admin,
        "city_regions": region_selectors.regions_by_codes(_city_regions(user)),
        "local_form": local_form,
        "national_form": national_form,
    }
    return render(request, "offices/staff/holidays.html", context, status=400 if has_errors else 200)
