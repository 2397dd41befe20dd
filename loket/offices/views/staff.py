"""Staff pages of the offices app: an office admin manages the hours of the offices they run."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loket.core import policy
from loket.core.access import permission_required
from loket.core.errors import DomainError
from loket.offices import selectors, services
from loket.offices.access import office_for_request
from loket.offices.forms import ExceptionForm, WeeklyHoursForm, format_sessions
from loket.offices.models import Day, OpeningRule
from loket.offices.services import RuleSpec

WEEK_DAYS = 7


def _week_start(request: HttpRequest, today: dt.date) -> dt.date:
    raw = request.GET.get("mulai", "")
    try:
        start = dt.date.fromisoformat(raw) if raw else today
    except ValueError:
        start = today
    # Keep the page within a sensible window around today.
    return min(max(start, today - dt.timedelta(days=366)), today + dt.timedelta(days=366 * 2))


@permission_required(policy.MANAGE_OFFICE)
@require_GET
def manage_hours_index(request: HttpRequest) -> HttpResponse:
    """The offices whose hours this officer manages."""
    offices = list(selectors.offices_for(request.user))
    if len(offices) == 1:
        return redirect("offices:manage_hours", slug=offices[0].slug)
    can_manage_holidays = policy.allows_somewhere(request.user, policy.MANAGE_CITY)
    return render(request, "offices/staff/index.html", {"offices": offices, "can_manage_holidays": can_manage_holidays})


def _remove_exception(request: HttpRequest, office) -> None:
    raw_id = request.POST.get("exception", "")
    exception = selectors.exception_at(office, int(raw_id) if raw_id.isdigit() else None)
    if exception is None:
        messages.error(request, _("That exception no longer exists."))
        return
    try:
        services.remove_schedule_exception(actor=request.user, exception=exception)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The exception of %(date)s was removed; the regular hours apply again.")
            % {"date": exception.date.strftime("%d-%m-%Y")},
        )


def _add_exception(request: HttpRequest, office, form: ExceptionForm) -> bool:
    """Save the date exception of a valid ``form``; refusals go on the form. Whether it was saved."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.add_schedule_exception(
            actor=request.user,
            office=office,
            date=data["date"],
            is_closed=data["is_closed"],
            reason=data["reason"],
            sessions=data["sessions"],
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return False
    messages.success(
        request,
        _("Saved: the hours of %(date)s have been changed.") % {"date": data["date"].strftime("%d-%m-%Y")},
    )
    return True


@permission_required(policy.MANAGE_OFFICE)
@require_http_methods(["GET", "POST"])
def manage_hours(request: HttpRequest, slug: str) -> HttpResponse:
    """The week's schedule, the date exceptions, and a form to close or open a date differently."""
    office = office_for_request(request, slug, policy.MANAGE_OFFICE, include_inactive=True)
    today = selectors.local_today(office)
    form = ExceptionForm(initial={"date": today + dt.timedelta(days=1)})
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            _remove_exception(request, office)
            return redirect("offices:manage_hours", slug=office.slug)
        form = ExceptionForm(request.POST)
        if _add_exception(request, office, form):
            return redirect("offices:manage_hours", slug=office.slug)

    start = _week_start(request, today)
    context = {
        "office": office,
        "today": today,
        "week": selectors.week_schedule(office, start, days=WEEK_DAYS),
        "prev_week": start - dt.timedelta(days=WEEK_DAYS),
        "next_week": start + dt.timedelta(days=WEEK_DAYS),
        "exceptions": selectors.exceptions_from(office, today),
        "rules": selectors.opening_rules(office),
        "form": form,
    }
    return render(request, "offices/staff/manage_hours.html", context, status=400 if form.errors else 200)


def _rule_key(rule) -> tuple:
    return (int(rule.day), rule.opens, rule.closes, rule.label)


def rules_version(rules) -> str:
    """A fingerprint of the saved rules: the weekly form posts it back to detect a concurrent change."""
    keys = sorted((*_rule_key(r), r.valid_from, r.valid_until) for r in rules)
    return hashlib.sha256(repr(keys).encode()).hexdigest()[:16]


def _week_summary(rules) -> str:
    by_day = {day: [r for r in rules if r.day == day] for day in Day}
    return (
        "; ".join(f"{day.label} {format_sessions(day_rules)}" for day, day_rules in by_day.items() if day_rules) or "-"
    )


def _as_spec(rule: OpeningRule) -> RuleSpec:
    return RuleSpec(
        day=rule.day,
        opens=rule.opens,
        closes=rule.closes,
        label=rule.label,
        valid_from=rule.valid_from,
        valid_until=rule.valid_until,
    )


@permission_required(policy.MANAGE_OFFICE)
@require_http_methods(["GET", "POST"])
def manage_weekly_hours(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit the office's regular weekly hours: one line of sessions per day, plus public holidays.

    Rules limited to a period (valid from/until) cannot be typed here; they are listed and kept.
    """
    office = office_for_request(request, slug, policy.MANAGE_OFFICE, include_inactive=True)
    rules = selectors.opening_rules(office)
    weekly = [r for r in rules if r.valid_from is None and r.valid_until is None]
    dated = [r for r in rules if not (r.valid_from is None and r.valid_until is None)]
    form = WeeklyHoursForm(rules=weekly)

    if request.method == "POST":
        form = WeeklyHoursForm(request.POST, rules=weekly)
        if request.POST.get("versi") != rules_version(rules):
            # Someone saved the hours after this page was opened: do not overwrite their change
            # unseen. The typed input stays; the page now carries the new version.
            form.add_error(
                None,
                _(
                    "Someone else changed the weekly hours while you were editing. Saved now: %(hours)s. "
                    "Your input is kept below: check it and save again."
                )
                % {"hours": _week_summary(rules)},
            )
        elif form.is_valid():
            typed = form.cleaned_data["rules"]
            if sorted(map(_rule_key, typed)) == sorted(map(_rule_key, weekly)):
                messages.info(request, _("Nothing was changed: the weekly hours are the same as before."))
                return redirect("offices:manage_hours", slug=office.slug)
            try:
                services.set_opening_rules(
                    actor=request.user, office=office, rules=[*typed, *(_as_spec(r) for r in dated)]
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Saved: the new weekly hours apply from now on."))
                return redirect("offices:manage_hours", slug=office.slug)

    context = {"office": office, "form": form, "dated_rules": dated, "version": rules_version(rules)}
    return render(request, "offices/staff/manage_weekly_hours.html", context, status=400 if form.errors else 200)
