"""Read-only questions about offices. The schedule selector every later part uses lives here.

Which sessions an office holds on its local date D, in order of precedence:

1. the office is inactive, or D is outside ``active_from``/``active_until`` -> none;
2. a ``ScheduleException`` for D -> none when closed, else its own sessions;
3. D is a holiday for this office (see ``loket.offices.calendar``) -> its ``Day.HOLIDAY`` rules
   (none if it has none);
4. otherwise the weekday's rules valid on D (``valid_from``/``valid_until``).

A session belongs to the local date it starts on; one whose closing time is earlier than its
opening time ends on the next day. Every function loads what it needs for a whole date range in
a fixed number of queries (rules, exceptions + their sessions, holiday rows), never one per day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet

from loket.core import clock, policy
from loket.offices import calendar
from loket.offices.models import (
    Day,
    ExceptionSession,
    Holiday,
    HolidayKind,
    Office,
    OpeningRule,
    ScheduleException,
)


@dataclass(frozen=True)
class Session:
    """One opening session, as aware datetimes in the office's zone; ``end`` may be on the next day."""

    start: dt.datetime
    end: dt.datetime
    label: str = ""

    def contains(self, instant: dt.datetime) -> bool:
        return self.start <= instant < self.end


@dataclass(frozen=True)
class DaySchedule:
    date: dt.date
    sessions: list[Session]
    holiday_name: str = ""
    exception_reason: str = ""

    @property
    def is_closed(self) -> bool:
        return not self.sessions


@dataclass(frozen=True)
class OfficeStatus:
    is_open: bool
    current: Session | None
    next: Session | None
    local_now: dt.datetime
    holiday_name: str = ""


def office_zone(office: Office) -> ZoneInfo:
    return ZoneInfo(str(office.timezone))


def local_today(office: Office, instant: dt.datetime | None = None) -> dt.date:
    """The office's own local date at ``instant`` (now if omitted)."""
    return _require_aware(instant or clock.now()).astimezone(office_zone(office)).date()


def _require_aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instant must be an aware datetime")
    return instant


def _make_session(day: dt.date, opens: dt.time, closes: dt.time, label: str, zone: ZoneInfo) -> Session:
    start = dt.datetime.combine(day, opens, tzinfo=zone)
    end_day = day if closes > opens else day + dt.timedelta(days=1)
    return Session(start=start, end=dt.datetime.combine(end_day, closes, tzinfo=zone), label=label)


@dataclass
class _OfficeData:
    rules: list[OpeningRule]
    exceptions: dict[dt.date, ScheduleException]
    holiday_rows: dict[dt.date, list] = field(default_factory=dict)


class _ScheduleSource:
    """Everything needed to answer schedule questions for some offices over a date range.

    Loads rules, exceptions (with sessions) and holiday rows in four queries at most, then
    answers per date in memory.
    """

    def __init__(self, offices: Sequence[Office], start: dt.date, end: dt.date):
        self.start, self.end = start, end
        ids = [o.pk for o in offices]
        rules_by_office: dict[int, list[OpeningRule]] = defaultdict(list)
        need_rules = []
        for office in offices:
            cache = getattr(office, "_prefetched_objects_cache", {})
            if "opening_rules" in cache:
                rules_by_office[office.pk] = list(cache["opening_rules"])
            else:
                need_rules.append(office.pk)
        if need_rules:
            for rule in OpeningRule.objects.filter(office_id__in=need_rules).order_by("day", "opens", "pk"):
                rules_by_office[rule.office_id].append(rule)
        exceptions_by_office: dict[int, dict[dt.date, ScheduleException]] = defaultdict(dict)
        exceptions = ScheduleException.objects.filter(
            office_id__in=ids, date__gte=start, date__lte=end
        ).prefetch_related(Prefetch("sessions", queryset=ExceptionSession.objects.order_by("opens", "pk")))
        for exc in exceptions:
            exceptions_by_office[exc.office_id][exc.date] = exc
        self.holiday_rows = calendar.group_rows_by_date(calendar.admin_rows(start, end))
        self.data = {
            office.pk: _OfficeData(rules=rules_by_office[office.pk], exceptions=exceptions_by_office[office.pk])
            for office in offices
        }

    def day(self, office: Office, day: dt.date) -> DaySchedule:
        if not (self.start <= day <= self.end):
            raise ValueError(f"{day} is outside the loaded range {self.start}..{self.end}")
        zone = office_zone(office)
        data = self.data[office.pk]
        if not _active_on(office, day):
            return DaySchedule(date=day, sessions=[])
        holiday = calendar.holiday_for(office, day, rows=self.holiday_rows.get(day, []))
        holiday_name = holiday.name if holiday else ""
        exc = data.exceptions.get(day)
        if exc is not None:
            sessions = (
                []
                if exc.is_closed
                else [_make_session(day, s.opens, s.closes, s.label, zone) for s in exc.sessions.all()]
            )
            return DaySchedule(date=day, sessions=sessions, holiday_name=holiday_name, exception_reason=exc.reason)
        wanted_day = Day.HOLIDAY if holiday else day.weekday()
        sessions = [
            _make_session(day, r.opens, r.closes, r.label, zone)
            for r in data.rules
            if r.day == wanted_day
            and (r.valid_from is None or r.valid_from <= day)
            and (r.valid_until is None or day <= r.valid_until)
        ]
        sessions.sort(key=lambda s: s.start)
        return DaySchedule(date=day, sessions=sessions, holiday_name=holiday_name)


def _active_on(office: Office, day: dt.date) -> bool:
    if not office.is_active:
        return False
    if office.active_from and day < office.active_from:
        return False
    return not (office.active_until and day > office.active_until)


# --- the schedule questions ---------------------------------------------------------------


def sessions_on(office: Office, local_date: dt.date) -> list[Session]:
    """Sessions ``office`` holds that start on its local date ``local_date``, in time order."""
    return _ScheduleSource([office], local_date, local_date).day(office, local_date).sessions


def day_schedule(office: Office, local_date: dt.date) -> DaySchedule:
    """Sessions of one local date with the holiday's name and the exception's reason, if any."""
    return _ScheduleSource([office], local_date, local_date).day(office, local_date)


def week_schedule(office: Office, start_local_date: dt.date, days: int = 7) -> list[DaySchedule]:
    """``days`` consecutive local dates from ``start_local_date``, in a fixed number of queries."""
    end = start_local_date + dt.timedelta(days=days - 1)
    source = _ScheduleSource([office], start_local_date, end)
    return [source.day(office, start_local_date + dt.timedelta(days=i)) for i in range(days)]


def _status_from_source(
    source: _ScheduleSource, office: Office, instant: dt.datetime, horizon_days: int
) -> OfficeStatus:
    local_now = instant.astimezone(office_zone(office))
    today = local_now.date()
    current = None
    for d in (today - dt.timedelta(days=1), today):
        for session in source.day(office, d).sessions:
            if session.contains(instant):
                current = session
                break
        if current:
            break
    upcoming = None
    for i in range(horizon_days + 1):
        for session in source.day(office, today + dt.timedelta(days=i)).sessions:
            if session.start > instant:
                upcoming = session
                break
        if upcoming:
            break
    return OfficeStatus(
        is_open=current is not None,
        current=current,
        next=upcoming,
        local_now=local_now,
        holiday_name=source.day(office, today).holiday_name,
    )


def _source_around(offices: Sequence[Office], instant: dt.datetime, horizon_days: int) -> _ScheduleSource:
    _require_aware(instant)
    todays = [local_today(o, instant) for o in offices] or [instant.date()]
    return _ScheduleSource(
        offices, min(todays) - dt.timedelta(days=1), max(todays) + dt.timedelta(days=max(horizon_days, 0))
    )


def office_status(office: Office, instant: dt.datetime, *, horizon_days: int = 60) -> OfficeStatus:
    """Open now? The current session, the next one starting after ``instant``, local time, holiday."""
    return _status_from_source(_source_around([office], instant, horizon_days), office, instant, horizon_days)


def office_statuses(
    offices: Iterable[Office], instant: dt.datetime, *, horizon_days: int = 14
) -> dict[int, OfficeStatus]:
    """``office_status`` for many offices (e.g. a list page) in a fixed number of queries, keyed by pk."""
    offices = list(offices)
    if not offices:
        return {}
    source = _source_around(offices, instant, horizon_days)
    return {o.pk: _status_from_source(source, o, instant, horizon_days) for o in offices}


def current_session(office: Office, instant: dt.datetime) -> Session | None:
    """The session ``office`` is in at ``instant`` (which may have begun the previous local day)."""
    return _status_from_source(_source_around([office], instant, 0), office, instant, 0).current


def is_open_at(office: Office, instant: dt.datetime) -> bool:
    """Whether ``office`` is open at the aware ``instant`` (any zone)."""
    return current_session(office, instant) is not None


def next_opening(office: Office, instant: dt.datetime, *, horizon_days: int = 60) -> Session | None:
    """The first session starting strictly after ``instant`` within ``horizon_days`` local days."""
    return office_status(office, instant, horizon_days=horizon_days).next


# --- finding offices ----------------------------------------------------------------------


def _public_offices() -> QuerySet[Office]:
    return Office.objects.filter(is_active=True).select_related("region")


def _subtree_q(code: str) -> Q:
    """Regions in the subtree of ``code``: fixed-width Kemendagri segments make this a prefix match."""
    return Q(region_id=code) | Q(region__code__startswith=code + ".")


def offices_in_region(code: str) -> QuerySet[Office]:
    """Active offices in the region subtree of ``code`` (e.g. a kota or a kecamatan), in directory
    order (by region code, then name)."""
    return _public_offices().filter(_subtree_q(code)).order_by("region_id", "name")


def office_by_slug(slug: str) -> Office | None:
    """An active office by its slug, with its region and rules prefetched; None if unknown."""
    return (
        _public_offices()
        .prefetch_related(Prefetch("opening_rules", queryset=OpeningRule.objects.order_by("day", "opens", "pk")))
        .prefetch_related("counters")
        .filter(slug=slug)
        .first()
    )


def any_office_by_slug(slug: str) -> Office | None:
    """An office by its slug, also one that was closed down (for the pages that manage it)."""
    return Office.objects.select_related("region").filter(slug=slug).first()


def active_counter_count(office: Office) -> int:
    """How many of the office's counters are in use (from the counters ``office_by_slug`` loaded)."""
    return sum(1 for counter in office.counters.all() if counter.is_active)


def offices_for(
    actor, permission: policy.Permission = policy.MANAGE_OFFICE, *, active_only: bool = False
) -> QuerySet[Office]:
    """The offices where ``actor`` holds ``permission`` (by default, the offices they manage: their
    own as office admin, their city's as city admin, every office as system admin); empty for
    anyone else. Closed-down offices too unless ``active_only``: an admin still manages them.
    By region code, then name."""
    condition = policy.office_scope(actor, permission).office_q()
    if condition is None:
        return Office.objects.none()
    offices = Office.objects.select_related("region").filter(condition)
    if active_only:
        offices = offices.filter(is_active=True)
    return offices.order_by("region_id", "name")


def exceptions_from(office: Office, start: dt.date) -> QuerySet[ScheduleException]:
    """The office's date exceptions on or after ``start``, with their sessions."""
    return (
        ScheduleException.objects.filter(office=office, date__gte=start)
        .prefetch_related(Prefetch("sessions", queryset=ExceptionSession.objects.order_by("opens", "pk")))
        .order_by("date")
    )


def exception_at(office: Office, exception_id: int | None) -> ScheduleException | None:
    """The office's date exception ``exception_id``; None if it is gone (or of another office)."""
    if exception_id is None:
        return None
    return ScheduleException.objects.filter(office=office, pk=exception_id).first()


def opening_rules(office: Office) -> list[OpeningRule]:
    return list(OpeningRule.objects.filter(office=office).order_by("day", "opens", "pk"))


# --- holidays -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayLine:
    """One line of the national list: a package day or an admin row."""

    date: dt.date
    name: str
    kind: str
    from_package: bool
    row: Holiday | None = None  # the admin row (added day or cancellation)
    cancelled_by: tuple[Holiday, ...] = ()  # admin cancellations that revoke this package day
    removable: bool = False

    @property
    def kind_label(self) -> str:
        return HolidayKind(self.kind).label


@dataclass(frozen=True)
class HolidayYear:
    """A year's holidays as one admin sees them: the national list (package days and admin rows)
    and the local closures they may manage."""

    national_lines: list[HolidayLine]
    local_rows: list[Holiday]


def may_manage_holiday(actor, region_id: str | None) -> bool:
    """Whether ``actor`` may change a holiday row of ``region_id`` (None: a national row), the
    service's rule; the holidays page shows a remove button by it."""
    return policy.allows_in_region(actor, policy.MANAGE_CITY, region_id)


def _national_lines(actor, year: int, rows: list[Holiday]) -> list[HolidayLine]:
    cancellations: dict[tuple[dt.date, str], list[Holiday]] = {}
    for row in rows:
        if row.cancelled and row.kind != HolidayKind.LOCAL:
            cancellations.setdefault((row.date, row.kind), []).append(row)
    lines = [
        HolidayLine(
            date=day,
            name=info.name,
            kind=info.kind,
            from_package=True,
            cancelled_by=tuple(cancellations.get((day, info.kind), ())),
        )
        for day, infos in calendar.package_holidays(year).items()
        for info in infos
    ]
    lines += [
        HolidayLine(
            date=row.date,
            name=row.name,
            kind=row.kind,
            from_package=False,
            row=row,
            removable=may_manage_holiday(actor, row.region_id),
        )
        for row in rows
        if row.kind != HolidayKind.LOCAL
    ]
    return sorted(lines, key=lambda line: (line.date, line.from_package is False))


def holiday_year_for(actor, year: int) -> HolidayYear:
    """The holidays of ``year`` for ``actor``'s holidays page."""
    rows = list(Holiday.objects.select_related("region").filter(date__year=year).order_by("date", "kind", "pk"))
    return HolidayYear(
        national_lines=_national_lines(actor, year, rows),
        local_rows=[row for row in rows if row.kind == HolidayKind.LOCAL and may_manage_holiday(actor, row.region_id)],
    )


def holiday_by_id(holiday_id: int | None) -> Holiday | None:
    """An admin holiday row with its region; None if it is gone."""
    if holiday_id is None:
        return None
    return Holiday.objects.select_related("region").filter(pk=holiday_id).first()
