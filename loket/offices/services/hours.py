"""An office's opening hours: the weekly rules and the exceptions for single dates.

A session is wall-clock times in the office's zone; a closing time earlier than the opening time
means the session ends after midnight, so sessions are compared as minutes from the day's midnight
(``_span``), running past 24 * 60 into the next day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core.errors import DomainError
from loket.offices.models import Day, ExceptionSession, Office, OpeningRule, ScheduleException
from loket.offices.services.offices import require_office_admin

MINUTES_PER_DAY = 24 * 60
MAX_LABEL = 80  # OpeningRule.label and ExceptionSession.label


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


def _overlap_error(first: str, second: str, day_name: str) -> DomainError:
    return DomainError(
        _("The sessions %(first)s and %(second)s on %(day)s overlap. Change the times so they do not overlap.")
        % {"first": first, "second": second, "day": day_name}
    )


def _check_no_overlap(spans: Sequence[tuple[int, int, str]], day_name: str) -> None:
    """``spans`` are (start, end, description) in minutes on one day; refuse any two that overlap."""
    ordered = sorted(spans)
    for (a_start, a_end, a_desc), (b_start, b_end, b_desc) in zip(ordered, ordered[1:], strict=False):
        if b_start < a_end and a_start < b_end:
            raise _overlap_error(a_desc, b_desc, day_name)


def _check_label(label: str) -> None:
    if len(label) > MAX_LABEL:
        raise DomainError(_("A session label can be at most 80 characters long."))


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


def _check_rule(rule: RuleSpec) -> None:
    if rule.day not in Day.values:
        raise DomainError(_("Choose a day from Monday to Sunday, or public holidays."))
    _check_not_empty(rule.opens, rule.closes)
    if rule.valid_from and rule.valid_until and rule.valid_until < rule.valid_from:
        raise DomainError(
            _(
                "The rule %(session)s is valid until a date before it starts. Put the end date on or after the start date."
            )
            % {"session": _describe(rule.opens, rule.closes)}
        )
    _check_label(rule.label)


def _clash_day(a: RuleSpec, b: RuleSpec) -> int | None:
    """The day on which two weekly rules overlap, or None: on the same day, or where a session
    past midnight runs into the next weekday's (public-holiday rules have no next day)."""
    if not _validity_overlaps(a, b):
        return None
    a_start, a_end = _span(a.opens, a.closes)
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
            return day
    return None


def _validate_rules(rules: list[RuleSpec]) -> None:
    for rule in rules:
        _check_rule(rule)
    for i, a in enumerate(rules):
        for b in rules[i + 1 :]:
            day = _clash_day(a, b)
            if day is not None:
                raise _overlap_error(_describe(a.opens, a.closes), _describe(b.opens, b.closes), Day(day).label)


def _rules_summary(rules: Iterable) -> str:
    return "; ".join(f"{Day(r.day).label} {_describe(r.opens, r.closes)}" for r in rules) or "-"


def _exception_summary(exc: ScheduleException | None) -> str:
    if exc is None:
        return ""
    if exc.is_closed:
        return _("closed")
    return ", ".join(_describe(s.opens, s.closes) for s in exc.sessions.all())


@transaction.atomic
def set_opening_rules(*, actor, office: Office, rules: Sequence[RuleSpec | tuple | dict]) -> list[OpeningRule]:
    """Replace the office's weekly rules with ``rules``.

    Rules on one day (and a session past midnight with the next day's sessions) must not overlap;
    a closing time earlier than the opening time means the session ends after midnight.
    """
    require_office_admin(actor, office)
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


def _check_exception(date, is_closed: bool, reason: str, specs: list[SessionSpec]) -> None:
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
        _check_label(s.label)
    _check_no_overlap(
        [(*_span(s.opens, s.closes), _describe(s.opens, s.closes)) for s in specs], date.strftime("%d-%m-%Y")
    )


def _save_exception(
    office: Office,
    existing: ScheduleException | None,
    *,
    date: dt.date,
    is_closed: bool,
    reason: str,
    specs: list[SessionSpec],
) -> ScheduleException:
    """Write the exception (over ``existing``, whose sessions are replaced); returns it reloaded."""
    if existing is not None:
        exc = existing
        exc.is_closed, exc.reason = is_closed, reason
        exc.save(update_fields=["is_closed", "reason"])
        exc.sessions.all().delete()
    else:
        try:
            with transaction.atomic():
                exc = ScheduleException.objects.create(office=office, date=date, is_closed=is_closed, reason=reason)
        except IntegrityError:  # another admin created the date's exception since we looked
            raise DomainError(_("Someone else just changed the hours of this date. Reload the page and try again."))
    ExceptionSession.objects.bulk_create(
        [ExceptionSession(exception=exc, opens=s.opens, closes=s.closes, label=s.label) for s in specs]
    )
    return ScheduleException.objects.prefetch_related("sessions").get(pk=exc.pk)


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
    require_office_admin(actor, office)
    reason = (reason or "").strip()
    specs = _normalise_sessions(sessions)
    _check_exception(date, is_closed, reason, specs)
    existing = (
        ScheduleException.objects.select_for_update()
        .filter(office=office, date=date)
        .prefetch_related("sessions")
        .first()
    )
    before = _exception_summary(existing)
    exc = _save_exception(office, existing, date=date, is_closed=is_closed, reason=reason, specs=specs)
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
    require_office_admin(actor, office)
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
