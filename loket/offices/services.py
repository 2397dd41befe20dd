"""The verbs of the offices app: the only code that changes offices, counters, hours and holidays.

Every service takes keyword-only arguments including ``actor`` (the user acting; ``None`` means
the system itself, e.g. a management command loading demo data), runs in one transaction,
checks permission, validates with a message that says what to fix, and writes an audit row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import policy
from loket.core.errors import DomainError, NotAllowed
from loket.offices.models import (
    Counter,
    Day,
    ExceptionSession,
    Holiday,
    HolidayKind,
    Office,
    OfficeKind,
    OfficeTimeZone,
    OpeningRule,
    ScheduleException,
)
from loket.regions.models import Region

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class SessionSpec:
    """One session of a date exception: wall-clock times in the office's zone."""

    opens: dt.time
    closes: dt.time
    label: str = ""


@dataclass(frozen=True)
class RuleSpec:
    """One weekly session (``day`` is a ``Day`` value, ``Day.HOLIDAY`` for public holidays)."""

    day: int
    opens: dt.time
    closes: dt.time
    label: str = ""
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


# --- permission ---------------------------------------------------------------------------


def _require_office_admin(actor, office: Office) -> None:
    if actor is None:
        return
    if not policy.allows(actor, policy.MANAGE_OFFICE, office):
        raise NotAllowed(_("You are not an admin of %(office)s, so you cannot change it.") % {"office": office.name})


# --- validation helpers -------------------------------------------------------------------


def _hhmm(t: dt.time) -> str:
    return t.strftime("%H:%M")


def _span(opens: dt.time, closes: dt.time) -> tuple[int, int]:
    """Minutes from the day's midnight; a session closing earlier than it opens ends the next day."""
    start = opens.hour * 60 + opens.minute
    end = closes.hour * 60 + closes.minute
    if end <= start:
        end += MINUTES_PER_DAY
    return start, end


def _describe(opens: dt.time, closes: dt.time) -> str:
    return f"{_hhmm(opens)}–{_hhmm(closes)}"


def _check_not_empty(opens: dt.time, closes: dt.time) -> None:
    if opens == closes:
        raise DomainError(
            _(
                "The session %(session)s opens and closes at the same time. Enter a closing time "
                "different from the opening time (a closing time earlier than the opening time means "
                "the session ends after midnight)."
            )
            % {"session": _describe(opens, closes)}
        )


def _check_no_overlap(spans: Sequence[tuple[int, int, str]], day_name: str) -> None:
    """``spans`` are (start, end, description) in minutes on one day; refuse any two that overlap."""
    ordered = sorted(spans)
    for (a_start, a_end, a_desc), (b_start, b_end, b_desc) in zip(ordered, ordered[1:], strict=False):
        if b_start < a_end and a_start < b_end:
            raise DomainError(
                _("The sessions %(first)s and %(second)s on %(day)s overlap. Change the times so they do not overlap.")
                % {"first": a_desc, "second": b_desc, "day": day_name}
            )


def _time(value) -> dt.time:
    """A ``time``, or an "HH:MM" string."""
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise DomainError(_("'%(value)s' is not a time. Write it as hours and minutes, e.g. 08:00.") % {"value": value})


def _normalise_sessions(sessions: Iterable) -> list[SessionSpec]:
    result = []
    for s in sessions:
        if isinstance(s, SessionSpec):
            opens, closes, label = s.opens, s.closes, s.label
        else:
            opens, closes, *rest = s
            label = rest[0] if rest else ""
        result.append(SessionSpec(opens=_time(opens), closes=_time(closes), label=(label or "").strip()))
    return result


def _normalise_rules(rules: Iterable) -> list[RuleSpec]:
    result = []
    for r in rules:
        if isinstance(r, RuleSpec):
            result.append(r)
        elif isinstance(r, dict):
            result.append(RuleSpec(**r))
        else:
            day, opens, closes, *rest = r
            result.append(RuleSpec(day=day, opens=opens, closes=closes, label=(rest[0] if rest else "") or ""))
    return [
        RuleSpec(
            day=int(r.day),
            opens=_time(r.opens),
            closes=_time(r.closes),
            label=(r.label or "").strip(),
            valid_from=r.valid_from,
            valid_until=r.valid_until,
        )
        for r in result
    ]


def _validity_overlaps(a: RuleSpec, b: RuleSpec) -> bool:
    a_from, a_until = a.valid_from or dt.date.min, a.valid_until or dt.date.max
    b_from, b_until = b.valid_from or dt.date.min, b.valid_until or dt.date.max
    return a_from <= b_until and b_from <= a_until


def _validate_rules(rules: list[RuleSpec]) -> None:
    valid_days = {d.value for d in Day}
    for rule in rules:
        if rule.day not in valid_days:
            raise DomainError(_("Choose a day from Monday to Sunday, or public holidays."))
        _check_not_empty(rule.opens, rule.closes)
        if rule.valid_from and rule.valid_until and rule.valid_until < rule.valid_from:
            raise DomainError(
                _(
                    "The rule %(session)s is valid until a date before it starts. Put the end date on or after the start date."
                )
                % {"session": _describe(rule.opens, rule.closes)}
            )
        if len(rule.label) > 80:
            raise DomainError(_("A session label can be at most 80 characters long."))
    # Overlaps on one day, and sessions past midnight running into the next weekday's sessions.
    for i, a in enumerate(rules):
        a_start, a_end = _span(a.opens, a.closes)
        for b in rules[i + 1 :]:
            if not _validity_overlaps(a, b):
                continue
            b_start, b_end = _span(b.opens, b.closes)
            pairs = []
            if a.day == b.day:
                pairs.append(((a_start, a_end), (b_start, b_end), a.day))
            elif a.day != Day.HOLIDAY and b.day != Day.HOLIDAY:
                if b.day == (a.day + 1) % 7:
                    pairs.append(((a_start, a_end), (b_start + MINUTES_PER_DAY, b_end + MINUTES_PER_DAY), a.day))
                if a.day == (b.day + 1) % 7:
                    pairs.append(((b_start, b_end), (a_start + MINUTES_PER_DAY, a_end + MINUTES_PER_DAY), b.day))
            for (x_start, x_end), (y_start, y_end), day in pairs:
                if x_start < y_end and y_start < x_end:
                    raise DomainError(
                        _(
                            "The sessions %(first)s and %(second)s on %(day)s overlap. "
                            "Change the times so they do not overlap."
                        )
                        % {
                            "first": _describe(a.opens, a.closes),
                            "second": _describe(b.opens, b.closes),
                            "day": Day(day).label,
                        }
                    )


def _rules_summary(rules: Iterable) -> str:
    return "; ".join(f"{Day(r.day).label} {_describe(r.opens, r.closes)}" for r in rules) or "-"


def _exception_summary(exc: ScheduleException | None) -> str:
    if exc is None:
        return ""
    if exc.is_closed:
        return _("closed")
    return ", ".join(_describe(s.opens, s.closes) for s in exc.sessions.all())


# --- offices and counters -----------------------------------------------------------------

_OFFICE_DETAIL_FIELDS = {
    "postal_code",
    "phone",
    "email",
    "latitude",
    "longitude",
    "closed_on_cuti_bersama",
    "active_from",
    "active_until",
    "description",
    "is_active",
}


@transaction.atomic
def create_office(
    *,
    actor,
    slug: str,
    name: str,
    kind: str,
    region: Region,
    address: str,
    timezone: str = OfficeTimeZone.WIB,
    **details,
) -> Office:
    """Create a service point. Only a system admin, or a city admin for a region in their city."""
    unknown = set(details) - _OFFICE_DETAIL_FIELDS
    if unknown:
        raise TypeError(f"create_office() got unexpected fields: {sorted(unknown)}")
    office = Office(slug=slug, name=name.strip(), kind=kind, region=region, address=address.strip(), timezone=timezone)
    for key, value in details.items():
        setattr(office, key, value)
    _require_office_admin(actor, office)
    if not office.name:
        raise DomainError(_("Enter the office's name."))
    if not slug:
        raise DomainError(_("Enter a short web name (slug) for the office, e.g. 'kecamatan-ciputat'."))
    if kind not in OfficeKind.values:
        raise DomainError(_("Choose the kind of office."))
    if timezone not in OfficeTimeZone.values:
        raise DomainError(_("Choose the office's time zone: WIB, WITA or WIT."))
    if office.active_from and office.active_until and office.active_until < office.active_from:
        raise DomainError(
            _("The office's last active date is before its first. Put the end date on or after the start date.")
        )
    if Office.objects.filter(slug=slug).exists():
        raise DomainError(
            _("The web name '%(slug)s' is already used by another office. Choose another.") % {"slug": slug}
        )
    try:
        with transaction.atomic():
            office.save()
    except IntegrityError:
        raise DomainError(
            _("The web name '%(slug)s' is already used by another office. Choose another.") % {"slug": slug}
        )
    record(actor=actor, action="offices.office.create", obj=office, to_state=office.name, office_id=office.pk)
    return office


@transaction.atomic
def add_counter(*, actor, office: Office, number: int, name: str = "") -> Counter:
    """Add a counter (loket) to ``office``; its number must be unique in the office."""
    _require_office_admin(actor, office)
    if number is None or int(number) < 1:
        raise DomainError(_("A counter number must be 1 or more."))
    if Counter.objects.filter(office=office, number=number).exists():
        raise DomainError(
            _("This office already has a counter number %(number)s. Choose another number.") % {"number": number}
        )
    try:
        with transaction.atomic():
            counter = Counter.objects.create(office=office, number=number, name=name.strip())
    except IntegrityError:
        raise DomainError(
            _("This office already has a counter number %(number)s. Choose another number.") % {"number": number}
        )
    record(actor=actor, action="offices.counter.add", obj=counter, to_state=str(counter), office_id=office.pk)
    return counter


# --- opening hours ------------------------------------------------------------------------


@transaction.atomic
def set_opening_rules(*, actor, office: Office, rules: Sequence[RuleSpec | tuple | dict]) -> list[OpeningRule]:
    """Replace the office's weekly rules with ``rules``.

    Rules on one day (and a session past midnight with the next day's sessions) must not overlap;
    a closing time earlier than the opening time means the session ends after midnight.
    """
    _require_office_admin(actor, office)
    specs = _normalise_rules(rules)
    _validate_rules(specs)
    Office.objects.select_for_update().filter(pk=office.pk).first()
    old = list(OpeningRule.objects.filter(office=office).order_by("day", "opens"))
    OpeningRule.objects.filter(office=office).delete()
    created = OpeningRule.objects.bulk_create(
        [
            OpeningRule(
                office=office,
                day=s.day,
                opens=s.opens,
                closes=s.closes,
                label=s.label,
                valid_from=s.valid_from,
                valid_until=s.valid_until,
            )
            for s in sorted(specs, key=lambda s: (s.day, s.opens))
        ]
    )
    record(
        actor=actor,
        action="offices.hours.set",
        obj=office,
        from_state=_rules_summary(old),
        to_state=_rules_summary(created),
        office_id=office.pk,
        data={
            "from": [[r.day, _hhmm(r.opens), _hhmm(r.closes), r.label] for r in old],
            "to": [[r.day, _hhmm(r.opens), _hhmm(r.closes), r.label] for r in created],
        },
    )
    return created


@transaction.atomic
def add_schedule_exception(
    *,
    actor,
    office: Office,
    date: dt.date,
    is_closed: bool,
    reason: str,
    sessions: Sequence[SessionSpec | tuple] = (),
) -> ScheduleException:
    """Set the office's hours for one local ``date``: closed, or open with ``sessions`` only.

    Replaces an exception that already exists for that date (the audit row keeps the old one).
    """
    _require_office_admin(actor, office)
    reason = (reason or "").strip()
    specs = _normalise_sessions(sessions)
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise DomainError(_("Enter a valid date."))
    if not reason:
        raise DomainError(_("Enter a reason, e.g. 'Closed for a staff meeting' or 'Weekend service'."))
    if len(reason) > 200:
        raise DomainError(_("The reason can be at most 200 characters long."))
    if is_closed and specs:
        raise DomainError(_("A day that is closed cannot have sessions. Remove the sessions or choose 'open'."))
    if not is_closed and not specs:
        raise DomainError(_("Enter at least one session with an opening and a closing time, or choose 'closed'."))
    for s in specs:
        _check_not_empty(s.opens, s.closes)
        if len(s.label) > 80:
            raise DomainError(_("A session label can be at most 80 characters long."))
    _check_no_overlap(
        [(*_span(s.opens, s.closes), _describe(s.opens, s.closes)) for s in specs], date.strftime("%d-%m-%Y")
    )

    existing = (
        ScheduleException.objects.select_for_update()
        .filter(office=office, date=date)
        .prefetch_related("sessions")
        .first()
    )
    before = _exception_summary(existing)
    if existing is not None:
        exc = existing
        exc.is_closed, exc.reason = is_closed, reason
        exc.save(update_fields=["is_closed", "reason"])
        exc.sessions.all().delete()
    else:
        try:
            with transaction.atomic():
                exc = ScheduleException.objects.create(office=office, date=date, is_closed=is_closed, reason=reason)
        except IntegrityError:
            raise DomainError(_("Someone else just changed the hours of this date. Reload the page and try again."))
    ExceptionSession.objects.bulk_create(
        [ExceptionSession(exception=exc, opens=s.opens, closes=s.closes, label=s.label) for s in specs]
    )
    exc = ScheduleException.objects.prefetch_related("sessions").get(pk=exc.pk)
    record(
        actor=actor,
        action="offices.exception.set",
        obj=exc,
        from_state=before,
        to_state=_exception_summary(exc),
        reason=reason,
        office_id=office.pk,
        data={"date": date.isoformat()},
    )
    return exc


@transaction.atomic
def remove_schedule_exception(*, actor, exception: ScheduleException, reason: str = "") -> None:
    """Remove a date exception: the regular hours (and holidays) apply to that date again."""
    office = exception.office
    _require_office_admin(actor, office)
    locked = ScheduleException.objects.select_for_update().filter(pk=exception.pk).prefetch_related("sessions").first()
    if locked is None:
        raise DomainError(_("This exception was already removed."))
    before = _exception_summary(locked)
    record(
        actor=actor,
        action="offices.exception.remove",
        obj=locked,
        from_state=before,
        to_state="",
        reason=reason or locked.reason,
        office_id=office.pk,
        data={"date": locked.date.isoformat()},
    )
    locked.delete()


# --- holidays -----------------------------------------------------------------------------


def _require_holiday_admin(actor, region: Region | None) -> None:
    if actor is None:
        return
    if policy.office_scope(actor, policy.MANAGE_CITY).everywhere:
        return
    if region is None:
        raise NotAllowed(_("Only a system admin can add or change a holiday for the whole country."))
    if not policy.allows_in_region(actor, policy.MANAGE_CITY, region.code):
        raise NotAllowed(
            _("Only a city admin of %(region)s (or a system admin) can add a closure there.") % {"region": region.name}
        )


@transaction.atomic
def add_holiday(
    *,
    actor,
    date: dt.date,
    name: str,
    kind: str,
    region: Region | None = None,
    cancelled: bool = False,
) -> Holiday:
    """Add a holiday day, cancel one (``cancelled=True``), or close a region's offices (kind LOCAL).

    National holidays and cuti bersama (and their cancellation) apply to the whole country and need a
    system admin; a LOCAL closure of a region subtree needs a city admin of that region.
    """
    name = (name or "").strip()
    if kind not in HolidayKind.values:
        raise DomainError(_("Choose the kind of holiday: national holiday, cuti bersama or local closure."))
    if kind != HolidayKind.LOCAL and region is not None:
        raise DomainError(
            _(
                "National holidays and cuti bersama apply to the whole country. Leave the region empty, or choose 'local closure'."
            )
        )
    _require_holiday_admin(actor, region)
    if not name:
        raise DomainError(_("Enter the name of the holiday, e.g. 'Hari Jadi Kota'."))
    if len(name) > 150:
        raise DomainError(_("The holiday's name can be at most 150 characters long."))
    if Holiday.objects.filter(date=date, kind=kind, region=region, cancelled=cancelled, name=name).exists():
        raise DomainError(_("This holiday is already recorded for that date."))
    holiday = Holiday.objects.create(date=date, name=name, kind=kind, region=region, cancelled=cancelled)
    record(
        actor=actor,
        action="offices.holiday.cancel" if cancelled else "offices.holiday.add",
        obj=holiday,
        to_state=f"{date.isoformat()} {name}" + (" (cancelled)" if cancelled else ""),
        data={"kind": kind, "region": region.code if region else None, "cancelled": cancelled},
    )
    return holiday


@transaction.atomic
def remove_holiday(*, actor, holiday: Holiday) -> None:
    """Remove an admin-managed holiday row (the package's days stay; cancel those instead)."""
    _require_holiday_admin(actor, holiday.region)
    record(
        actor=actor,
        action="offices.holiday.remove",
        obj=holiday,
        from_state=f"{holiday.date.isoformat()} {holiday.name}",
        data={"kind": holiday.kind, "region": holiday.region_id, "cancelled": holiday.cancelled},
    )
    holiday.delete()
