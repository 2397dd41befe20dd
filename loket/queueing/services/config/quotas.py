"""Quota rows: how many online bookings and walk-in tickets a group takes per session, every
day, on a weekday or on one date (which row applies to a session: see ``Quota``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core.errors import DomainError
from loket.offices import selectors as office_selectors
from loket.offices.models import Day, Office
from loket.queueing.models import Quota, ServiceGroup
from loket.queueing.selectors import quota_scope
from loket.queueing.services.config.common import lock_office, require_admin, whole_number

MAX_LIMIT = 10_000
WEEKDAYS = [d for d in Day if d != Day.HOLIDAY]


# --- audit states (language-neutral) ------------------------------------------------------


def _quota_scope_code(quota: Quota) -> str:
    if quota.date is not None:
        scope = quota.date.isoformat()
    elif quota.weekday is not None:
        scope = Day(quota.weekday).name.lower()
    else:
        scope = "every day"
    if quota.session_start is not None:
        scope += f" {quota.session_start:%H:%M}"
    return scope


def _quota_state(quota: Quota, letter: str) -> str:
    return f"{letter} {_quota_scope_code(quota)}: {quota.online_limit} online / {quota.walkin_limit} walk-in"


def quota_data(quota: Quota) -> dict:
    """The row as its audit rows keep it (also those of a deleted group, which takes its rows along)."""
    return {
        "group": quota.group_id,
        "date": quota.date.isoformat() if quota.date else None,
        "weekday": quota.weekday,
        "session_start": quota.session_start.strftime("%H:%M") if quota.session_start else None,
        "online_limit": quota.online_limit,
        "walkin_limit": quota.walkin_limit,
    }


def _clean_scope(office: Office, date: dt.date | None, weekday) -> int | None:
    """Check the days a quota row covers (a date, a weekday or every day); returns the weekday."""
    if date is not None and weekday is not None:
        raise DomainError(_("Choose either a date or a weekday, not both: leave one of them empty."), code="scope")
    if weekday is not None:
        if isinstance(weekday, bool) or weekday not in {d.value for d in WEEKDAYS}:
            raise DomainError(_("Choose a weekday from Monday to Sunday."), code="weekday")
        weekday = int(weekday)
    if date is not None:
        today = office_selectors.local_today(office)
        if date < today:
            raise DomainError(
                _("%(date)s has already passed. Choose today or a later date.")
                % {"date": formats.date_format(date, "j F Y")},
                code="date",
            )
    return weekday


def _clean_limits(online_limit, walkin_limit) -> tuple[int, int]:
    """The online and walk-in places per session, checked."""
    max_text = formats.number_format(MAX_LIMIT, force_grouping=True)
    online = whole_number(
        online_limit,
        low=0,
        high=MAX_LIMIT,
        message=_("The online bookings per session must be a whole number from 0 to %(max)s.") % {"max": max_text},
        code="online_limit",
    )
    walkin = whole_number(
        walkin_limit,
        low=0,
        high=MAX_LIMIT,
        message=_("The walk-in tickets per session must be a whole number from 0 to %(max)s.") % {"max": max_text},
        code="walkin_limit",
    )
    return online, walkin


def _check_scope_free(group: ServiceGroup, date, weekday, session_start, quota: Quota | None) -> None:
    """Refuse a second row for the same days and session, naming the row to change instead (no
    table constraint covers this; the office lock keeps two admins from racing past it)."""
    same_scope = Quota.objects.filter(group=group, date=date, weekday=weekday, session_start=session_start)
    if quota is not None:
        same_scope = same_scope.exclude(pk=quota.pk)
    existing = same_scope.first()
    if existing is not None:
        raise DomainError(
            _(
                "Group %(letter)s already has a quota row for the same days and session: “%(scope)s” "
                "(%(online)s online, %(walkin)s walk-in). Change that row instead of adding a second one."
            )
            % {
                "letter": group.letter,
                "scope": quota_scope(existing),
                "online": existing.online_limit,
                "walkin": existing.walkin_limit,
            },
            code="duplicate",
        )


def _locked_quota(quota: Quota) -> Quota:
    """``quota`` read again under lock, with its group; refused when it was deleted meanwhile."""
    row = Quota.objects.select_for_update().select_related("group").filter(pk=quota.pk).first()
    if row is None:
        raise DomainError(_("This quota row no longer exists. Reload the page."), code="gone")
    return row


def _quota_to_save(group: ServiceGroup, quota: Quota | None) -> tuple[Quota, str, dict]:
    """The row to save in ``group`` (a new one, or ``quota`` locked) with its state before."""
    if quota is None:
        return Quota(group=group), "", {}
    row = _locked_quota(quota)
    before, before_data = _quota_state(row, row.group.letter), quota_data(row)
    row.group = group
    return row, before, before_data


@transaction.atomic
def save_quota(
    *,
    actor,
    group: ServiceGroup,
    date: dt.date | None = None,
    weekday: int | None = None,
    session_start: dt.time | None = None,
    online_limit: int,
    walkin_limit: int,
    quota: Quota | None = None,
) -> Quota:
    """Create a quota row of ``group`` (``quota`` None) or change ``quota`` (it may move to another
    group of the same office). Which row applies to a session: see ``Quota``."""
    office = group.office
    require_admin(actor, office)
    if quota is not None and quota.group.office_id != office.pk:
        raise DomainError(_("This quota row belongs to another office."), code="wrong_office")
    lock_office(office)
    weekday = _clean_scope(office, date, weekday)
    online, walkin = _clean_limits(online_limit, walkin_limit)
    if not ServiceGroup.objects.filter(pk=group.pk, office=office).exists():
        raise DomainError(_("This service group no longer exists. Reload the page."), code="gone")
    _check_scope_free(group, date, weekday, session_start, quota)
    created = quota is None
    row, before, before_data = _quota_to_save(group, quota)
    row.date, row.weekday, row.session_start = date, weekday, session_start
    row.online_limit, row.walkin_limit = online, walkin
    if created:
        row.save()
    else:
        row.save(update_fields=["group", "date", "weekday", "session_start", "online_limit", "walkin_limit"])
    record(
        actor=actor,
        action="queueing.config.save_quota",
        obj=row,
        from_state=before,
        to_state=_quota_state(row, group.letter),
        office_id=office.pk,
        data={"created": created, "from": before_data, "to": quota_data(row)},
    )
    return row


@transaction.atomic
def delete_quota(*, actor, quota: Quota) -> None:
    """Delete a quota row. Places already taken stay taken; sessions it covered fall back to the
    next less specific row (or have no places)."""
    office = quota.group.office
    require_admin(actor, office)
    lock_office(office)
    locked = _locked_quota(quota)
    record(
        actor=actor,
        action="queueing.config.delete_quota",
        obj=locked,
        from_state=_quota_state(locked, locked.group.letter),
        to_state="",
        office_id=office.pk,
        data={"from": quota_data(locked)},
    )
    locked.delete()
